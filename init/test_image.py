"""The container-native channels of a release, with real clients and no network.

The multi-arch image of dist/ (the OCI layout dist/oci, its index, the `docker load` archives) is
read by skopeo and podman, pushed with `skopeo copy --all` to Debian's docker-registry on
127.0.0.1, pulled by a Docker engine by tag, by digest and for each foreign platform, copied from
with COPY --from in Docker builds (the legacy builder and BuildKit), and refused by the clients
when the registry serves other bytes than the signed digest names. The release binary is also the
init behind `docker run --init` (a dockerd whose daemon.json sets init-path) and `podman run
--init --init-path`. The seed scenario of the container rows (the documents' table, row 2) runs in
each of these containers, checked by the rows' own expectations in test_containers.py. Every
client and daemon gets a proxy that refuses anything but 127.0.0.1, so no step can reach docker.io.

Run by scripts/test-release.sh after a release build: DUMB_INIT_DIST names dist/, and
SOURCE_DATE_EPOCH is the one the build used. Lines starting with "refused:" quote each client's
own refusal.
"""

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import types
import urllib.request

import psutil
import pytest

import harness
import test_containers as rows

# A SIGTERM (test-release.sh's timeout) ends the run through pytest's own interrupt handling, which
# still stops the registry, dockerd and podman storage this module started.
def _interrupt(signum, frame):
    raise KeyboardInterrupt


signal.signal(signal.SIGTERM, _interrupt)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIST = os.path.abspath(os.environ.get("DUMB_INIT_DIST", os.path.join(REPO, "dist")))
with open(os.path.join(REPO, "VERSION")) as _f:
    V = _f.read().strip()
OCI = f"oci:{DIST}/oci:{V}"
# The documents' table, row 2: docker stop is graceful, the entrypoint's exit status (0) is the
# container's, and the servers it started (the init's grandchildren) all get the SIGTERM.
SEED = "table-2-setsid"
# DUMB_INIT_GRACE with DUMB_INIT_DEBUG, as the grace row's image sets them with ENV.
GRACE = "multi-service-grace"

# Docker/OCI platform -> (uname -m of the release binary, ELF e_machine, variant)
PLATFORMS = {
    "amd64": ("x86_64", 62, ""),
    "arm64": ("aarch64", 183, "v8"),
    "ppc64le": ("ppc64le", 21, ""),
    "s390x": ("s390x", 22, ""),
}
# Every client and daemon here gets a proxy that refuses connections for anything but 127.0.0.1
# (Go programs never proxy loopback anyway): a step that would reach docker.io or any other outside
# registry fails at once, even on a machine that is online.
NO_OUTSIDE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1",
              "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "no_proxy": "127.0.0.1"}
HOST = {"x86_64": "amd64", "aarch64": "arm64", "ppc64le": "ppc64le", "s390x": "s390x"}[os.uname().machine]


def binary(platform):
    return os.path.join(DIST, f"dumb-init_{V}_{PLATFORMS[platform][0]}")


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def e_machine(data):
    """ELF e_machine, in the byte order the header names (s390x is big-endian)."""
    assert data[:4] == b"\x7fELF", data[:4]
    return int.from_bytes(data[18:20], "little" if data[5] == 1 else "big")


def sh(*argv, timeout=120, check=True, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r


def skopeo(*args, check=True):
    # TMPDIR: skopeo stages blobs there; keep it off the host's /var/tmp.
    return sh("skopeo", *args, check=check, env={**os.environ, **NO_OUTSIDE, "TMPDIR": tempfile.gettempdir()})


def refused(client, r, *expected):
    """r is a client run that must have failed with one of the expected messages."""
    msg = (r.stdout + r.stderr).strip()
    assert r.returncode != 0, f"{client} accepted it:\n{msg}"
    print(f"refused: {client}: {msg.splitlines()[-1] if msg else '(no message)'}")
    assert any(e in msg for e in expected), f"{client} failed, but not with {expected}:\n{msg}"


# --------------------------------------------------------------------------------------------------
# What the release says


@pytest.fixture(scope="module")
def signed_digest():
    """The image index digest, from sha256sums once gpgv has checked its signature."""
    keyring = os.path.join(DIST, "keys", "dumb-init-archive-keyring.gpg")
    sh("gpgv", "--keyring", keyring, os.path.join(DIST, "sha256sums.asc"), os.path.join(DIST, "sha256sums"))
    name = f"dumb-init_{V}_oci-index.json"
    for line in read(os.path.join(DIST, "sha256sums"), "r").splitlines():
        digest, _, file = line.partition(" *")
        if file == name:
            return "sha256:" + digest
    pytest.fail(f"{name} is not in sha256sums")


@pytest.fixture(scope="module")
def layout_index(signed_digest):
    """The OCI layout's image index (the blob index.json tags with the version), parsed."""
    top = json.loads(read(os.path.join(DIST, "oci", "index.json")))
    tagged = [m for m in top["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == V]
    assert len(tagged) == 1, top
    assert tagged[0]["digest"] == signed_digest, f"index.json tags {tagged[0]['digest']}, sha256sums says {signed_digest}"
    return json.loads(read(blob_path(os.path.join(DIST, "oci"), signed_digest)))


def blob_path(layout, digest):
    algo, hex_ = digest.split(":")
    return os.path.join(layout, "blobs", algo, hex_)


def manifest_of(layout_index, platform):
    m = [d for d in layout_index["manifests"] if d["platform"]["architecture"] == platform]
    assert len(m) == 1, layout_index
    return m[0]


def created_label():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(os.environ["SOURCE_DATE_EPOCH"])))


def check_labels(labels):
    want = {
        "org.opencontainers.image.title": "dumb-init",
        "org.opencontainers.image.version": V,
        "org.opencontainers.image.licenses": "MIT",
        "org.opencontainers.image.created": created_label(),
    }
    for k, v in want.items():
        assert labels.get(k) == v, f"label {k}: {labels.get(k)!r}, want {v!r}"
    assert len(labels.get("org.opencontainers.image.revision", "")) == 40, labels
    assert labels.get("org.opencontainers.image.source", "").startswith("https://"), labels


# --------------------------------------------------------------------------------------------------
# The engines and the registry: each started here, on its own dirs, and stopped even on failure


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """Debian's docker-registry on 127.0.0.1, on a port the kernel picks: its address
    ("127.0.0.1:PORT") and its storage directory."""
    exe = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    if not os.path.exists(exe):
        pytest.fail("docker-registry is not installed (Debian package docker-registry)")
    d = tmp_path_factory.mktemp("registry")
    config = d / "config.yml"
    config.write_text(f"""version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {d}/storage
http:
  addr: 127.0.0.1:0
""")
    log = open(d / "registry.log", "wb")
    proc = subprocess.Popen([exe, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        def port():
            if proc.poll() is not None:
                raise RuntimeError(f"docker-registry exited {proc.returncode}: {read(d / 'registry.log', 'r')}")
            p = psutil.Process(proc.pid)
            conns = p.net_connections("tcp") if hasattr(p, "net_connections") else p.connections("tcp")
            return next((c.laddr.port for c in conns if c.status == psutil.CONN_LISTEN), None)
        address = f"127.0.0.1:{harness.wait_until('docker-registry to listen', port, 30)}"
        with urllib.request.urlopen(f"http://{address}/v2/", timeout=10) as r:
            assert r.status == 200
        yield types.SimpleNamespace(address=address, storage=str(d / "storage"))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def pushed(registry, signed_digest):
    """The layout pushed as a maintainer would; returns the repository reference."""
    repo = f"{registry.address}/dumb-init"
    # --preserve-digests: fail rather than push the index under another digest than the signed one.
    skopeo("copy", "--all", "--preserve-digests", "--dest-tls-verify=false", OCI, f"docker://{repo}:{V}")
    return repo


@pytest.fixture(scope="module")
def engine():
    """A private dockerd whose daemon.json makes the release binary the init behind --init, as the
    README tells an operator. 127.0.0.0/8 registries are plain HTTP to Docker by default."""
    try:
        e = harness.DockerEngine.start_private({"init-path": binary(HOST)}, prefix="dumb-init-image-dockerd-",
                                               env=NO_OUTSIDE)
    except RuntimeError as err:
        pytest.fail(str(err))
    yield e
    e.stop()


@pytest.fixture(scope="module")
def podman():
    try:
        p = harness.PodmanEngine.start(env=NO_OUTSIDE)
    except RuntimeError as err:
        pytest.fail(str(err))
    yield p
    p.stop()


def version_of(eng, image):
    """What the image's dumb-init says to --version (on stderr, as C's does)."""
    r = eng.run("run", "--rm", "--network", "none", "--entrypoint", "/usr/bin/dumb-init", image, "--version")
    assert r.returncode == 0, r
    return (r.stdout + r.stderr).strip()


def remove_images(engine):
    """So that a pull really fetches from the registry (Docker skips layers it already has, in an
    image or in BuildKit's cache)."""
    for cid in engine.docker("ps", "-aq").split():
        engine.docker("rm", "-f", cid, check=False)
    ids = engine.docker("images", "-aq").split()
    if ids:
        engine.docker("rmi", "-f", *sorted(set(ids)), check=False)
    left = engine.docker("images", "-a", "--digests")
    assert len(left.splitlines()) == 1, f"images left:\n{left}"
    # BuildKit's cache holds the layers it pulled for COPY --from, and a pull reuses them.
    engine.docker("builder", "prune", "-af")


def copy_out(engine, image, path, dest, platform=None):
    """The file at path in image, via a created (never started) container; returns its tar header."""
    cid = engine.docker("create", *(["--platform", platform] if platform else []), image)
    try:
        r = subprocess.run([*engine.argv, "cp", f"{cid}:{path}", "-"], capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
        with tarfile.open(fileobj=io.BytesIO(r.stdout)) as t:
            member = t.getmembers()[0]
            with open(dest, "wb") as f:
                f.write(t.extractfile(member).read())
            return member
    finally:
        engine.docker("rm", "-f", cid, check=False)


# --------------------------------------------------------------------------------------------------
# Offline for sure


def test_no_client_can_reach_an_outside_registry(engine, podman):
    """The guard works: a pull of Docker Hub's busybox fails at the refusing proxy."""
    for client, r in (("docker pull", engine.run("pull", "busybox:latest")),
                      ("podman pull", podman.run("pull", "docker.io/library/busybox:latest")),
                      ("skopeo inspect", skopeo("inspect", "docker://docker.io/library/busybox:latest", check=False))):
        refused(f"{client} of docker.io", r, "127.0.0.1:9")


# --------------------------------------------------------------------------------------------------
# The OCI layout and the archives, read directly


def test_layout_holds_the_index_and_nothing_else(signed_digest, layout_index):
    """Every blob is named by its sha256 and reachable from the signed index: 4 manifests, each
    with its config and one layer."""
    layout = os.path.join(DIST, "oci")
    assert sorted(os.listdir(layout)) == ["blobs", "index.json", "oci-layout"]
    assert json.loads(read(os.path.join(layout, "oci-layout"))) == {"imageLayoutVersion": "1.0.0"}
    reachable = {signed_digest}
    for m in layout_index["manifests"]:
        assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json", m
        manifest = json.loads(read(blob_path(layout, m["digest"])))
        assert manifest["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json"
        assert [l["mediaType"] for l in manifest["layers"]] == ["application/vnd.oci.image.layer.v1.tar+gzip"]
        reachable |= {m["digest"], manifest["config"]["digest"], manifest["layers"][0]["digest"]}
    assert len(reachable) == 13, reachable
    stored = set()
    for name in os.listdir(os.path.join(layout, "blobs", "sha256")):
        data = read(os.path.join(layout, "blobs", "sha256", name))
        assert hashlib.sha256(data).hexdigest() == name, f"blob {name} does not match its name"
        stored.add("sha256:" + name)
    assert stored == reachable


def test_skopeo_reads_the_layout(signed_digest, layout_index):
    raw = skopeo("inspect", "--raw", OCI).stdout.encode()
    assert "sha256:" + hashlib.sha256(raw).hexdigest() == signed_digest
    assert [m["platform"] for m in layout_index["manifests"]] == [
        {"architecture": "amd64", "os": "linux"}, {"architecture": "arm64", "os": "linux", "variant": "v8"},
        {"architecture": "ppc64le", "os": "linux"}, {"architecture": "s390x", "os": "linux"}]
    check_labels(layout_index["annotations"])
    for platform, (_, _, variant) in PLATFORMS.items():
        over = ["--override-os", "linux", "--override-arch", platform] + (["--override-variant", variant] if variant else [])
        info = json.loads(skopeo("inspect", *over, OCI).stdout)
        assert info["Architecture"] == platform and info["Os"] == "linux", info
        check_labels(info["Labels"])
        assert len(info["Layers"]) == 1, info
        assert info["Digest"] == signed_digest, info  # skopeo names the index it resolved
        config = json.loads(skopeo("inspect", "--config", *over, OCI).stdout)
        assert config["config"]["Entrypoint"] == ["/usr/bin/dumb-init", "--"], config
        assert config["created"] == created_label() and config.get("variant", "") == variant, config


def test_podman_pulls_the_layout(podman, signed_digest):
    iid = podman.docker("pull", "-q", OCI).splitlines()[-1]
    got = podman.docker("image", "inspect", "--format", "{{.Digest}} {{.Architecture}}", iid)
    assert got == f"{signed_digest} {HOST}", got
    try:
        assert version_of(podman, iid) == f"dumb-init v{V}"
    finally:
        podman.docker("rmi", "-f", iid)


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_docker_loads_the_archive(engine, podman, platform, tmp_path):
    archive = os.path.join(DIST, f"dumb-init_{V}_{platform}.docker.tar")
    engine.docker("rmi", "-f", f"dumb-init:{V}", check=False)
    try:
        assert engine.docker("load", "-i", archive) == f"Loaded image: dumb-init:{V}"
        info = json.loads(engine.docker("image", "inspect", f"dumb-init:{V}"))[0]
        assert (info["Architecture"], info.get("Variant", "")) == (platform, PLATFORMS[platform][2]), info
        assert info["Config"]["Entrypoint"] == ["/usr/bin/dumb-init", "--"]
        check_labels(info["Config"]["Labels"])
        copy_out(engine, f"dumb-init:{V}", "/usr/bin/dumb-init", tmp_path / "bin")
        assert read(tmp_path / "bin") == read(binary(platform))
        if platform == HOST:
            assert version_of(engine, f"dumb-init:{V}") == f"dumb-init v{V}"
            assert f"Loaded image: localhost/dumb-init:{V}" in podman.docker("load", "-i", archive)
            assert version_of(podman, f"localhost/dumb-init:{V}") == f"dumb-init v{V}"
            podman.docker("rmi", "-f", f"localhost/dumb-init:{V}")
    finally:
        engine.docker("rmi", "-f", f"dumb-init:{V}", check=False)


# --------------------------------------------------------------------------------------------------
# Through a registry


def test_push_keeps_the_signed_digest(pushed, signed_digest):
    raw = skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{pushed}:{V}").stdout.encode()
    assert "sha256:" + hashlib.sha256(raw).hexdigest() == signed_digest


def test_docker_pulls_by_tag_and_digest(engine, pushed, signed_digest, tmp_path):
    engine.docker("pull", f"{pushed}:{V}")
    info = json.loads(engine.docker("image", "inspect", f"{pushed}:{V}"))[0]
    assert f"{pushed}@{signed_digest}" in info["RepoDigests"], info["RepoDigests"]
    assert info["Architecture"] == HOST and info["Os"] == "linux"
    assert info["Config"]["Entrypoint"] == ["/usr/bin/dumb-init", "--"] and not info["Config"]["Cmd"]
    assert info["Created"] == created_label(), info["Created"]
    check_labels(info["Config"]["Labels"])
    engine.docker("pull", f"{pushed}@{signed_digest}")
    by_digest = json.loads(engine.docker("image", "inspect", f"{pushed}@{signed_digest}"))[0]
    assert by_digest["Id"] == info["Id"]
    member = copy_out(engine, f"{pushed}@{signed_digest}", "/usr/bin/dumb-init", tmp_path / "bin")
    assert (member.mode & 0o7777, member.uid, member.gid) == (0o755, 0, 0), (oct(member.mode), member.uid, member.gid)
    assert read(tmp_path / "bin") == read(binary(HOST))
    member = copy_out(engine, f"{pushed}@{signed_digest}", "/usr/share/doc/dumb-init/LICENSE", tmp_path / "lic")
    assert member.mode & 0o7777 == 0o644 and read(tmp_path / "lic") == read(os.path.join(REPO, "LICENSE"))


@pytest.mark.parametrize("platform", [p for p in PLATFORMS if p != HOST])
def test_docker_pulls_a_foreign_platform(engine, pushed, signed_digest, platform, tmp_path):
    ref = f"{pushed}@{signed_digest}"
    # Docker 20.10 keeps one image per digest reference and will not repoint it to another
    # platform's ("Cannot overwrite digest").
    engine.docker("rmi", "-f", ref, check=False)
    engine.docker("pull", "--platform", f"linux/{platform}", ref)
    info = json.loads(engine.docker("image", "inspect", ref))[0]
    assert (info["Architecture"], info.get("Variant", "")) == (platform, PLATFORMS[platform][2]), info
    copy_out(engine, ref, "/usr/bin/dumb-init", tmp_path / "bin", platform=f"linux/{platform}")
    data = read(tmp_path / "bin")
    assert e_machine(data) == PLATFORMS[platform][1], f"e_machine {e_machine(data)}"
    assert data == read(binary(platform))
    engine.docker("rmi", "-f", ref)


def copy_from_context(dest, scenario, image):
    """The scenario's build context with the busybox root (no init) and, after it, the init copied
    from the image, as the README's COPY --from line does."""
    harness.make_context(dest, scenario, None)
    path = os.path.join(dest, "Dockerfile")
    lines = read(path, "r").splitlines()
    i = lines.index("COPY rootfs/ /")
    lines.insert(i + 1, f"COPY --from={image} /usr/bin/dumb-init /usr/bin/dumb-init")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return dest


def pid1_is(run, release_binary, argv0, cmd):
    """While the container runs: its PID 1 is the release binary, called as `argv0 -- cmd...`."""
    pid = run.init_pid()
    assert read(f"/proc/{pid}/exe") == read(release_binary), "PID 1 is another binary"
    cmdline = run.engine.docker("exec", run.name, "cat", "/proc/1/cmdline")
    assert cmdline.split("\0")[:-1] == [argv0, "--", *cmd], repr(cmdline)


@pytest.mark.parametrize("builder", ["legacy", "buildkit"])
def test_copy_from_build_runs_the_seed_scenario(engine, pushed, signed_digest, builder, tmp_path):
    context = copy_from_context(str(tmp_path / "context"), SEED, f"{pushed}@{signed_digest}")
    tag = f"dumb-init-image-test/{SEED}:{builder}"
    engine.docker("build", "-q", "-t", tag, context, env={"DOCKER_BUILDKIT": "1" if builder == "buildkit" else "0"},
                  timeout=300)
    try:
        sc = rows.scenario(SEED)
        run = harness.DockerRun(engine, tag, str(tmp_path))
        o = rows.run_scenario(run, sc, while_running=lambda r: pid1_is(
            r, binary(HOST), "/usr/bin/dumb-init", ["/start-servers.sh"]))
        rows.check_outcome(sc, "ours", o, f"docker-copy-from-{builder}")
        # A status other than 0 is passed through as well.
        r = engine.run("run", "--rm", "--network", "none", tag, "/bin/sh", "-c", "exit 3")
        assert r.returncode == 3, r
    finally:
        engine.docker("rmi", "-f", tag, check=False)


def test_buildkit_copy_from_picks_the_target_platform(engine, pushed, signed_digest, tmp_path):
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text(
        f"FROM scratch\nCOPY --from={pushed}@{signed_digest} /usr/bin/dumb-init /dumb-init\n")
    for platform in [p for p in PLATFORMS if p != HOST]:
        out = tmp_path / platform
        engine.docker("build", "--platform", f"linux/{platform}", "-o", f"type=local,dest={out}",
                      str(tmp_path / "ctx"), env={"DOCKER_BUILDKIT": "1"}, timeout=300)
        assert read(out / "dumb-init") == read(binary(platform)), platform


# --------------------------------------------------------------------------------------------------
# The init behind --init


def init_context(dest, scenario):
    """The scenario's context without an init: ENTRYPOINT loses its dumb-init prefix and the ENV
    lines are returned (for docker run -e) instead of set in the image."""
    harness.make_context(dest, scenario, None)
    path = os.path.join(dest, "Dockerfile")
    out, env = [], []
    for line in read(path, "r").splitlines():
        if line.startswith("ENV "):
            env.append(line[4:].strip())
            continue
        if line.startswith("ENTRYPOINT "):
            argv = json.loads(line[len("ENTRYPOINT "):])
            assert argv[:2] == ["/usr/bin/dumb-init", "--"], argv
            if len(argv) == 2:
                continue
            line = "ENTRYPOINT " + json.dumps(argv[2:])
        out.append(line)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return dest, env


INIT_ARGV0 = {"docker": "/sbin/docker-init", "podman": "/run/podman-init"}


@pytest.mark.parametrize("runtime", ["docker", "podman"])
@pytest.mark.parametrize("name", [SEED, GRACE])
def test_init_runs_the_scenario(request, runtime, name, tmp_path):
    eng = request.getfixturevalue("engine" if runtime == "docker" else "podman")
    context, env = init_context(str(tmp_path / "context"), name)
    assert (name == GRACE) == bool(env), env
    tag = f"dumb-init-image-test/{name}:init"
    eng.docker("build", "-q", "-t", tag, context, env={"DOCKER_BUILDKIT": "0"}, timeout=300)
    try:
        assert "dumb-init" not in eng.docker("run", "--rm", "--network", "none", "--entrypoint", "/bin/ls",
                                             tag, "/usr/bin")
        # Docker takes the binary from daemon.json's init-path, podman from the command line.
        run_args = ["--init"] + ([] if runtime == "docker" else ["--init-path", binary(HOST)])
        for e in env:
            run_args += ["-e", e]
        sc = rows.scenario(name)
        df = harness.Dockerfile(os.path.join(context, "Dockerfile"))
        run = harness.DockerRun(eng, tag, str(tmp_path), run_args=run_args)
        o = rows.run_scenario(run, sc, while_running=lambda r: pid1_is(r, binary(HOST), INIT_ARGV0[runtime], df.argv()))
        rows.check_outcome(sc, "ours", o, f"{runtime}-init")
    finally:
        eng.docker("rmi", "-f", tag, check=False)


def test_bind_mounted_init_runs_the_seed_scenario(engine, tmp_path):
    """One container on a host whose --init stays tini: the binary mounted and made the
    entrypoint, the image's command after `--` (as the README shows)."""
    context, _ = init_context(str(tmp_path / "context"), SEED)
    tag = f"dumb-init-image-test/{SEED}:mounted"
    engine.docker("build", "-q", "-t", tag, context, env={"DOCKER_BUILDKIT": "0"}, timeout=300)
    try:
        cmd = harness.Dockerfile(os.path.join(context, "Dockerfile")).argv()
        run = harness.DockerRun(engine, tag, str(tmp_path), command=["--", *cmd],
                                run_args=["-v", f"{binary(HOST)}:/dumb-init:ro", "--entrypoint", "/dumb-init"])
        sc = rows.scenario(SEED)
        o = rows.run_scenario(run, sc, while_running=lambda r: pid1_is(r, binary(HOST), "/dumb-init", cmd))
        rows.check_outcome(sc, "ours", o, "docker-mounted")
    finally:
        engine.docker("rmi", "-f", tag, check=False)


def test_podman_init_path_in_containers_conf(tmp_path):
    """The host-wide switch for podman: containers.conf's init_path, then plain --init."""
    try:
        p = harness.PodmanEngine.start(init_path=binary(HOST), env=NO_OUTSIDE)
    except RuntimeError as err:
        pytest.fail(str(err))
    try:
        context, _ = init_context(str(tmp_path / "context"), SEED)
        p.docker("build", "-q", "-t", "seed", context, timeout=300)
        cmd = harness.Dockerfile(os.path.join(context, "Dockerfile")).argv()
        run = harness.DockerRun(p, "seed", str(tmp_path), run_args=["--init"])
        sc = rows.scenario(SEED)
        o = rows.run_scenario(run, sc, while_running=lambda r: pid1_is(r, binary(HOST), "/run/podman-init", cmd))
        rows.check_outcome(sc, "ours", o, "podman-conf-init")
    finally:
        p.stop()


# --------------------------------------------------------------------------------------------------
# Tampering: the clients refuse what does not match the digests


def tamper(path, old, new):
    """Changes bytes of a stored blob in place (same size); returns the original bytes."""
    data = read(path)
    assert old in data and len(old) == len(new)
    with open(path, "wb") as f:
        f.write(data.replace(old, new, 1))
    return data


def registry_blob(registry_storage, digest):
    hex_ = digest.split(":")[1]
    return os.path.join(registry_storage, "docker", "registry", "v2", "blobs", "sha256", hex_[:2], hex_, "data")


def test_registry_serving_other_bytes_for_the_signed_digest_is_refused(engine, pushed, signed_digest, registry, tmp_path):
    """The registry answers the signed digest with another index (one label changed)."""
    remove_images(engine)
    path = registry_blob(registry.storage, signed_digest)
    version = f'"org.opencontainers.image.version":"{V}"'.encode()
    original = tamper(path, version, version.replace(V.encode(), V[:-1].encode() + b"9"))
    try:
        refused("docker pull", engine.run("pull", f"{pushed}@{signed_digest}"), "verification failed", "digest")
        refused("skopeo copy", skopeo("copy", "--all", "--src-tls-verify=false", f"docker://{pushed}@{signed_digest}",
                                      f"oci:{tmp_path}/copy:x", check=False), "does not match", "igest")
    finally:
        with open(path, "wb") as f:
            f.write(original)


def test_tampered_layer_in_the_registry_is_refused(engine, pushed, signed_digest, layout_index, registry, tmp_path):
    remove_images(engine)
    manifest = json.loads(read(blob_path(os.path.join(DIST, "oci"), manifest_of(layout_index, HOST)["digest"])))
    path = registry_blob(registry.storage, manifest["layers"][0]["digest"])
    data = read(path)
    original = tamper(path, data[-64:], bytes(b ^ 0xFF for b in data[-64:]))
    try:
        refused("docker pull", engine.run("pull", f"{pushed}@{signed_digest}"), "verification failed", "digest")
        refused("skopeo copy", skopeo("copy", "--all", "--src-tls-verify=false", f"docker://{pushed}@{signed_digest}",
                                      f"oci:{tmp_path}/copy:x", check=False), "did not match", "igest")
    finally:
        with open(path, "wb") as f:
            f.write(original)
    # Restored, the same pull works: the refusal was the tampering's.
    engine.docker("pull", f"{pushed}@{signed_digest}")
