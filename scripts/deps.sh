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

# The C oracle of each other architecture the release ships (the black-box
# suite runs it under qemu-user, scripts/test-arches.sh): Debian's dumb-init
# and libc6 of that architecture, unpacked into /var/cache/dumb-init-test/
# GOARCH, which qemu-ARCH-static -L runs it from. Downloaded, never
# installed; unpacked once (dumb-init last: its presence means done).
oracles=/var/cache/dumb-init-test
for pair in arm64:arm64 ppc64le:ppc64el s390x:s390x; do
	root=$oracles/${pair%%:*}
	arch=${pair##*:}
	[ -x "$root/usr/bin/dumb-init" ] && continue
	echo "unpacking the C dumb-init of $arch into $root"
	if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
		dpkg --add-architecture "$arch"
		apt-get update -qq
	elif ! apt-cache show "dumb-init:$arch" >/dev/null 2>&1; then
		apt-get update -qq
	fi
	tmp=$(mktemp -d)
	chown _apt "$tmp" 2>/dev/null || true # apt downloads as _apt
	(cd "$tmp" && apt-get download -qq "libc6:$arch" "dumb-init:$arch")
	mkdir -p "$root"
	for deb in "$tmp"/libc6_*.deb "$tmp"/dumb-init_*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	rm -rf "$tmp"
	# qemu-user resolves the guest's paths under -L, but an absolute
	# symbolic link in there (ppc64el's /lib64/ld64.so.2) leads out of it.
	find "$root" -type l -lname '/*' | while read -r link; do
		ln -sfnr "$root$(readlink "$link")" "$link"
	done
done
