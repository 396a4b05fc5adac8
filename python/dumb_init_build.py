"""Build backend (PEP 517) and command line for dumb-init's Python dists.

The wheel holds nothing but the static binary, as a script
(dumb_init-V.data/scripts/dumb-init), so pip puts the real executable on
PATH rather than a Python launcher: an init must not need Python to start.
Only the standard library is used, so it works offline from Debian's python3.

    python3 dumb_init_build.py wheel --binary FILE --arch x86_64 --out DIR
    python3 dumb_init_build.py sdist --out DIR
    python3 dumb_init_build.py index --dist DIR   (PEP 503 index DIR/simple)

As a backend (pip wheel / python -m build) it builds the binary for the
host with scripts/build.sh, the release's own build (same flags, so the
same bytes), unless config settings "binary" and "arch" name one. Built
from an sdist it runs on any Python 3.7+: the metadata comes from the
sdist's PKG-INFO, not from pyproject.toml (tomllib is 3.11+).
"""

import base64
import csv
import gzip
import hashlib
import io
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

# uname -m -> GOARCH; the four architectures upstream releases.
GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "ppc64le": "ppc64le", "s390x": "s390x"}

# The binary links no libc, so any glibc or musl system can run it. Old pips
# know only the manylinux2014 alias, newer ones the PEP 600/656 names.
PLATFORM_TAGS = ("manylinux_2_17_{m}", "manylinux2014_{m}", "musllinux_1_1_{m}")

# Earliest time a zip entry can carry.
ZIP_EPOCH = 315532800

# The release build, relative to the source root.
BUILD_SCRIPT = "scripts/build.sh"


def _source_root():
    """Directory holding VERSION and the Go sources: the repository root
    when run from python/, the sdist root (src/) when built from an sdist."""
    for d in (os.path.join(HERE, "src"), os.path.dirname(HERE)):
        if os.path.isfile(os.path.join(d, "VERSION")) and os.path.isfile(os.path.join(d, "go.mod")):
            return d
    raise SystemExit("dumb_init_build: cannot find VERSION and go.mod")


def _project():
    try:
        import tomllib
    except ImportError:
        raise SystemExit("dumb_init_build: building from the repository needs Python 3.11 or later (tomllib)")
    with open(os.path.join(HERE, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]


def version():
    with open(os.path.join(_source_root(), "VERSION")) as f:
        v = f.read().strip()
    if not v:
        raise SystemExit("dumb_init_build: VERSION is empty")
    return v


def _dist_name():
    for line in metadata().splitlines():
        if line.startswith("Name: "):
            return line[len("Name: "):].replace("-", "_")
    raise SystemExit("dumb_init_build: metadata has no Name")


def _epoch():
    return max(int(os.environ.get("SOURCE_DATE_EPOCH", ZIP_EPOCH)), ZIP_EPOCH)


def metadata():
    """Core metadata. In an sdist it is the sdist's own PKG-INFO, so a wheel
    built from the sdist says what the release's wheels say."""
    pkg_info = os.path.join(HERE, "PKG-INFO")
    if os.path.isfile(pkg_info):
        with open(pkg_info) as f:
            return f.read()
    p = _project()
    lines = [
        "Metadata-Version: 2.1",
        "Name: " + p["name"],
        "Version: " + version(),
        "Summary: " + p["description"],
    ]
    for url_name, url in p.get("urls", {}).items():
        if url_name == "Homepage":
            lines.append("Home-page: " + url)
        lines.append("Project-URL: %s, %s" % (url_name, url))
    for a in p.get("authors", []):
        lines.append("Author: " + a["name"])
    lines.append("License: " + p["license"]["text"])
    lines.append("Platform: linux")
    for c in p.get("classifiers", []):
        lines.append("Classifier: " + c)
    lines.append("Requires-Python: " + p["requires-python"])
    lines.append("Description-Content-Type: text/markdown")
    with open(os.path.join(HERE, p["readme"])) as f:
        body = f.read()
    return "\n".join(lines) + "\n\n" + body


def _requires_python():
    for line in metadata().splitlines():
        if line.startswith("Requires-Python: "):
            return line[len("Requires-Python: "):]
    return None


def _record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _zip_entry(zf, name, data, mode):
    t = _epoch()
    info = zipfile.ZipInfo(name, time.gmtime(t)[:6])
    info.create_system = 3  # Unix, so pip honours the mode bits
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build_wheel_file(binary, machine, out_dir):
    if machine not in GOARCH:
        raise SystemExit("dumb_init_build: unsupported architecture %r" % machine)
    with open(binary, "rb") as f:
        exe = f.read()
    if exe[:4] != b"\x7fELF":
        raise SystemExit("dumb_init_build: %s is not an ELF binary" % binary)
    name, ver = _dist_name(), version()
    plats = ".".join(t.format(m=machine) for t in PLATFORM_TAGS)
    wheel_name = "%s-%s-py3-none-%s.whl" % (name, ver, plats)
    info_dir = "%s-%s.dist-info" % (name, ver)
    wheel_meta = "Wheel-Version: 1.0\nGenerator: dumb_init_build\nRoot-Is-Purelib: false\n"
    wheel_meta += "".join("Tag: py3-none-%s\n" % t.format(m=machine) for t in PLATFORM_TAGS)
    with open(os.path.join(_source_root(), "LICENSE"), "rb") as f:
        license_text = f.read()
    entries = [
        ("%s-%s.data/scripts/dumb-init" % (name, ver), exe, 0o755),
        (info_dir + "/LICENSE", license_text, 0o644),
        (info_dir + "/METADATA", metadata().encode(), 0o644),
        (info_dir + "/WHEEL", wheel_meta.encode(), 0o644),
    ]
    record = io.StringIO()
    w = csv.writer(record, lineterminator="\n")
    for path, data, _ in entries:
        w.writerow([path, _record_hash(data), len(data)])
    w.writerow([info_dir + "/RECORD", "", ""])
    entries.append((info_dir + "/RECORD", record.getvalue().encode(), 0o644))
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, wheel_name)
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w") as zf:
        for entry in entries:
            _zip_entry(zf, *entry)
    os.replace(tmp, path)
    return wheel_name


def _go_files(root):
    """Files an sdist needs to rebuild the binary: the module's Go and
    assembly sources (tests and this release tooling left out),
    go.mod/go.sum, VERSION, and scripts/build.sh, which holds the release's
    build flags."""
    skip = {"packaging", "python", "dist", "build", "scripts", "testdata"}
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip and not d.startswith("."))
        for fn in sorted(filenames):
            if (fn.endswith((".go", ".s")) and not fn.endswith("_test.go")) or (
                dirpath == root and fn in ("go.mod", "go.sum", "VERSION", "LICENSE")
            ):
                out.append(os.path.relpath(os.path.join(dirpath, fn), root))
    out.append(BUILD_SCRIPT)
    return out


def build_sdist_file(out_dir):
    name, ver = _dist_name(), version()
    base = "%s-%s" % (name, ver)
    root = _source_root()
    members = [
        ("PKG-INFO", metadata().encode()),
        ("pyproject.toml", None),
        ("dumb_init_build.py", None),
        ("README.md", None),
    ]
    members = [(n, d if d is not None else open(os.path.join(HERE, n), "rb").read()) for n, d in members]
    for rel in _go_files(root):
        with open(os.path.join(root, rel), "rb") as f:
            members.append(("src/" + rel, f.read()))
    os.makedirs(out_dir, exist_ok=True)
    fname = base + ".tar.gz"
    path = os.path.join(out_dir, fname)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for n, data in sorted(members):
            ti = tarfile.TarInfo(base + "/" + n)
            mode = 0o755 if n == "src/" + BUILD_SCRIPT else 0o644
            ti.size, ti.mtime, ti.mode = len(data), _epoch(), mode
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
            tf.addfile(ti, io.BytesIO(data))
    with open(path + ".tmp", "wb") as raw:
        # mtime=0 and no file name in the gzip header: reproducible bytes
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(buf.getvalue())
    os.replace(path + ".tmp", path)
    return fname


def _find_go():
    go = shutil.which("go")
    if go is None:
        want = "Go"
        with open(os.path.join(_source_root(), "go.mod")) as f:
            for line in f:
                if line.startswith("go "):
                    want = "Go %s or later" % line.split()[1]
        raise SystemExit(
            "dumb-init: building from source needs %s (https://go.dev/dl/) on PATH, "
            "and no go command was found; or install a prebuilt wheel" % want
        )
    return go


def _go_build(machine, out):
    go = _find_go()
    env = dict(
        os.environ,
        PATH=os.path.dirname(go) + os.pathsep + os.environ.get("PATH", ""),
        GOOS="linux",
        GOARCH=GOARCH[machine],
        VERSION=version(),
        # GOFLAGS from the caller (-race, -cover, ...) would change the binary.
        GOFLAGS="-buildvcs=false",
    )
    env.pop("DUMB_INIT_SRC", None)
    root = _source_root()
    r = subprocess.run(["sh", os.path.join(root, BUILD_SCRIPT), out], cwd=root, env=env)
    if r.returncode != 0:
        raise SystemExit("dumb-init: %s failed (exit status %d)" % (BUILD_SCRIPT, r.returncode))


# ---- PEP 517 hooks ----------------------------------------------------------


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    cs = config_settings or {}
    machine = cs.get("arch") or platform.machine()
    if cs.get("binary"):
        return build_wheel_file(cs["binary"], machine, wheel_directory)
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "dumb-init")
        _go_build(machine, exe)
        return build_wheel_file(exe, machine, wheel_directory)


def build_sdist(sdist_directory, config_settings=None):
    return build_sdist_file(sdist_directory)


def write_simple_index(dist_dir):
    """A PEP 503 simple repository in DIST/simple for the wheels and sdist
    in DIST, so `pip install --index-url URL/simple dumb-init` works by
    name. Links point back at the files in DIST, with their sha256."""
    import html

    name = _dist_name()
    project = name.replace("_", "-").lower()
    files = sorted(
        f
        for f in os.listdir(dist_dir)
        if f.startswith(name + "-") and (f.endswith(".whl") or f.endswith(".tar.gz"))
    )
    if not files:
        raise SystemExit("dumb_init_build: no wheels or sdist in %s" % dist_dir)
    rp = _requires_python()
    rp_attr = ' data-requires-python="%s"' % html.escape(rp) if rp else ""
    links = []
    for f in files:
        with open(os.path.join(dist_dir, f), "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        links.append('    <a href="../../%s#sha256=%s"%s>%s</a><br>' % (f, digest, rp_attr, html.escape(f)))
    page = "<!DOCTYPE html>\n<html>\n  <head><title>Links for %s</title></head>\n  <body>\n    <h1>Links for %s</h1>\n%s\n  </body>\n</html>\n"
    root_page = "<!DOCTYPE html>\n<html>\n  <head><title>Simple index</title></head>\n  <body>\n    <a href=\"%s/\">%s</a>\n  </body>\n</html>\n"
    proj_dir = os.path.join(dist_dir, "simple", project)
    os.makedirs(proj_dir, exist_ok=True)
    with open(os.path.join(dist_dir, "simple", "index.html"), "w") as fh:
        fh.write(root_page % (project, project))
    with open(os.path.join(proj_dir, "index.html"), "w") as fh:
        fh.write(page % (project, project, "\n".join(links)))
    return project


# ---- command line -----------------------------------------------------------


def main(argv):
    import argparse

    ap = argparse.ArgumentParser(prog="dumb_init_build")
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("wheel")
    w.add_argument("--binary", required=True)
    w.add_argument("--arch", required=True, choices=sorted(GOARCH))
    w.add_argument("--out", required=True)
    s = sub.add_parser("sdist")
    s.add_argument("--out", required=True)
    i = sub.add_parser("index")
    i.add_argument("--dist", required=True)
    a = ap.parse_args(argv)
    if a.cmd == "wheel":
        print(build_wheel_file(a.binary, a.arch, a.out))
    elif a.cmd == "sdist":
        print(build_sdist_file(a.out))
    else:
        print(write_simple_index(a.dist))


if __name__ == "__main__":
    main(sys.argv[1:])
