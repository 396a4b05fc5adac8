#!/bin/sh
# The Kubernetes suite (init/test_kubernetes.py): a kubelet and containerd of its own (loopback
# only, the host's configuration untouched) run pods of the release's image, with our binary and
# with the C oracle (Debian's dumb-init), and check every way a pod ends from the kubelet's side.
# Needs root, the packages scripts/deps.sh installs, and the kubelet and crictl it builds
# (scripts/build-kubelet.sh, cached after the first run). Builds dist/ with scripts/release.sh
# when it holds no image; DUMB_INIT_DIST names another, already built dist/. Extra arguments go to
# pytest (e.g. -k delay).
set -eu
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH" PYTHONDONTWRITEBYTECODE=1
DUMB_INIT_KUBE_BIN=$(scripts/build-kubelet.sh) || { echo "test-kubernetes: no kubelet" >&2; exit 1; }
export DUMB_INIT_KUBE_BIN
if [ -z "${DUMB_INIT_DIST:-}" ] && [ ! -f dist/oci/index.json ]; then
	echo "test-kubernetes: dist/ holds no image: building the release (scripts/release.sh)"
	scripts/release.sh
fi
# Debian's python3 (a pyenv one may shadow it on PATH and lack pytest/psutil).
exec /usr/bin/python3 -m pytest -v -rsP --durations=0 -p no:cacheprovider init/test_kubernetes.py "$@"
