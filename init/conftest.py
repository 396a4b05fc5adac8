import os
import shutil
import subprocess
import tempfile

import pytest

import harness

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Why the Docker half did not run; printed again at the very end so nobody mistakes it for a pass.
DOCKER_SKIPPED = []


@pytest.fixture(scope="session")
def session_dir():
    path = tempfile.mkdtemp(prefix="dumb-init-containers-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


_build = {}


@pytest.fixture(scope="session")
def our_binary(session_dir):
    """Our static build: $DUMB_INIT_BINARY if set, else a fresh scripts/build.sh. A failed build
    fails every test of our side (it never skips them)."""
    if "result" not in _build:
        path = os.environ.get("DUMB_INIT_BINARY")
        if path:
            _build["result"] = (os.path.abspath(path), f"$DUMB_INIT_BINARY={path} is not an executable")
        else:
            path = os.path.join(session_dir, "ours", "dumb-init")
            r = subprocess.run([os.path.join(REPO, "scripts/build.sh"), path], cwd=REPO,
                               capture_output=True, text=True)
            _build["result"] = (path if r.returncode == 0 else None,
                                f"scripts/build.sh failed:\n{r.stdout}{r.stderr}")
    path, log = _build["result"]
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"our binary is not available: {log}", pytrace=False)
    if not harness.is_static(path):
        pytest.fail(f"{path} is not statically linked; it would not run FROM scratch", pytrace=False)
    return path


@pytest.fixture(scope="session")
def init_binaries(request):
    """Name of an init -> binary to install as /usr/bin/dumb-init (None: the image has no init)."""
    def get(name):
        if name == "none":
            return None
        if name == "oracle":
            if not os.path.exists(harness.ORACLE):
                pytest.fail(f"the C oracle {harness.ORACLE} is missing (Debian package dumb-init)")
            return harness.ORACLE
        return request.getfixturevalue("our_binary")
    return get


_engine = {}


@pytest.fixture(scope="session")
def docker_engine():
    if "engine" not in _engine:
        try:
            _engine["engine"] = harness.DockerEngine.connect_or_start()
        except RuntimeError as e:
            _engine["engine"] = None
            DOCKER_SKIPPED.append(str(e))
    engine = _engine["engine"]
    if engine is None:
        pytest.skip(f"DOCKER HALF NOT RUN: {DOCKER_SKIPPED[0]}")
    return engine


@pytest.fixture(scope="session", autouse=True)
def _stop_engine():
    yield
    engine = _engine.get("engine")
    if engine:
        for name in engine.docker("ps", "-aq", "--filter", f"name={harness.SESSION}-", check=False).split():
            engine.docker("rm", "-f", name, check=False)
        engine.stop()


@pytest.fixture(scope="session")
def docker_images(docker_engine, session_dir, init_binaries):
    """Builds (once) the image of a scenario with a given init; returns its tag."""
    built = {}

    def image(scenario, init):
        key = (scenario, init)
        if key not in built:
            context = harness.make_context(
                os.path.join(session_dir, "contexts", f"{scenario}-{init}"), scenario,
                init_binaries(init))
            tag = f"{harness.SESSION}/{scenario}:{init}"
            docker_engine.docker("build", "-q", "-t", tag, context, timeout=300)
            built[key] = tag
        return built[key]

    yield image
    for tag in built.values():
        docker_engine.docker("rmi", "-f", tag, check=False)


def pytest_terminal_summary(terminalreporter):
    if DOCKER_SKIPPED:
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line("THE DOCKER HALF OF THE CONTAINER SCENARIOS WAS SKIPPED, NOT PASSED:",
                                    red=True, bold=True)
        for line in DOCKER_SKIPPED[0].splitlines():
            terminalreporter.write_line("  " + line, red=True)
        terminalreporter.write_line(bar, red=True, bold=True)
