#!/bin/sh
# The container scenarios (init/): every scenario under a real Docker engine (a private dockerd is
# started if none answers) and as PID 1 of a fresh PID namespace, with our binary and with the C
# oracle (Debian's dumb-init). Needs root and: docker.io busybox-static dumb-init python3-pytest
# python3-psutil util-linux. Set DUMB_INIT_BINARY to test a prebuilt binary instead of building one.
# Extra arguments go to pytest (e.g. -k unshare).
set -eu
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH" PYTHONDONTWRITEBYTECODE=1
# Debian's python3 (a pyenv one may shadow it on PATH and lack pytest/psutil).
exec /usr/bin/python3 -m pytest -v -rs -p no:cacheprovider init/test_containers.py "$@"
