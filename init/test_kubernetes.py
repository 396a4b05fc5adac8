"""Every way a pod ends, under a real kubelet and containerd (kubenode.py), with our dumb-init and
with Debian's C dumb-init (the oracle), both in one image made from the release.

The images: the release's multi-arch image (dist/oci) imported into containerd as it is, and a
busybox image that copies the binary out of it (COPY --from, as the README shows), with the C
oracle beside it at /usr/bin/c-dumb-init. Each outcome is read from the kubelet's side: its pod
status (the read-only port's /pods) and the container logs it keeps, and for a removed pod, which
leaves /pods at once and whose containers the kubelet deletes from the CRI within seconds, the
CRI runtime's record (containerd's exit event, checked against crictl inspect while it answers)
and the log file held open. The dumb-init debug line "Received signal 15." in the log (from both
inits) marks when the kubelet's SIGTERM reached the container.

Run by scripts/test-kubernetes.sh: DUMB_INIT_KUBE_BIN names the directory with kubelet and crictl
(scripts/build-kubelet.sh), DUMB_INIT_DIST the release's dist/.
"""

import io
import hashlib
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.request

import psutil
import pytest

import harness
import kubenode
from harness import wait_until


# A SIGTERM (a CI timeout) ends the run through pytest's own interrupt handling, which still stops
# the node and the Docker engine this module started.
def _interrupt(signum, frame):
    raise KeyboardInterrupt


signal.signal(signal.SIGTERM, _interrupt)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FILES = os.path.join(HERE, "kubernetes")
with open(os.path.join(REPO, "VERSION")) as _f:
    V = _f.read().strip()
DIST = os.path.abspath(os.environ.get("DUMB_INIT_DIST", os.path.join(REPO, "dist")))
HOST = {"x86_64": "amd64", "aarch64": "arm64", "ppc64le": "ppc64le", "s390x": "s390x"}[os.uname().machine]

IMAGE = "docker.io/dumb-init-test/k8s:1"
PAUSE = "docker.io/dumb-init-test/pause:1"
RELEASE = f"docker.io/library/dumb-init:{V}"
C_INIT = "/usr/bin/c-dumb-init"
RECEIVED_TERM = "[dumb-init] Received signal 15."
INITS = ["ours", "c"]

_state = {}


# --------------------------------------------------------------------------------------------------
# The node and its images


@pytest.fixture(scope="session")
def kube_bin():
    """The directory with kubelet and crictl: $DUMB_INIT_KUBE_BIN, else what
    scripts/build-kubelet.sh prints (building them if this machine has not yet)."""
    path = os.environ.get("DUMB_INIT_KUBE_BIN")
    if not path:
        r = subprocess.run([os.path.join(REPO, "scripts/build-kubelet.sh")], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.fail(f"scripts/build-kubelet.sh failed:\n{r.stderr}", pytrace=False)
        path = r.stdout.strip().splitlines()[-1]
    for b in ("kubelet", "crictl"):
        if not os.access(os.path.join(path, b), os.X_OK):
            pytest.fail(f"no {b} in {path} (scripts/build-kubelet.sh builds it)", pytrace=False)
    return path


@pytest.fixture(scope="session")
def work():
    path = tempfile.mkdtemp(prefix="dumb-init-k8s-work-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def image_archives(work):
    """The suite's image and the pause image as `docker save` archives, built by a Docker engine of
    our own from the release's `docker load` archive."""
    release_tar = os.path.join(DIST, f"dumb-init_{V}_{HOST}.docker.tar")
    for need in (release_tar, os.path.join(DIST, "oci", "index.json")):
        if not os.path.exists(need):
            pytest.fail(f"{need} is missing: build the release first (scripts/release.sh)", pytrace=False)
    ctx = os.path.join(work, "image")
    os.makedirs(ctx)
    shutil.copy(os.path.join(FILES, "Dockerfile"), ctx)
    rootfs = os.path.join(ctx, "rootfs")
    harness.make_rootfs(rootfs, harness.ORACLE, init_path=C_INIT)
    bin_dir = os.path.join(rootfs, "usr/local/bin")
    for script in ("service", "services.sh"):
        shutil.copy2(os.path.join(FILES, script), bin_dir)
    harness.gcc_static(os.path.join(FILES, "hog.c"), os.path.join(bin_dir, "hog"))
    harness.gcc_static(os.path.join(HERE, "scenarios/shared/segfault.c"), os.path.join(bin_dir, "segfault"))
    pause_ctx = os.path.join(work, "pause")
    os.makedirs(pause_ctx)
    shutil.copy(os.path.join(FILES, "Dockerfile.pause"), os.path.join(pause_ctx, "Dockerfile"))
    harness.gcc_static(os.path.join(FILES, "pause.c"), os.path.join(pause_ctx, "pause"))

    engine = harness.DockerEngine.start_private(prefix="dumb-init-k8s-dockerd-")
    try:
        engine.docker("load", "-i", release_tar, timeout=120)
        engine.docker("build", "-q", "--build-arg", f"DUMB_INIT_IMAGE=dumb-init:{V}", "-t", IMAGE, ctx,
                      timeout=300)
        engine.docker("build", "-q", "-t", PAUSE, pause_ctx, timeout=300)
        archives = {}
        for name, ref in (("image", IMAGE), ("pause", PAUSE)):
            archives[name] = os.path.join(work, f"{name}.docker.tar")
            engine.docker("save", "-o", archives[name], ref, timeout=120)
    finally:
        engine.stop()
    return archives


def _oci_tar(layout):
    """dist/oci as the tar stream `ctr images import` reads."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for entry in sorted(os.listdir(layout)):
            tar.add(os.path.join(layout, entry), arcname=entry)
    return buf.getvalue()


@pytest.fixture(scope="session")
def node(kube_bin, image_archives):
    """containerd and the kubelet, with the images imported. A node that does not come up fails
    every test that needs it, with the daemons' logs."""
    _state["before"] = kubenode.host_footprint()
    n = kubenode.Node(kube_bin)
    _state["node"] = n
    try:
        n.start_containerd(PAUSE)
        for path in image_archives.values():
            n.ctr("images", "import", path, timeout=300)
        # The release's own image, every platform of it, under the name its index gives it.
        n.ctr("images", "import", "--all-platforms", "--base-name", "docker.io/library/dumb-init", "-",
              input=_oci_tar(os.path.join(DIST, "oci")), timeout=300)
        n.start_kubelet()
    except Exception as e:
        problems = n.stop()
        pytest.fail(f"the node did not come up: {e}" + "".join(f"\n{p}" for p in problems), pytrace=False)
    yield n
    # Normally the last test has stopped the node and reported what it left; not when it was
    # not selected (-k) or did not run.
    reported = "left" in _state
    problems = _stop_and_compare()
    if problems and not reported:
        pytest.fail("the node left traces:\n" + "\n".join(problems), pytrace=False)


def _stop_and_compare():
    """Stops the node (once) and returns what it left on the host."""
    if "left" not in _state:
        problems = _state["node"].stop()
        problems += kubenode.footprint_changes(_state["before"], kubenode.host_footprint())
        problems += [f"process {p.pid} ({' '.join(p.info['cmdline'] or [])}) of the node is still there"
                     for p in _node_processes()]
        _state["left"] = problems
    return _state["left"]


def _node_processes():
    """Processes that name the node's scratch directory, and children of this process (the shims
    come back to it as a subreaper; a zombie among them is one nobody reaped)."""
    root = _state["node"].root
    found = []
    for p in psutil.process_iter(["cmdline", "ppid"]):
        try:
            if p.info["ppid"] == os.getpid() or any(root in a for a in p.info["cmdline"] or []):
                found.append(p)
        except psutil.NoSuchProcess:
            pass
    return found


class Pods:
    """The pods of one test; whatever it leaves is removed when it ends, pass or fail."""

    def __init__(self, node):
        self.node, self.applied = node, []

    def apply(self, *manifests):
        """Hands the pods to the kubelet; returns their names on the node."""
        names = []
        for m in manifests:
            self.applied.append(m["metadata"]["name"])
            names.append(self.node.apply(m))
        return names

    def run(self, *manifests, timeout=60):
        """Applies the pods and waits until their containers run; returns their statuses
        (status["id"] is the container id)."""
        return [self.node.running(name, "main", timeout) for name in self.apply(*manifests)]

    def remove_all(self):
        for name in self.applied:
            try:
                self.node.delete(name)
            except FileNotFoundError:
                pass


@pytest.fixture
def pods(node):
    p = Pods(node)
    yield p
    p.remove_all()


def pod(name, init, args, *, grace=30, restart="Never", env=None, debug=True, share=False, **container):
    """A pod of one container, "main", on the host's network. init: "ours" (the image's
    ENTRYPOINT), "c" (the C oracle as the command) or "none" (args[0] is the command: no init)."""
    variables = {"DUMB_INIT_DEBUG": "1"} if debug else {}
    variables.update(env or {})
    c = {"name": "main", "image": IMAGE, "imagePullPolicy": "Never", "args": list(args),
         "env": [{"name": k, "value": v} for k, v in variables.items()]}
    if init == "c":
        c["command"] = [C_INIT, "--"]
    elif init == "none":
        c["command"], c["args"] = [args[0]], list(args[1:])
    c.update(container)
    spec = {"hostNetwork": True, "terminationGracePeriodSeconds": grace, "restartPolicy": restart,
            "containers": [c]}
    if share:
        spec["shareProcessNamespace"] = True
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def texts(node, cid):
    return [line.text for line in node.log(cid)]


def said(lines):
    """What the programs said on standard output. Standard error has dumb-init's debug lines, and
    the shells' "Terminated" for a background job that a SIGTERM to the group killed."""
    return [l.text for l in lines if l.stream == "stdout"]


def wait_log(node, cid, *wanted, timeout=30):
    """Waits until the container's log holds every wanted line; returns the LogLines."""
    def have():
        lines = node.log(cid)
        return lines if set(wanted) <= {l.text for l in lines} else None
    try:
        return wait_until(f"log lines {list(wanted)}", have, timeout)
    except TimeoutError as e:
        raise AssertionError(f"{e}; the log: {texts(node, cid)}") from None


def at(lines, text):
    """When the first log line `text` was written."""
    for line in lines:
        if line.text == text:
            return line.when
    raise AssertionError(f"no log line {text!r} in {[l.text for l in lines]}")


def kubelet_said(node, text, pod_name):
    """The kubelet's log lines about pod_name that contain text."""
    with open(node.kubelet_log, errors="replace") as f:
        return [l for l in f if text in l and f'"default/{pod_name}"' in l]


def ns_pid(pid):
    """A host process's PID in its own (innermost) PID namespace."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    raise AssertionError(f"no NSpid for {pid}")


# --------------------------------------------------------------------------------------------------
# The release image itself


def test_release_image_imported_whole(node, pods):
    """dist/oci goes into containerd under the digest the signed sha256sums names, with all four
    platforms, and the kubelet runs it: `--version`, and a command (busybox from the host) whose
    exit code the kubelet records."""
    with open(os.path.join(DIST, f"dumb-init_{V}_oci-index.json"), "rb") as f:
        index_digest = "sha256:" + hashlib.sha256(f.read()).hexdigest()
    listing = node.ctr("images", "ls")
    row = [l.split() for l in listing.splitlines() if l.startswith(RELEASE + " ")]
    assert row, f"{RELEASE} not in containerd:\n{listing}"
    _ref, kind, digest, *_, platforms, _labels = row[0]
    assert digest == index_digest, f"imported as {digest}, sha256sums names {index_digest}"
    with open(os.path.join(DIST, "sha256sums")) as f:
        assert f"{index_digest[7:]} *dumb-init_{V}_oci-index.json\n" in f.read()
    assert kind == "application/vnd.oci.image.index.v1+json"
    assert set(platforms.split(",")) == {"linux/amd64", "linux/arm64/v8", "linux/ppc64le", "linux/s390x"}

    hostbin = os.path.join(node.root, "hostbin")
    os.makedirs(hostbin)
    shutil.copy2(harness.BUSYBOX, hostbin)
    # The image's ENTRYPOINT ends with "--": the version is asked for with a command of its own.
    version = pod("release-version", "ours", [], debug=False, image=RELEASE,
                  command=["/usr/bin/dumb-init", "--version"])
    command = pod("release-command", "ours", ["/hostbin/busybox", "sh", "-c", "echo from the release image; exit 7"],
                  debug=False, image=RELEASE, volumeMounts=[{"name": "hostbin", "mountPath": "/hostbin"}])
    command["spec"]["volumes"] = [{"name": "hostbin", "hostPath": {"path": hostbin, "type": "Directory"}}]
    pods.apply(version, command)
    for name, code, reason, line in (("release-version", 0, "Completed", f"dumb-init v{V}"),
                                     ("release-command", 7, "Error", "from the release image")):
        s = node.wait_status(f"{name} to end", f"{name}-{kubenode.NODE_NAME}", "main",
                             lambda s: "terminated" in s.get("state", {}), 60)
        t = s["state"]["terminated"]
        assert (t["exitCode"], t["reason"]) == (code, reason), t
        assert texts(node, s["containerID"].split("://")[1]) == [line]
        print(f"{name}: {t['reason']}, exit {t['exitCode']}, log {line!r}")
    print(f"{RELEASE}: {digest}, {platforms}")


# --------------------------------------------------------------------------------------------------
# Pod removed


@pytest.mark.parametrize("setsid", ["setsid", "setsid-0"])
@pytest.mark.parametrize("init", INITS)
def test_pod_removed(node, pods, init, setsid):
    """Removing the pod: the kubelet's SIGTERM reaches the child and, in setsid mode only, the
    child's children; the child's exit code (7) is what the CRI records, at once, not at the grace
    period (30 s)."""
    env = {"DUMB_INIT_SETSID": "0"} if setsid == "setsid-0" else {}
    # The child takes 1 s to stop, so its children (0 s) have said what they got before it exits.
    args = ["sh", "-c", "service grandchild-1 0 & service grandchild-2 0 & exec service child 1 7"]
    name = f"removed-{init}-{setsid}"
    (s,) = pods.run(pod(name, init, args, env=env))
    cid = s["id"]
    wait_log(node, cid, "child started", "grandchild-1 started", "grandchild-2 started")
    removed = time.time()
    node.delete(name)
    st = node.wait_exited(cid, 60)
    lines = node.log(cid)
    got = said(lines)
    started = ["grandchild-1 started", "grandchild-2 started", "child started"]
    if setsid == "setsid":
        want = started + ["child got TERM", "child done", "grandchild-1 got TERM", "grandchild-1 done",
                          "grandchild-2 got TERM", "grandchild-2 done"]
    else:
        want = started + ["child got TERM", "child done"]
    assert sorted(got) == sorted(want)
    assert st["exitCode"] == 7, st
    finished = kubenode.parse_time(st["finishedAt"])
    term = at(lines, RECEIVED_TERM)
    assert removed < term < finished
    assert finished - term < 5, f"the container took {finished - term:.1f} s to end after the SIGTERM"
    print(f"{init} {setsid}: exit {st['exitCode']} {finished - term:.2f} s after the SIGTERM "
          f"({term - removed:.2f} s after the manifest went); said {got}")


@pytest.mark.parametrize("init", INITS)
def test_pod_removed_with_tty(node, pods, init):
    """A container with `tty: true` (what `kubectl run -it` makes): its PID 1 starts as the leader
    of a session whose controlling terminal is the pty containerd allocated. dumb-init hands the
    terminal over to its child, and the SIGHUP and SIGCONT that doing so sends itself are not
    passed on: the child, which has no handler for SIGHUP, would die of it (129). On removal
    the child gets the SIGTERM and its 7 is recorded."""
    name = f"tty-{init}"
    (s,) = pods.run(pod(name, init, ["service", "child", "0", "7"], tty=True))
    cid = s["id"]
    wait_log(node, cid, "child started")
    node.delete(name)
    st = node.wait_exited(cid, 60)
    got = [line.text.rstrip("\r") for line in node.log(cid)]
    assert st["exitCode"] == 7, (st, got)
    assert [t for t in got if t.startswith("child")] == ["child started", "child got TERM", "child done"]
    # The hand-off did happen: the pty was the init's controlling terminal.
    assert "[dumb-init] Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive." in got
    assert "[dumb-init] Ignoring tty hand-off signal 1." in got
    print(f"{init}: exit {st['exitCode']}; the log (one stream, the pty): {got}")


def test_sigterm_ignored_killed_at_grace(node, pods):
    """A child that ignores SIGTERM keeps the pod until terminationGracePeriodSeconds (3 s) is over,
    and no earlier; then the kubelet SIGKILLs it: 137. Ours and C side by side."""
    args = ["sh", "-c", "trap '' TERM; echo ignoring TERM; while :; do sleep 1; done"]
    statuses = pods.run(*(pod(f"ignores-{init}", init, args, grace=3) for init in INITS))
    for s in statuses:
        wait_log(node, s["id"], "ignoring TERM")
    for init in INITS:
        node.delete(f"ignores-{init}")
    for init, s in zip(INITS, statuses):
        st = node.wait_exited(s["id"], 60)
        term = at(node.log(s["id"]), RECEIVED_TERM)
        took = kubenode.parse_time(st["finishedAt"]) - term
        assert st["exitCode"] == 137, (init, st)
        assert 2.9 <= took < 6, f"{init}: killed {took:.2f} s after the SIGTERM, the grace period is 3 s"
        print(f"{init}: exit {st['exitCode']} {took:.2f} s after the SIGTERM")


# --------------------------------------------------------------------------------------------------
# The kubelet restarts (or not)


def test_restart_policy(node, pods):
    """exit 3 under restartPolicy Always and OnFailure: the kubelet restarts the container (the
    second time after its back-off), restartCount goes up and lastState says 3. Never: it stays
    down with 3. OnFailure after exit 0: stays down, Completed. Ours and C side by side (the
    back-off makes this the longest test: 10 s, then 20 s)."""
    fail = ["sh", "-c", "echo run; exit 3"]
    names = {}
    for init in INITS:
        names[init] = pods.apply(pod(f"always-{init}", init, fail, restart="Always"),
                                 pod(f"onfailure-{init}", init, fail, restart="OnFailure"),
                                 pod(f"never-{init}", init, fail, restart="Never"),
                                 pod(f"success-{init}", init, ["sh", "-c", "echo run; exit 0"], restart="OnFailure"))
    for init in INITS:
        always, onfailure, never, success = names[init]
        for name in (always, onfailure):
            s = node.wait_status(f"{name} in back-off", name, "main",
                                 lambda s: s["state"].get("waiting", {}).get("reason") == "CrashLoopBackOff", 60)
            s = node.wait_status(f"{name} restarted twice", name, "main",
                                 lambda s: s.get("restartCount", 0) >= 2, 60)
            last = s["lastState"]["terminated"]
            assert (last["exitCode"], last["reason"]) == (3, "Error"), s
            print(f"{name}: CrashLoopBackOff, then restartCount {s['restartCount']}, lastState exit "
                  f"{last['exitCode']} ({last['reason']})")
        for name, code, reason in ((never, 3, "Error"), (success, 0, "Completed")):
            s = node.container_status(name, "main")
            assert s["restartCount"] == 0, s
            t = s["state"]["terminated"]
            assert (t["exitCode"], t["reason"]) == (code, reason), s
            print(f"{name}: restartCount 0, exit {t['exitCode']} ({t['reason']})")


@pytest.mark.parametrize("init", INITS)
def test_liveness_probe_failure_restarts_gracefully(node, pods, init):
    """An exec liveness probe that fails: the kubelet stops the container the graceful way (SIGTERM
    through the init; the program shuts down and its exit code, 5, is lastState's, not SIGKILL's
    137) and starts it again."""
    # Healthy until the test says otherwise; a restarted container has a fresh /tmp, healthy again.
    probe = {"exec": {"command": ["sh", "-c", "! test -e /tmp/unhealthy"]}, "periodSeconds": 1,
             "failureThreshold": 1}
    m = pod(f"liveness-{init}", init, ["service", "app", "0", "5"], restart="Always", livenessProbe=probe)
    (s,) = pods.run(m)
    first = s["id"]
    wait_log(node, first, "app started")
    r = node.exec(first, "touch", "/tmp/unhealthy")
    assert r.returncode == 0, r.stderr
    name = f"liveness-{init}-{kubenode.NODE_NAME}"
    s = node.wait_status("the restart after the probe failed", name, "main",
                         lambda s: s.get("restartCount", 0) >= 1 and "running" in s.get("state", {}), 60)
    last = s["lastState"]["terminated"]
    assert last["exitCode"] == 5, s
    assert last["containerID"].endswith(first)
    lines = node.log(first)
    assert said(lines) == ["app started", "app got TERM", "app done"]
    # The pod status's times are whole seconds; containerd's are precise.
    took = kubenode.parse_time(node.wait_exited(first, 10)["finishedAt"]) - at(lines, RECEIVED_TERM)
    assert took < 5
    assert kubelet_said(node, "failed liveness probe, will be restarted", name)
    print(f"{init}: restartCount {s['restartCount']}, lastState exit {last['exitCode']} ({last['reason']}) "
          f"{took:.2f} s after the SIGTERM; said {said(lines)}")


@pytest.mark.parametrize("init", INITS)
def test_prestop_hook_runs_before_sigterm(node, pods, init):
    """A preStop exec hook runs to its end before the kubelet's SIGTERM reaches the init, and
    nothing disturbs it: no signal, no lost exit status (the kubelet logs a failed hook).
    The hook writes to PID 1's standard output, so its lines land in the container's log."""
    hook = ("trap 'echo prestop got TERM >/proc/1/fd/1' TERM; echo prestop started >/proc/1/fd/1; "
            "sleep 1; echo prestop done >/proc/1/fd/1")
    m = pod(f"prestop-{init}", init, ["service", "app", "0", "0"],
            lifecycle={"preStop": {"exec": {"command": ["sh", "-c", hook]}}})
    (s,) = pods.run(m)
    cid = s["id"]
    wait_log(node, cid, "app started")
    node.delete(m["metadata"]["name"])
    st = node.wait_exited(cid, 60)
    lines = node.log(cid)
    assert said(lines) == [
        "app started", "prestop started", "prestop done", "app got TERM", "app done"]
    hook_ended, term = at(lines, "prestop done"), at(lines, RECEIVED_TERM)
    assert hook_ended <= term
    assert st["exitCode"] == 0, st
    name = f"{m['metadata']['name']}-{kubenode.NODE_NAME}"
    assert not kubelet_said(node, "PreStop hook failed", name), "the kubelet logged a failed preStop hook"
    print(f"{init}: the hook ran from {term - at(lines, 'prestop started'):.2f} s to {term - hook_ended:.2f} s "
          f"before the SIGTERM reached the init; exit {st['exitCode']}; said {said(lines)}")


def test_exec_orphans_reaped(node, pods):
    """Processes that `crictl exec` (20 of them) and an exec readiness probe leave behind are
    orphans of the container's PID 1. Under dumb-init (ours, C) none is left a zombie; with `sleep`
    as PID 1 and no init, all are, side by side."""
    # The orphan notes itself at its very end, so a line in /tmp/orphans is an orphan about to exit.
    leave = "(sleep 0.1; echo {} orphan >>/tmp/orphans) & exit 0"
    probe = {"exec": {"command": ["sh", "-c", leave.format("probe")]}, "periodSeconds": 1}
    kinds = ["ours", "c", "none"]
    statuses = pods.run(*(pod(f"orphans-{k}", k, ["sleep", "3600"], readinessProbe=probe) for k in kinds))
    failed = []

    def execs(cid):
        for _ in range(20):
            r = node.exec(cid, "sh", "-c", leave.format("exec"))
            if r.returncode != 0:
                failed.append(r.stderr)
    threads = [threading.Thread(target=execs, args=(s["id"],)) for s in statuses]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failed, failed
    for kind, s in zip(kinds, statuses):
        cid, pid = s["id"], node.init_pid(s["id"])

        def orphans():
            out = node.exec(cid, "cat", "/tmp/orphans").stdout.split("\n")
            return out.count("exec orphan") == 20 and out.count("probe orphan") >= 1
        wait_until(f"{kind}: the 20 exec orphans and a probe's to have run", orphans, 20)
        if kind == "none":
            # Every orphan that has ended is a zombie of sleep: the 20 of crictl exec, and the probes'.
            zombies = wait_until("20 zombies under sleep", lambda: z if len(z := harness.zombies_under(pid)) >= 21 else None, 10)
            assert {n for _, n in zombies} == {"sh"}, zombies
            print(f"sleep as PID 1: {len(zombies)} zombies")
            continue
        assert psutil.Process(pid).name() == ("dumb-init" if kind == "ours" else "c-dumb-init")

        def only_the_child():
            kids = psutil.Process(pid).children()
            return len(kids) == 1 and kids[0].cmdline() == ["sleep", "3600"]
        # A probe's orphan may be running at any moment; a zombie would stay for good.
        try:
            wait_until(f"{kind}'s init to have no child but sleep", only_the_child, 5)
        except TimeoutError:
            raise AssertionError(f"zombies under {kind}'s init: {harness.zombies_under(pid)}") from None
        print(f"{kind}: no zombie")


def _pid_ns(pid):
    return os.readlink(f"/proc/{pid}/ns/pid")


def _find(cmdline, ns):
    """Host PIDs of the processes with this exact command line in the PID namespace ns."""
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if p.info["cmdline"] == cmdline and _pid_ns(p.pid) == ns:
                found.append(p.pid)
        except (psutil.NoSuchProcess, FileNotFoundError, ProcessLookupError):
            pass
    return found


@pytest.mark.parametrize("init", ["ours", "ours-subreaper", "c"])
def test_share_process_namespace(node, pods, init):
    """shareProcessNamespace: the pause container's process is PID 1 and the init is not. Pod
    removal still reaches the child through the init (exit 7). An orphan of the child goes to PID 1
    (pause), unless the init is a subreaper (ours with DUMB_INIT_SUBREAPER=1): then it comes to the
    init, which reaps it."""
    env = {"DUMB_INIT_SUBREAPER": "1"} if init == "ours-subreaper" else {}
    args = ["sh", "-c", "sh -c 'service orphan 0 &'; exec service child 0 7"]
    m = pod(f"share-{init}", "c" if init == "c" else "ours", args, env=env, share=True)
    (s,) = pods.run(m)
    cid = s["id"]
    wait_log(node, cid, "child started", "orphan started")
    assert node.exec(cid, "cat", "/proc/1/cmdline").stdout == "/pause\0"
    init_pid = node.init_pid(cid)
    assert ns_pid(init_pid) != 1
    (orphan,) = _find(["/bin/sh", "/usr/local/bin/service", "orphan", "0"], _pid_ns(init_pid))
    # "orphan started" may come before the shell that started it has exited.
    parent = wait_until("the orphan's first parent to exit", lambda: [
        p for p in [psutil.Process(orphan).ppid()] if psutil.Process(p).cmdline()[:2] != ["sh", "-c"]], 5)[0]
    if init == "ours-subreaper":
        assert parent == init_pid, "the orphan did not come to the subreaper"
    else:
        assert ns_pid(parent) == 1 and psutil.Process(parent).name() == "pause"
    orphan_ns_pid, init_ns_pid, parent_ns_pid = ns_pid(orphan), ns_pid(init_pid), ns_pid(parent)
    parent_name = psutil.Process(parent).name()
    os.kill(orphan, signal.SIGTERM)
    wait_log(node, cid, "orphan done")
    # Until its parent reaps it, an orphan that has exited is still there, a zombie.
    wait_until("the orphan to be reaped", lambda: not psutil.pid_exists(orphan), 5)
    reaped = f"[dumb-init] A child with PID {orphan_ns_pid} exited with exit status 0."
    assert (reaped in texts(node, cid)) == (init == "ours-subreaper")
    node.delete(m["metadata"]["name"])
    st = node.wait_exited(cid, 60)
    assert st["exitCode"] == 7, st
    assert "child got TERM" in texts(node, cid)
    print(f"{init}: the init is PID {init_ns_pid}; the orphan's parent is {parent_name} (PID {parent_ns_pid}), "
          f"reaped by the init: {reaped in texts(node, cid)}; exit {st['exitCode']}")


# --------------------------------------------------------------------------------------------------
# The extensions in a pod (the C oracle ignores the variables)


@pytest.mark.parametrize("init", INITS)
def test_grace_stops_the_whole_pod(node, pods, init):
    """DUMB_INIT_GRACE=5 with an entrypoint that runs two services next to the main one (one in a
    session of its own): on pod removal every service gets the SIGTERM and finishes, and the pod
    ends cleanly (0) well within terminationGracePeriodSeconds (10). C stops when the main one
    has: the sidecars are killed mid-shutdown or never see the SIGTERM."""
    m = pod(f"grace-{init}", init, ["services.sh", "service", "web", "0.2"], grace=10,
            env={"DUMB_INIT_GRACE": "5"})
    (s,) = pods.run(m)
    cid = s["id"]
    wait_log(node, cid, "web started", "metrics started", "cache started")
    node.delete(m["metadata"]["name"])
    st = node.wait_exited(cid, 60)
    lines = node.log(cid)
    got = set(said(lines))
    took = kubenode.parse_time(st["finishedAt"]) - at(lines, RECEIVED_TERM)
    assert st["exitCode"] == 0, st
    if init == "ours":
        assert got == {f"{n} {w}" for n in ("web", "metrics", "cache") for w in ("started", "got TERM", "done")}
        assert 2 <= took < 5, f"stopped {took:.2f} s after the SIGTERM"
    else:
        assert {"web got TERM", "web done"} <= got
        assert not got & {"metrics done", "cache got TERM", "cache done"}, got
        assert took < 1.5
    print(f"{init}: exit {st['exitCode']} {took:.2f} s after the SIGTERM; said {said(lines)}")


def _poll(url, stop, record):
    while not stop.is_set():
        try:
            with urllib.request.urlopen(url, timeout=0.5) as r:
                if r.status == 200:
                    record.append(time.time())
        except OSError:
            pass
        stop.wait(0.05)


@pytest.mark.parametrize("init", INITS)
def test_delay_keeps_serving(node, pods, init):
    """DUMB_INIT_DELAY=15:3 in place of a preStop sleep: after the kubelet's SIGTERM the pod keeps
    answering HTTP for 3 s, then the server gets the SIGTERM and the pod ends with its code (7).
    C passes the SIGTERM on at once."""
    port = kubenode.free_port()
    web = ("mkdir /tmp/www; echo serving >/tmp/www/index.html; "
           f"httpd -f -p 127.0.0.1:{port} -h /tmp/www & "
           "trap 'echo web got TERM; kill $!; exit 7' TERM; echo web started; wait")
    m = pod(f"delay-{init}", init, ["sh", "-c", web], grace=10, env={"DUMB_INIT_DELAY": "15:3"})
    (s,) = pods.run(m)
    cid = s["id"]
    wait_log(node, cid, "web started")
    url = f"http://127.0.0.1:{port}/"
    wait_until("httpd to answer", lambda: _get(url), 10)
    served, stop = [], threading.Event()
    poller = threading.Thread(target=_poll, args=(url, stop, served))
    poller.start()
    try:
        node.delete(m["metadata"]["name"])
        st = node.wait_exited(cid, 60)
    finally:
        stop.set()
        poller.join()
    lines = node.log(cid)
    term = at(lines, RECEIVED_TERM)
    web_term = at(lines, "web got TERM") - term
    last_served = max(served) - term
    assert st["exitCode"] == 7, st
    if init == "ours":
        assert 2.9 <= web_term < 4, f"the server got the SIGTERM {web_term:.2f} s after the init"
        # Answers all along the delay: none missing for long, the last near its end.
        answers = [t - term for t in served if 0 <= t - term <= web_term]
        gaps = [b - a for a, b in zip([0.0] + answers, answers + [web_term])]
        assert last_served > 2.5 and max(gaps) < 1, f"answers {answers} after the SIGTERM"
    else:
        assert web_term < 0.5 and last_served < 0.5, (web_term, last_served)
    print(f"{init}: the server got the SIGTERM {web_term:.2f} s after the init, answered until "
          f"{last_served:.2f} s after it; exit {st['exitCode']}")


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=0.5) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("init", INITS)
def test_report_termination_message(node, pods, init):
    """DUMB_INIT_REPORT=1 with terminationMessagePolicy FallbackToLogsOnError: a child killed by
    SIGSEGV ends the pod with 139, and the pod status's termination message (the log's tail) says
    it was a signal. C prints nothing, so the message is empty."""
    m = pod(f"report-{init}", init, ["segfault"], debug=False, env={"DUMB_INIT_REPORT": "1"},
            terminationMessagePolicy="FallbackToLogsOnError")
    (name,) = pods.apply(m)
    s = node.wait_status("the crash", name, "main", lambda s: "terminated" in s.get("state", {}), 60)
    t = s["state"]["terminated"]
    assert (t["exitCode"], t["reason"]) == (139, "Error"), t
    if init == "ours":
        assert t.get("message") == "[dumb-init] Child terminated by signal 11 (SIGSEGV).\n", t
    else:
        assert not t.get("message"), t
    print(f"{init}: exit {t['exitCode']} ({t['reason']}), message {t.get('message')!r}")


@pytest.mark.parametrize("init", INITS)
def test_oom_killed_child(node, pods, init):
    """A child that goes over the container's memory limit (32 MiB) is killed by the kernel's OOM
    killer; the init is not (it holds next to nothing): it reaps the child and exits with 137
    itself, and the kubelet reports OOMKilled, 137. Ours with DUMB_INIT_REPORT=1 also says so."""
    m = pod(f"oom-{init}", init, ["hog"], env={"DUMB_INIT_REPORT": "1"},
            resources={"limits": {"memory": "32Mi"}})
    (name,) = pods.apply(m)
    s = node.wait_status("the OOM kill", name, "main", lambda s: "terminated" in s.get("state", {}), 60)
    t = s["state"]["terminated"]
    assert (t["exitCode"], t["reason"]) == (137, "OOMKilled"), t
    got = texts(node, s["containerID"].split("://")[1])
    assert "hog: holding 16 MiB" in got
    assert "[dumb-init] Child exited with status 137. Goodbye." in got, got
    killed = [l for l in got if l.startswith("[dumb-init] A child with PID") and l.endswith("terminated by signal 9.")]
    assert len(killed) == 1, got
    assert ("[dumb-init] Child terminated by signal 9 (SIGKILL)." in got) == (init == "ours")
    print(f"{init}: exit {t['exitCode']} ({t['reason']}); the init said {[l for l in got if l.startswith('[dumb-init]')][-3:]}")


# --------------------------------------------------------------------------------------------------
# The node itself


def test_node_listens_on_loopback_only(node):
    """containerd and the kubelet accept connections on 127.0.0.1 only (and their own sockets)."""
    pids = {node.containerd.pid, node.kubelet.pid}
    listening = [c for c in psutil.net_connections("inet") if c.pid in pids and c.status == psutil.CONN_LISTEN]
    assert listening, "no listening socket found for the node"
    assert {c.laddr.ip for c in listening} <= {"127.0.0.1", "::1"}, listening


def test_node_stops_and_leaves_no_trace(node):
    """Last: the node stops, and the host is as it was before it started: no process, mount,
    cgroup, kernel setting, firewall rule, or file in /var/lib, /var/log or /run of its own."""
    problems = _stop_and_compare()
    assert not problems, "\n".join(problems)
