#!/bin/sh
# Install what the test suite needs on a fresh Debian 12 machine (as root).
# Go itself comes with the machine (/usr/local/go); Debian's golang is too old.
set -eu
pkgs="dumb-init tini catatonit qemu-user-static busybox-static docker.io
lintian rpm rpmlint help2man twine python3-wheel python3-venv python3-pip
python3-pytest python3-psutil dpkg-dev apt-utils hyperfine strace gcc libc6-dev
util-linux procps file binutils cpio unzip gnupg gpgv openssl faketime
docker-registry skopeo podman"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if ! command -v go >/dev/null 2>&1; then
	if [ -x /usr/local/go/bin/go ]; then
		echo "go is at /usr/local/go/bin: add it to PATH" >&2
	else
		echo "Go 1.26 is required (expected at /usr/local/go)" >&2
	fi
	exit 1
fi
