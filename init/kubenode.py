"""A Kubernetes node for the tests: containerd and a standalone kubelet (no API server: static pods
from a manifest directory), each with its own root, state, sockets, ports and logs, on loopback only.

The host's configuration stays as it was. Both daemons run in a mount namespace of their own, made
by a holder process, where
  * /run is a directory of the node's (containerd 1.6 puts its shims' sockets in /run/containerd
    whatever its configuration says),
  * /var/lib and /var/log are overlays whose upper layers are the node's (the kubelet writes to
    /var/lib/kubelet/device-plugins and /var/log/containers whatever its configuration says),
  * the kernel settings the kubelet wants (vm.overcommit_memory=1, kernel.panic=10, ...) are files
    of the node's bind-mounted over /proc/sys, so that with protectKernelDefaults it finds them and
    writes nothing,
and every mount the daemons and shims make (the kubelet's bind of its root, containerd's overlay
snapshots) lives in that namespace and goes with its last process. The kubelet's cgroups live under
a cgroup root of the node's, removed at the end; it makes no iptables chains.

Stopping (Node.stop) goes in the only order that leaves nothing: remove the manifests (the kubelet
stops the pods gracefully), stop the kubelet, remove what the CRI still has, stop containerd, wait
for the shims, end the holder, remove the cgroups.
"""

import ctypes
import datetime
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import urllib.request

import psutil

from harness import PR_SET_CHILD_SUBREAPER, wait_until

NODE_NAME = "dumb-init-test"
NAMESPACE = "k8s.io"
CGROUP_FS = "/sys/fs/cgroup"
# What the kubelet's container manager wants of the kernel (setupKernelTunables); with
# protectKernelDefaults it refuses to start when one differs, instead of writing it.
KUBELET_SYSCTLS = {
    "vm/overcommit_memory": "1",
    "vm/panic_on_oom": "0",
    "kernel/panic": "10",
    "kernel/panic_on_oops": "1",
    "kernel/keys/root_maxkeys": "1000000",
    "kernel/keys/root_maxbytes": "25000000",
}


class NodeError(RuntimeError):
    pass


def free_ports(n):
    """n different TCP ports on 127.0.0.1 that nobody listens on right now. All n are held at once
    while they are chosen: a port just released can be handed out again (a CI run once gave the
    kubelet the same port twice)."""
    held = [socket.socket() for _ in range(n)]
    try:
        for s in held:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def free_port():
    return free_ports(1)[0]


def tail(path, lines=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except FileNotFoundError:
        return "(no log)\n"


def cgroup_hierarchies():
    """The mounted cgroup hierarchies: each v1 controller's directory, and cgroup2's (unified)."""
    found = []
    with open("/proc/self/mounts") as f:
        for line in f:
            _, where, fstype = line.split()[:3]
            if fstype in ("cgroup", "cgroup2") and where.startswith(CGROUP_FS):
                found.append(where)
    return sorted(set(found))


_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def parse_time(text):
    """An RFC 3339 time with nanoseconds (CRI logs, crictl inspect) as a POSIX timestamp."""
    m = _RFC3339.match(text)
    if not m:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    base, frac, zone = m.groups()
    zone = "+00:00" if zone == "Z" else zone
    stamp = datetime.datetime.fromisoformat(base + zone).timestamp()
    return stamp + (int(frac) / 10 ** len(frac) if frac else 0.0)


class LogLine:
    """One line of a container's log as the kubelet stores it (CRI format)."""

    def __init__(self, when, stream, text):
        self.when, self.stream, self.text = when, stream, text

    def __repr__(self):
        return f"{self.when:.3f} {self.stream} {self.text}"


class Node:
    def __init__(self, bin_dir):
        self.bin_dir = bin_dir
        self.kubelet_bin = os.path.join(bin_dir, "kubelet")
        self.crictl_bin = os.path.join(bin_dir, "crictl")
        self.root = tempfile.mkdtemp(prefix="dumb-init-k8s-")
        self.cgroup_root = "/" + os.path.basename(self.root)
        self.sock = os.path.join(self.root, "containerd.sock")
        self.manifests = os.path.join(self.root, "manifests")
        self.pod_logs = os.path.join(self.root, "pod-logs")
        self.containerd_log = os.path.join(self.root, "containerd.log")
        self.kubelet_log = os.path.join(self.root, "kubelet.log")
        self.holder = self.containerd = self.kubelet = self.events = None
        self.ports = {}
        self.stopped = False
        # container id -> (exit status, time), from containerd's event stream: the kubelet removes
        # the containers of a removed pod from the CRI, logs and all, within seconds.
        self.exits = {}
        self.exits_changed = threading.Condition()
        # container id -> the container's log file, open: readable after the kubelet unlinks it.
        self.log_files = {}

    # ----------------------------------------------------------------------------------------------
    # Start

    def start_containerd(self, sandbox_image):
        """The namespace holder and containerd. Raises NodeError with the logs if it does not come up."""
        for d in ("run", "tmp", "manifests", "pod-logs", "cni/bin", "cni/conf", "sysctl",
                  "var-lib/upper", "var-lib/work", "var-log/upper", "var-log/work"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        # Shims daemonize: as a subreaper this process gets them back when they exit, and reaps them.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        self._make_cgroup_root()
        self._start_holder()
        config = os.path.join(self.root, "containerd.toml")
        with open(config, "w") as f:
            f.write(self._containerd_config(sandbox_image))
        self.containerd = self._spawn(["containerd", "--config", config], self.containerd_log,
                                      env={"TMPDIR": os.path.join(self.root, "tmp")})
        try:
            wait_until("containerd to answer", lambda: self.containerd.poll() is not None or
                       self._ctr_ok(), 60)
        except TimeoutError:
            pass
        if self.containerd.poll() is not None or not self._ctr_ok():
            raise NodeError(f"containerd did not come up (exit {self.containerd.poll()})\n"
                            + self.log_tails())
        self.events = subprocess.Popen(["ctr", "--address", self.sock, "events"], stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
        threading.Thread(target=self._read_events, daemon=True).start()

    def _read_events(self):
        # "2026-12-05 06:44:36.381352731 +0000 UTC k8s.io /tasks/exit {...}"; a task's own exit (not
        # an exec's) has id == container_id.
        for line in self.events.stdout:
            fields = line.split(" ", 6)
            if len(fields) < 7 or fields[5] != "/tasks/exit":
                continue
            event = json.loads(fields[6])
            if event.get("id") != event.get("container_id"):
                continue
            with self.exits_changed:
                self.exits[event["container_id"]] = (event.get("exit_status", 0), event["exited_at"])
                self.exits_changed.notify_all()

    def start_kubelet(self):
        """The kubelet, once the images it needs are in containerd. Raises NodeError with the logs
        if it does not come up."""
        self.ports = dict(zip(("healthz", "read_only", "server"), free_ports(3)))
        config = os.path.join(self.root, "kubelet.json")
        with open(config, "w") as f:
            json.dump(self._kubelet_config(), f, indent=1)
        self.kubelet = self._spawn(
            [self.kubelet_bin, "--config", config, "--root-dir", os.path.join(self.root, "kubelet"),
             "--cert-dir", os.path.join(self.root, "kubelet-pki"), "--hostname-override", NODE_NAME,
             "--v=2"], self.kubelet_log)

        def healthy():
            if self.kubelet.poll() is not None:
                return True
            try:
                self.http(self.ports["healthz"], "/healthz")
                self.http(self.ports["read_only"], "/pods")
                return True
            except OSError:
                return False
        try:
            wait_until("the kubelet's healthz and /pods", healthy, 60, interval=0.1)
        except TimeoutError:
            pass
        if self.kubelet.poll() is not None or not healthy():
            raise NodeError(f"the kubelet did not come up (exit {self.kubelet.poll()})\n" + self.log_tails())

    def _spawn(self, argv, log_path, env=None):
        """A daemon in the node's mount namespace (nsenter execs it: the pid is the daemon's)."""
        log = open(log_path, "ab")
        try:
            return subprocess.Popen(
                ["nsenter", f"--mount=/proc/{self.holder.pid}/ns/mnt", "--", *argv],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, env={**os.environ, **(env or {})})
        finally:
            log.close()

    def _start_holder(self):
        r = self.root
        script = ["set -e", f"mount --bind {r}/run /run"]
        for d, name in (("/var/lib", "var-lib"), ("/var/log", "var-log")):
            script.append(f"mount -t overlay overlay -o lowerdir={d},upperdir={r}/{name}/upper,"
                          f"workdir={r}/{name}/work {d}")
        for key, want in KUBELET_SYSCTLS.items():
            with open(f"/proc/sys/{key}") as f:
                if f.read().strip() == want:
                    continue
            path = os.path.join(r, "sysctl", key.replace("/", "."))
            with open(path, "w") as f:
                f.write(want + "\n")
            script.append(f"mount --bind -o ro {path} /proc/sys/{key}")
        script += ["echo ready", "exec sleep infinity"]
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", "\n".join(script)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, text=True)
        first = self.holder.stdout.readline().strip()
        if first != "ready":
            out = first + "\n" + self.holder.stdout.read() if self.holder.poll() is not None else first
            raise NodeError(f"the node's mount namespace could not be set up: {out}")

    def _make_cgroup_root(self):
        for h in cgroup_hierarchies():
            path = h + self.cgroup_root
            os.makedirs(path, exist_ok=True)
            # A new v1 cpuset group has no CPUs and no memory nodes: nothing could join it.
            for knob in ("cpuset.cpus", "cpuset.mems"):
                if os.path.exists(os.path.join(path, knob)):
                    with open(os.path.join(h, knob)) as src, open(os.path.join(path, knob), "w") as dst:
                        dst.write(src.read())

    def _containerd_config(self, sandbox_image):
        r = self.root
        cri = 'plugins."io.containerd.grpc.v1.cri"'
        return f"""version = 2
root = "{r}/containerd/root"
state = "{r}/containerd/state"
# Only what a node needs: no snapshotter that would probe other filesystems.
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = "{self.sock}"
[ttrpc]
  address = "{self.sock}.ttrpc"
[debug]
  level = "info"
[metrics]
  address = ""

[{cri}]
  sandbox_image = "{sandbox_image}"
  # Nothing here may lower an oom_score_adj (no CAP_SYS_RESOURCE in many CI containers): the
  # sandbox asks for -998, which runc cannot set. Containers get at least containerd's own.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [{cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [{cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [{cri}.containerd.runtimes.runc.options]
        Root = "{r}/runc"
        SystemdCgroup = false
  # No CNI: the pods use the host's network, and the directories stay empty.
  [{cri}.cni]
    bin_dir = "{r}/cni/bin"
    conf_dir = "{r}/cni/conf"

[plugins."io.containerd.internal.v1.opt"]
  path = "{r}/containerd/opt"
"""

    def _kubelet_config(self):
        r = self.root
        return {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "address": "127.0.0.1",
            "port": self.ports["server"],
            "readOnlyPort": self.ports["read_only"],
            "healthzBindAddress": "127.0.0.1",
            "healthzPort": self.ports["healthz"],
            "authentication": {"anonymous": {"enabled": True}, "webhook": {"enabled": False}},
            "authorization": {"mode": "AlwaysAllow"},
            "containerRuntimeEndpoint": f"unix://{self.sock}",
            "staticPodPath": self.manifests,
            # The kubelet also watches the directory; this is the fallback rescan.
            "fileCheckFrequency": "1s",
            "cgroupDriver": "cgroupfs",
            "cgroupRoot": self.cgroup_root,
            "podLogsDir": self.pod_logs,
            "volumePluginDir": os.path.join(r, "volume-plugins"),
            # The host is left as it is: no kernel settings written, no iptables chains, no
            # oom_score_adj lowered (see the module's docstring).
            "protectKernelDefaults": True,
            "makeIPTablesUtilChains": False,
            "oomScoreAdj": 0,
            "failSwapOn": False,
            "resolvConf": "",
            # A full disk or a busy machine must not evict the test's pods or delete its images.
            "evictionHard": {"memory.available": "1Mi", "nodefs.available": "1%",
                             "nodefs.inodesFree": "1%", "imagefs.available": "1%"},
            "imageGCHighThresholdPercent": 100,
            "imageGCLowThresholdPercent": 99,
        }

    def _ctr_ok(self):
        return self.ctr_run("version").returncode == 0

    # ----------------------------------------------------------------------------------------------
    # Clients

    def ctr_run(self, *args, input=None, timeout=60):
        return subprocess.run(["ctr", "--address", self.sock, "--namespace", NAMESPACE, *args],
                              input=input, capture_output=True, timeout=timeout)

    def ctr(self, *args, input=None, timeout=120):
        r = self.ctr_run(*args, input=input, timeout=timeout)
        if r.returncode != 0:
            raise NodeError(f"ctr {' '.join(args)} failed ({r.returncode}): "
                            f"{r.stderr.decode(errors='replace')}")
        return r.stdout.decode(errors="replace")

    def crictl_run(self, *args, timeout=60):
        # A configuration file of the node's: without one crictl looks for /etc/crictl.yaml.
        config = os.path.join(self.root, "crictl.yaml")
        if not os.path.exists(config):
            with open(config, "w") as f:
                f.write(f"runtime-endpoint: unix://{self.sock}\nimage-endpoint: unix://{self.sock}\n"
                        "timeout: 20\n")
        return subprocess.run([self.crictl_bin, "--config", config, *args], capture_output=True, text=True,
                              timeout=timeout)

    def crictl(self, *args, timeout=60):
        r = self.crictl_run(*args, timeout=timeout)
        if r.returncode != 0:
            raise NodeError(f"crictl {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r.stdout

    @staticmethod
    def http(port, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
            return resp.read()

    def log_tails(self, lines=40):
        return (f"--- containerd ({self.containerd_log}), last lines:\n{tail(self.containerd_log, lines)}"
                f"--- kubelet ({self.kubelet_log}), last lines:\n{tail(self.kubelet_log, lines)}")

    # ----------------------------------------------------------------------------------------------
    # Pods, as the kubelet sees them

    def apply(self, manifest):
        """Hands a static pod to the kubelet; returns the pod's name on this node."""
        name = manifest["metadata"]["name"]
        tmp = os.path.join(self.root, f".{name}.json")
        with open(tmp, "w") as f:
            json.dump(manifest, f)
        # Atomically: the kubelet must never read half a manifest.
        os.rename(tmp, os.path.join(self.manifests, f"{name}.json"))
        return f"{name}-{NODE_NAME}"

    def delete(self, name):
        """Removes a static pod's manifest: the kubelet stops the pod, gracefully."""
        os.unlink(os.path.join(self.manifests, f"{name}.json"))

    def pods(self):
        """The kubelet's pods and their status, from its read-only port."""
        return json.loads(self.http(self.ports["read_only"], "/pods"))["items"] or []

    def pod(self, pod_name):
        for p in self.pods():
            if p["metadata"]["name"] == pod_name:
                return p
        return None

    def container_status(self, pod_name, container):
        pod = self.pod(pod_name)
        for s in ((pod or {}).get("status") or {}).get("containerStatuses") or []:
            if s["name"] == container:
                return s
        return None

    def wait_status(self, what, pod_name, container, predicate, timeout):
        """Waits until the kubelet's status of a container satisfies predicate; returns it."""
        def check():
            s = self.container_status(pod_name, container)
            return s if s and predicate(s) else None
        try:
            return wait_until(what, check, timeout, interval=0.1)
        except TimeoutError as e:
            raise AssertionError(f"{e}; the kubelet's status: {self.container_status(pod_name, container)}"
                                 f"\n{self.log_tails(20)}") from None

    def running(self, pod_name, container, timeout=60):
        """The status of a container once it runs: its id (without containerd://) is in ["id"]."""
        s = self.wait_status(f"{pod_name}/{container} to run", pod_name, container,
                             lambda s: "running" in s.get("state", {}) and s.get("containerID"), timeout)
        s["id"] = s["containerID"].split("://", 1)[1]
        self.keep_log(s["id"])
        return s

    def keep_log(self, cid):
        """Holds the container's log file open, so that it can be read after the pod is gone."""
        if cid not in self.log_files:
            self.log_files[cid] = open(self.inspect(cid)["status"]["logPath"], errors="replace")

    def inspect(self, cid):
        """The CRI's view of a container (crictl inspect): status.state, exitCode, finishedAt, ..."""
        return json.loads(self.crictl("inspect", cid))

    def wait_exited(self, cid, timeout):
        """{"exitCode", "finishedAt"} of a container once it has exited: what containerd's exit
        event says, and the CRI's status says the same while the container is still there."""
        with self.exits_changed:
            if not self.exits_changed.wait_for(lambda: cid in self.exits, timeout):
                raise AssertionError(f"container {cid[:12]} did not exit within {timeout} s\n{self.log_tails(20)}")
            code, when = self.exits[cid]
        r = self.crictl_run("inspect", cid)
        if r.returncode == 0:
            st = json.loads(r.stdout)["status"]
            if st["state"] == "CONTAINER_EXITED" and st["exitCode"] != code:
                raise AssertionError(f"the CRI says exit {st['exitCode']}, containerd's event {code}")
        return {"exitCode": code, "finishedAt": when}

    def init_pid(self, cid):
        """The host PID of a container's first process."""
        return self.inspect(cid)["info"]["pid"]

    def log(self, cid):
        """The container's log (the file the kubelet named), as LogLines; partial lines joined."""
        lines, partial = [], {}
        if cid in self.log_files:
            f = self.log_files[cid]
            f.seek(0)
            raw = f.read().splitlines()
        else:
            try:
                with open(self.inspect(cid)["status"]["logPath"], errors="replace") as f:
                    raw = f.read().splitlines()
            except FileNotFoundError:
                return []
        for entry in raw:
            when, stream, tag, text = (entry.split(" ", 3) + [""])[:4]
            text = partial.pop(stream, "") + text
            if tag == "P":
                partial[stream] = text
                continue
            lines.append(LogLine(parse_time(when), stream, text))
        return lines

    def exec(self, cid, *argv, timeout=30):
        return self.crictl_run("exec", cid, *argv, timeout=timeout)

    # ----------------------------------------------------------------------------------------------
    # Stop

    def stop(self):
        """Stops everything the node started, in the order that leaves nothing behind. Returns the
        problems met (an empty list when all went away). Each step runs even if one before failed."""
        if self.stopped:
            return []
        self.stopped = True
        problems = []
        steps = [
            ("stopping the pods", self._stop_pods),
            ("stopping the kubelet", lambda p: self._end(self.kubelet, "kubelet", 15, p)),
            ("removing the CRI's pods", self._remove_sandboxes),
            ("stopping containerd", lambda p: self._end(self.containerd, "containerd", 30, p)),
            ("stopping the event stream", lambda p: self._end(self.events, "ctr events", 10, p)),
            ("waiting for the shims", self._reap_shims),
            ("killing what is left in the cgroups", self._kill_cgroup_members),
            ("ending the namespace holder", lambda p: self._end(self.holder, "namespace holder", 10, p)),
            ("removing the cgroups", self._remove_cgroups),
        ]
        for what, step in steps:
            try:
                step(problems)
            except Exception as e:  # the steps after it must still run
                problems.append(f"{what}: {type(e).__name__}: {e}")
        for f in self.log_files.values():
            f.close()
        shutil.rmtree(self.root, ignore_errors=True)
        return problems

    def _stop_pods(self, problems):
        """The kubelet stops every pod the graceful way. A removed pod leaves its /pods at once, so
        this waits on the CRI: until no sandbox is ready, the kubelet may still start or stop
        things, and a sandbox it creates after the forced removal below would outlive the node."""
        if not self.kubelet or self.kubelet.poll() is not None:
            return
        for m in glob.glob(os.path.join(self.manifests, "*.json")):
            os.unlink(m)
        try:
            wait_until("the kubelet to stop its pods", lambda: not self.crictl("pods", "-q", "--state", "ready").split(),
                       60, interval=0.2)
        except (TimeoutError, NodeError) as e:
            problems.append(f"pods still running a minute after their manifests went: {e}")

    def _remove_sandboxes(self, problems):
        if not self.containerd or self.containerd.poll() is not None:
            return
        r = self.crictl_run("rmp", "--all", "--force", timeout=120)
        if r.returncode != 0:
            problems.append(f"crictl rmp -af failed: {r.stderr}")
        left = self.crictl("pods", "-q").split() + self.crictl("ps", "-aq").split()
        if left:
            problems.append(f"the CRI still has {left} after crictl rmp -af")

    @staticmethod
    def _end(proc, what, timeout, problems):
        if not proc:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                problems.append(f"{what} ignored SIGTERM for {timeout} s: killed")
                proc.kill()
                proc.wait()

    def _reap_shims(self, problems):
        """Shims exit once containerd has deleted their containers; they were re-parented to us."""
        for p in psutil.Process().children():
            try:
                if not p.name().startswith("containerd-shim"):
                    continue
                try:
                    p.wait(15)
                except psutil.TimeoutExpired:
                    kids = [(k.pid, k.name(), k.status()) for k in p.children(recursive=True)]
                    problems.append(f"shim {p.pid} ({' '.join(p.cmdline())}) still running after containerd "
                                    f"stopped, with {kids}: killed")
                    p.kill()
                    p.wait(5)
            except psutil.NoSuchProcess:
                pass

    def _kill_cgroup_members(self, problems):
        for h in cgroup_hierarchies():
            for procs in glob.glob(h + self.cgroup_root + "/**/cgroup.procs", recursive=True):
                with open(procs) as f:
                    pids = [int(p) for p in f.read().split()]
                for pid in pids:
                    problems.append(f"process {pid} left in {os.path.dirname(procs)}: killed")
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass

    def _remove_cgroups(self, problems):
        for h in cgroup_hierarchies():
            top = h + self.cgroup_root
            if not os.path.isdir(top):
                continue
            dirs = sorted((d for d, _, _ in os.walk(top)), key=len, reverse=True)
            for d in dirs:
                # A cgroup whose last process just died can stay busy for a moment.
                try:
                    wait_until(f"rmdir {d}", lambda: _rmdir(d), 10)
                except TimeoutError:
                    problems.append(f"cgroup {d} could not be removed")


def host_footprint():
    """What a node could change on the host and must not: kernel settings, firewall rules, mounts,
    cgroups, and what is in /var/lib, /var/log and /run. Compare one taken before with one after."""
    state = {}
    for key in list(KUBELET_SYSCTLS) + ["net/ipv4/ip_forward", "net/ipv4/conf/all/route_localnet"]:
        try:
            with open(f"/proc/sys/{key}") as f:
                state[f"sysctl {key}"] = f.read().strip()
        except FileNotFoundError:
            pass
    for tool in ("iptables-save", "ip6tables-save"):
        if shutil.which(tool):
            out = subprocess.run([tool], capture_output=True, text=True).stdout
            # The comment lines carry the time of the dump.
            state[tool] = [l for l in out.splitlines() if not l.startswith("#")]
    with open("/proc/self/mountinfo") as f:
        state["mounts"] = sorted(line.split()[4] for line in f)
    for h in cgroup_hierarchies():
        state[f"cgroups {h}"] = sorted(e.name for e in os.scandir(h) if e.is_dir())
    for d in ("/var/lib", "/var/log", "/run"):
        state[f"entries of {d}"] = sorted(os.listdir(d))
    for d in ("/var/lib/kubelet", "/var/log/pods", "/var/log/containers", "/run/containerd",
              "/etc/kubernetes", "/usr/libexec/kubernetes", "/var/lib/containerd"):
        state[f"exists {d}"] = os.path.lexists(d)
    return state


def footprint_changes(before, after):
    """Lines saying what differs between two host_footprint()s."""
    changes = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if b == a:
            continue
        if isinstance(b, list) and isinstance(a, list):
            added, removed = sorted(set(a) - set(b)), sorted(set(b) - set(a))
            changes.append(f"{key}: added {added}, removed {removed}")
        else:
            changes.append(f"{key}: {b!r} -> {a!r}")
    return changes


def _rmdir(path):
    try:
        os.rmdir(path)
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False
