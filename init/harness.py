"""Machinery for the container scenarios: root filesystems, a private Docker engine, and the two ways
of running a scenario (a Docker container, or PID 1 of a fresh PID namespace via unshare).

Both runners expose the same small interface (start, wait_for, zombies, stop, events, stamps, close), so a
scenario's expectations are checked identically under Docker and without it.
"""

import ctypes
import json
import os
import pty
import re
import select
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import psutil

SCENARIOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios")
BUSYBOX = "/bin/busybox"
ORACLE = "/usr/bin/dumb-init"
# Debian's client matches Debian's engine; another client earlier on PATH may speak a newer API.
DOCKER_CLIENT = "/usr/bin/docker" if os.path.exists("/usr/bin/docker") else shutil.which("docker")
# What Docker puts in a container's environment when the image sets no PATH.
DOCKER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PR_SET_CHILD_SUBREAPER = 36
# Names this session gives its containers and images: an engine that was already running may be
# shared with another session (another checkout's suite, a CI job), whose names must not collide
# with ours nor be removed by our clean-up.
SESSION = f"dumb-init-test-{uuid.uuid4().hex[:8]}"


def wait_until(what, predicate, timeout, interval=0.05):
    """Poll predicate until it returns something true; fail with `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# --------------------------------------------------------------------------------------------------
# Root filesystems


def shared_libraries(binary):
    """Paths ldd names for a dynamically linked binary ([] for a static one)."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    return re.findall(r"(/\S+) \(0x", out)


def is_static(binary):
    return not shared_libraries(binary)


def make_rootfs(dest, init_binary, init_path="/usr/bin/dumb-init"):
    """A minimal root: busybox-static with every applet as a symlink, the init at init_path, /log,
    /tmp.

    Docker's COPY keeps the symlinks, so the image needs no RUN step (impossible FROM scratch)."""
    os.makedirs(dest)
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "log", "tmp", "proc", "dev"):
        os.makedirs(os.path.join(dest, d), exist_ok=True)
    os.chmod(os.path.join(dest, "tmp"), 0o1777)
    shutil.copy2(BUSYBOX, os.path.join(dest, "bin/busybox"))
    applets = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True, check=True)
    for applet in applets.stdout.split():
        link = os.path.join(dest, applet)
        if not os.path.lexists(link):
            os.symlink("/bin/busybox", link)
    if init_binary:
        target = os.path.join(dest, init_path.lstrip("/"))
        shutil.copy2(init_binary, target)
        os.chmod(target, 0o755)
        # The oracle is linked against glibc: bring the exact files ldd resolved, under the names
        # the dynamic loader will look for.
        for lib in shared_libraries(init_binary):
            target = os.path.join(dest, lib.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(os.path.realpath(lib), target)


# --------------------------------------------------------------------------------------------------
# A tiny reading of the scenario Dockerfiles, enough for the unshare runner to do what the image does.


class Dockerfile:
    def __init__(self, path):
        self.copies, self.env, self.entrypoint, self.cmd = [], {}, None, None
        with open(path) as f:
            lines = [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]
        for line in lines:
            word, _, rest = line.partition(" ")
            word = word.upper()
            if word == "FROM":
                assert rest.strip() == "scratch", "scenarios are built FROM scratch"
            elif word == "COPY":
                src, dst = shlex.split(rest)
                self.copies.append((src, dst))
            elif word == "ENV":
                key, _, value = rest.partition("=")
                self.env[key.strip()] = value.strip()
            elif word == "ENTRYPOINT":
                self.entrypoint = self._command(rest)
            elif word == "CMD":
                self.cmd = self._command(rest)
            else:
                raise ValueError(f"{path}: instruction not supported by the harness: {line}")

    @staticmethod
    def _command(rest):
        rest = rest.strip()
        if rest.startswith("["):
            return json.loads(rest)
        return ["/bin/sh", "-c", rest]  # shell form, as Docker runs it

    def argv(self):
        """The process Docker starts: exec-form ENTRYPOINT + CMD, or CMD alone."""
        if self.entrypoint:
            return self.entrypoint + (self.cmd or [])
        return list(self.cmd)

    def apply_copies(self, context, root):
        for src, dst in self.copies:
            src_path = os.path.join(context, src)
            dst_path = os.path.join(root, dst.lstrip("/"))
            if os.path.isdir(src_path):
                shutil.copytree(src_path, dst_path, symlinks=True, dirs_exist_ok=True)
            else:
                if dst.endswith("/"):
                    dst_path = os.path.join(dst_path, os.path.basename(src))
                os.makedirs(os.path.dirname(dst_path), exist_ok=True)
                shutil.copy2(src_path, dst_path)


def make_context(dest, scenario, init_binary):
    """Docker build context: the scenario's files, the shared scripts and programs (each shared/X.c
    built into shared/X, static, as nothing else runs FROM scratch), and a generated rootfs/."""
    shutil.copytree(os.path.join(SCENARIOS, scenario), dest, symlinks=True)
    shared = os.path.join(dest, "shared")
    shutil.copytree(os.path.join(SCENARIOS, "shared"), shared)
    for name in os.listdir(shared):
        if name.endswith(".c"):
            gcc_static(os.path.join(shared, name), os.path.join(shared, name[:-2]))
    make_rootfs(os.path.join(dest, "rootfs"), init_binary)
    return dest


def gcc_static(src, out):
    """Build the C program src into out, static: the images hold no libc."""
    r = subprocess.run(["gcc", "-static", "-O1", "-o", out, src], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"gcc {src} failed:\n{r.stdout}{r.stderr}")


# --------------------------------------------------------------------------------------------------
# Runners


def processes_under(pid):
    """(name, status) of pid and all its descendants."""
    try:
        init = psutil.Process(pid)
        procs = [init] + init.children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    table = []
    for p in procs:
        try:
            table.append((p.name(), p.status()))
        except psutil.NoSuchProcess:
            pass
    return table


def zombies_under(pid):
    """(pid, name) of the zombies whose parent is the init (pid): what `ps` shows with STAT Z and
    only the init can reap. A zombie of another live process (a shell whose `sleep` a forwarded
    signal just killed) is that process's to reap, a moment later."""
    try:
        procs = psutil.Process(pid).children()
    except psutil.NoSuchProcess:
        return []
    found = []
    for p in procs:
        try:
            if p.status() == psutil.STATUS_ZOMBIE:
                found.append((p.pid, p.name()))
        except psutil.NoSuchProcess:
            pass
    return found


def boottime():
    """CLOCK_BOOTTIME: the clock behind /proc/uptime, which the scenario programs stamp with (neither
    Docker nor unshare here gives them a time namespace that would shift it)."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


class Outcome:
    def __init__(self, elapsed, exit_code, issued):
        # issued: boottime() just before the stop was issued.
        self.elapsed, self.exit_code, self.issued = elapsed, exit_code, issued


class _Run:
    log_dir = None

    def events(self):
        try:
            with open(os.path.join(self.log_dir, "events")) as f:
                return [l.rstrip("\n") for l in f if l.strip()]
        except FileNotFoundError:
            return []

    def stamps(self):
        """/log/stamps as {"NAME got SIG": uptime in seconds}, the first stamp of each."""
        found = {}
        try:
            with open(os.path.join(self.log_dir, "stamps")) as f:
                for line in f:
                    what, sep, when = line.strip().rpartition(" at ")
                    if sep:
                        found.setdefault(what, float(when))
        except FileNotFoundError:
            pass
        return found

    def wait_for(self, lines=(), process=None, timeout=10):
        if lines:
            wait_until(f"log lines {list(lines)} (have {self.events()})",
                       lambda: set(lines) <= set(self.events()), timeout)
        if process:
            wait_until(f"a process named {process}", lambda: self._has_process(process), timeout)

    def _has_process(self, name):
        init = psutil.Process(self.init_pid())
        for p in [init] + init.children(recursive=True):
            try:
                if p.name() == name:
                    return True
            except psutil.NoSuchProcess:
                pass
        return False

    def zombies(self):
        return zombies_under(self.init_pid())

    def wait_for_state(self, name, status, timeout=10):
        wait_until(f"{name} to be {status}",
                   lambda: (name, status) in processes_under(self.init_pid()), timeout)


class DockerEngine:
    """A Docker engine: an already running one, or a private dockerd on its own socket and dirs."""

    def __init__(self, host, proc=None, root=None):
        self.host, self.proc, self.root = host, proc, root
        self.argv = [DOCKER_CLIENT, "-H", host]

    @classmethod
    def connect_or_start(cls):
        """Returns an engine, or raises RuntimeError with the reason none is usable."""
        if not DOCKER_CLIENT:
            raise RuntimeError("no docker client installed (Debian package docker.io)")
        existing = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        if cls._responds(existing):
            return cls(existing)
        return cls.start_private()

    @classmethod
    def start_private(cls, config=None, prefix="dumb-init-dockerd-", env=None):
        """A dockerd of our own on its own socket, data-root, exec-root and pidfile, configured by
        its own daemon.json (never the host's /etc/docker/daemon.json) with `config` in it and
        `env` added to its environment. Raises RuntimeError with the reason when it cannot
        start."""
        if not DOCKER_CLIENT:
            raise RuntimeError("no docker client installed (Debian package docker.io)")
        # DUMB_INIT_TEST_DOCKERD picks another daemon binary (e.g. /bin/false to try the skip path).
        dockerd = os.environ.get("DUMB_INIT_TEST_DOCKERD") or shutil.which("dockerd") or "/usr/sbin/dockerd"
        if not os.path.exists(dockerd):
            raise RuntimeError("no engine answers and dockerd is not installed (Debian package docker.io)")
        # containerd's shims daemonize; as a subreaper we get them back when they exit and reap them,
        # instead of leaving zombies with a host PID 1 that may not reap.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        root = tempfile.mkdtemp(prefix=prefix)
        host = f"unix://{root}/docker.sock"
        with open(os.path.join(root, "daemon.json"), "w") as f:
            json.dump(config or {}, f)
        log = open(os.path.join(root, "dockerd.log"), "wb")
        # No network is needed (containers run with --network none) and nothing may touch the host's
        # iptables or bridges.
        proc = subprocess.Popen(
            [dockerd, "-H", host, "--config-file", f"{root}/daemon.json", "--data-root", f"{root}/data",
             "--exec-root", f"{root}/exec", "--pidfile", f"{root}/docker.pid", "--bridge=none",
             "--iptables=false", "--ip-masq=false", "--userland-proxy=false"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, **env} if env else None)
        engine = cls(host, proc, root)
        try:
            wait_until("dockerd to answer", lambda: proc.poll() is not None or cls._responds(host), 60)
        except TimeoutError:
            pass
        if proc.poll() is not None or not cls._responds(host):
            with open(os.path.join(root, "dockerd.log"), errors="replace") as f:
                tail = "".join(f.readlines()[-15:])
            engine.stop()
            raise RuntimeError(f"dockerd did not start (exit {proc.poll()}); last log lines:\n{tail}")
        return engine

    @staticmethod
    def _responds(host):
        try:
            return subprocess.run([DOCKER_CLIENT, "-H", host, "version"], capture_output=True,
                                  timeout=20).returncode == 0
        except (subprocess.TimeoutExpired, OSError):
            return False

    def run(self, *args, timeout=120, env=None):
        """The client's CompletedProcess (text), whatever its exit status."""
        return subprocess.run([*self.argv, *args], capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **env} if env else None)

    def docker(self, *args, check=True, timeout=120, env=None):
        r = self.run(*args, timeout=timeout, env=env)
        if check and r.returncode != 0:
            raise RuntimeError(f"{os.path.basename(self.argv[0])} {' '.join(args)} failed ({r.returncode}):\n"
                               f"{r.stdout}{r.stderr}")
        return r.stdout.strip()

    def stop(self):
        if not self.proc:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        for orphan in psutil.Process().children():
            try:
                if orphan.name().startswith("containerd"):
                    try:
                        orphan.wait(15)
                    except psutil.TimeoutExpired:
                        orphan.kill()
                        orphan.wait(5)
            except psutil.NoSuchProcess:
                pass
        _unmount_under(self.root)
        shutil.rmtree(self.root, ignore_errors=True)
        self.proc = None


def _unmount_under(root):
    """A daemon that died hard can leave its overlay, shm and netns mounts behind."""
    with open("/proc/self/mounts") as f:
        mounts = [l.split()[1] for l in f]
    for m in sorted((m for m in mounts if m.startswith(root + "/")), reverse=True):
        subprocess.run(["umount", "-l", m], capture_output=True)


class PodmanEngine:
    """Podman (rootful, daemonless) with its own storage, run dirs and configuration: the host's
    containers.conf, storage.conf and registries.conf are not read, so no short name is ever looked
    up in a remote registry. Same interface as DockerEngine, so DockerRun drives it too."""

    def __init__(self, root):
        self.root = root
        self.argv = [shutil.which("podman") or "/usr/bin/podman"]
        self.env = {
            "CONTAINERS_CONF": os.path.join(root, "containers.conf"),
            "CONTAINERS_STORAGE_CONF": os.path.join(root, "storage.conf"),
            "CONTAINERS_REGISTRIES_CONF": os.path.join(root, "registries.conf"),
        }

    @classmethod
    def start(cls, init_path=None, env=None):
        """init_path: the containers.conf init_path, the host-wide --init binary; env: added to
        every podman run's environment."""
        if not shutil.which("podman"):
            raise RuntimeError("podman is not installed (Debian package podman)")
        root = tempfile.mkdtemp(prefix="dumb-init-podman-")
        # Podman asks the runtime for RLIMIT_NOFILE and RLIMIT_NPROC at or above the caller's hard
        # limits, which fails without CAP_SYS_RESOURCE (as in a container); lower ones always work.
        conf = f"""[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
log_driver = "k8s-file"
{f'init_path = "{init_path}"' if init_path else ""}
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{root}/events.log"
tmp_dir = "{root}/tmp"
[network]
network_config_dir = "{root}/net"
"""
        files = {
            "containers.conf": conf,
            "storage.conf": f'[storage]\ndriver = "vfs"\ngraphroot = "{root}/storage"\nrunroot = "{root}/run"\n',
            "registries.conf": "unqualified-search-registries = []\n",
        }
        for name, text in files.items():
            with open(os.path.join(root, name), "w") as f:
                f.write(text)
        engine = cls(root)
        engine.env.update(env or {})
        try:
            engine.docker("info")
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            engine.stop()
            raise RuntimeError(f"podman does not work here: {e}")
        return engine

    def run(self, *args, timeout=120, env=None):
        return subprocess.run([*self.argv, *args], capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **self.env, **(env or {})})

    docker = DockerEngine.docker

    def stop(self):
        if not self.root:
            return
        self.run("rm", "-fa", timeout=120)
        _unmount_under(self.root)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


class DockerRun(_Run):
    def __init__(self, engine, image, workdir, tty=False, run_args=(), command=()):
        self.engine, self.image, self.tty = engine, image, tty
        self.run_args, self.command = list(run_args), list(command)
        self.name = f"{SESSION}-{uuid.uuid4().hex[:12]}"
        self.log_dir = os.path.join(workdir, "log")
        os.makedirs(self.log_dir)
        self._pid = None

    def start(self):
        self.engine.docker("run", "-d", *(["-t"] if self.tty else []), "--name", self.name,
                           "--network", "none", "-v", f"{self.log_dir}:/log", *self.run_args, self.image, *self.command)

    def init_pid(self):
        if not self._pid:
            self._pid = int(self.engine.docker("inspect", "-f", "{{.State.Pid}}", self.name))
        return self._pid

    def stop(self, timeout):
        issued = boottime()
        t0 = time.monotonic()
        self.engine.docker("stop", "-t", str(timeout), self.name, timeout=timeout + 60)
        elapsed = time.monotonic() - t0
        code = int(self.engine.docker("inspect", "-f", "{{.State.ExitCode}}", self.name))
        return Outcome(elapsed, code, issued)

    def wait_exit(self, timeout):
        """For a container that ends by itself: wait for that, no stop."""
        issued = boottime()
        t0 = time.monotonic()
        code = int(self.engine.docker("wait", self.name, timeout=timeout))
        return Outcome(time.monotonic() - t0, code, issued)

    def send(self, sig):
        self.engine.docker("kill", "-s", sig, self.name)

    def output(self):
        # docker logs gives the container's stderr (where dumb-init writes) on its own stderr.
        r = self.engine.run("logs", self.name)
        return r.stdout + r.stderr

    def close(self):
        self.engine.docker("rm", "-f", self.name, check=False)


class NamespaceRun(_Run):
    """The scenario's root filesystem and command, run as PID 1 of a new PID namespace."""

    DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8), "urandom": (1, 9)}

    def __init__(self, context, workdir, tty=False):
        self.tty = tty
        self.root = os.path.join(workdir, "root")
        df = Dockerfile(os.path.join(context, "Dockerfile"))
        df.apply_copies(context, self.root)
        # Docker gives a scratch container a /dev; a chroot only has what we create.
        for name, (major, minor) in self.DEVICES.items():
            path = os.path.join(self.root, "dev", name)
            os.mknod(path, 0o666 | 0o020000, os.makedev(major, minor))
            os.chmod(path, 0o666)
        self.argv = df.argv()
        if tty:
            # Like docker run -t: PID 1 leads a new session whose controlling terminal is its stdin.
            self.argv = ["setsid", "-c"] + self.argv
        self.env = {"PATH": DOCKER_PATH, "HOME": "/root", **df.env}
        self.log_dir = os.path.join(self.root, "log")
        self.output_path = os.path.join(workdir, "output")
        self.proc = self.pty_master = None

    def start(self):
        cmd = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", f"--root={self.root}",
               *self.argv]
        if self.tty:
            self.pty_master, slave = pty.openpty()
            self.proc = subprocess.Popen(cmd, env=self.env, stdin=slave, stdout=slave, stderr=slave)
            os.close(slave)
            return
        with open(self.output_path, "wb") as out:
            self.proc = subprocess.Popen(cmd, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT)

    def init_pid(self):
        # unshare forks once; its only child is PID 1 of the namespace.
        def child():
            if self.proc.poll() is not None:
                raise RuntimeError(f"unshare exited early ({self.proc.returncode}): {self.output()}")
            kids = psutil.Process(self.proc.pid).children()
            return kids[0].pid if kids else None
        return wait_until("unshare's child", child, 10)

    def wait_exit(self, timeout):
        """For a scenario that ends by itself: wait for that, no stop."""
        issued = boottime()
        t0 = time.monotonic()
        self.proc.wait(timeout)
        code = self.proc.returncode
        if code < 0:
            code = 128 - code  # re-raised by unshare: report it the way Docker does
        return Outcome(time.monotonic() - t0, code, issued)

    def send(self, sig):
        """What docker kill -s does: the signal to PID 1, from outside the namespace."""
        os.kill(self.init_pid(), getattr(signal, "SIG" + sig))

    def stop(self, timeout):
        """What docker stop does: SIGTERM to PID 1 from outside, SIGKILL after timeout seconds."""
        pid = self.init_pid()
        issued = boottime()
        t0 = time.monotonic()
        os.kill(pid, signal.SIGTERM)
        killed = False
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            killed = True
            self.proc.wait()
        elapsed = time.monotonic() - t0
        code = self.proc.returncode
        if killed:
            # unshare tries to re-raise its child's fatal signal, which cannot work for SIGKILL (it
            # exits 1 instead); PID 1 died of our SIGKILL, which Docker reports as 128+9.
            code = 128 + signal.SIGKILL
        elif code < 0:
            code = 128 - code  # re-raised by unshare: report it the way Docker does
        return Outcome(elapsed, code, issued)

    def output(self):
        if self.tty:
            return self._drain_pty()
        try:
            with open(self.output_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def _drain_pty(self):
        out = b""
        while self.pty_master is not None and select.select([self.pty_master], [], [], 0)[0]:
            try:
                chunk = os.read(self.pty_master, 4096)
            except OSError:  # EIO: no process has the terminal open any more
                break
            if not chunk:
                break
            out += chunk
        return out.decode(errors="replace")

    def close(self):
        self._close_process()
        # Only now: closing the master hangs the terminal up, which would signal the session.
        if self.tty and self.pty_master is not None:
            os.close(self.pty_master)
            self.pty_master = None

    def _close_process(self):
        if self.proc and self.proc.poll() is None:
            # SIGKILL to PID 1 ends the whole namespace; unshare then exits (and --kill-child covers
            # the case where unshare itself goes first).
            for kid in psutil.Process(self.proc.pid).children():
                kid.kill()
            self.proc.kill()
            self.proc.wait()
