#!/bin/sh
# Install what the test suite needs on a fresh Debian 12 machine (as root).
# Go itself comes with the machine (/usr/local/go); Debian's golang is too old.
set -eu
pkgs="dumb-init tini catatonit qemu-user-static busybox-static docker.io
lintian rpm rpmlint help2man twine python3-wheel python3-venv python3-pip
python3-pytest python3-psutil dpkg-dev apt-utils hyperfine strace gcc libc6-dev
util-linux procps file binutils cpio unzip gnupg gpgv openssl faketime
docker-registry skopeo podman qemu-system-arm qemu-system-ppc qemu-system-misc
qemu-system-x86 containerd runc"
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
# --- Other architectures (scripts/test-arches.sh, scripts/test-vms.sh) -----
# qemu-system for the four architectures is in $pkgs above (SLOF,
# s390-ccw.img and qboot come with qemu-system-data, SeaBIOS with
# qemu-system-x86). From Debian's archive, for each architecture: its
# kernel, busybox-static and the C oracle (dumb-init with libc6), which
# qemu-user runs with -L and the VMs boot. Those are downloaded, never installed:
# dpkg -x unpacks them into $vm_cache/GOARCH (of the kernel only /boot), and
# later runs reuse them; remove a directory to fetch its packages again.
# Absolute symbolic links are made relative (qemu-user's -L, and the
# initramfs, put the directory at /; ppc64el's /lib64/ld64.so.2 is one).
vm_cache=/var/cache/dumb-init-test
vm_fetch=
for vm in amd64:amd64:linux-image-cloud-amd64 arm64:arm64:linux-image-cloud-arm64 \
	ppc64le:ppc64el:linux-image-powerpc64le s390x:s390x:linux-image-s390x; do
	dir=$vm_cache/${vm%%:*}
	[ -x "$dir/usr/bin/dumb-init" ] && [ -x "$dir/bin/busybox" ] &&
		ls "$dir"/boot/vmlinu[xz]-* >/dev/null 2>&1 || vm_fetch="$vm_fetch $vm"
done
if [ -n "$vm_fetch" ]; then
	for vm in $vm_fetch; do
		arch=${vm#*:}
		arch=${arch%%:*}
		{ dpkg --print-architecture; dpkg --print-foreign-architectures; } | grep -qx "$arch" ||
			dpkg --add-architecture "$arch"
	done
	apt-get update -qq
	for vm in $vm_fetch; do
		dir=$vm_cache/${vm%%:*}
		arch=${vm#*:}
		arch=${arch%%:*}
		want=
		[ -x "$dir/usr/bin/dumb-init" ] || want="$want dumb-init:$arch libc6:$arch"
		[ -x "$dir/bin/busybox" ] || want="$want busybox-static:$arch"
		if ! ls "$dir"/boot/vmlinu[xz]-* >/dev/null 2>&1; then
			# The metapackage names the kernel of the day.
			kernel=$(apt-cache depends "${vm##*:}:$arch" | awk '/Depends: linux-image-/ { print $2; exit }')
			[ -n "$kernel" ] || { echo "deps.sh: no kernel for $arch" >&2; exit 1; }
			want="$want $kernel"
		fi
		echo "fetching for $arch:$want"
		tmp=$(mktemp -d)
		chown _apt "$tmp" 2>/dev/null || true
		# shellcheck disable=SC2086
		(cd "$tmp" && apt-get download -qq $want)
		mkdir -p "$dir"
		# dumb-init last: with the others, what is checked above, it marks
		# an unpack that was not interrupted.
		for deb in $(ls "$tmp"/*.deb | grep -v /dumb-init_) "$tmp"/dumb-init_*.deb; do
			[ -f "$deb" ] || continue
			case ${deb##*/} in
			linux-image-*) dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" ./boot ;;
			*) dpkg-deb -x "$deb" "$dir" ;;
			esac
		done
		rm -rf "$tmp"
		find "$dir" -type l -lname '/*' | while read -r link; do
			ln -sfnr "$dir$(readlink "$link")" "$link"
		done
	done
fi
if ! command -v go >/dev/null 2>&1; then
	if [ -x /usr/local/go/bin/go ]; then
		echo "go is at /usr/local/go/bin: add it to PATH" >&2
	else
		echo "Go 1.26 is required (expected at /usr/local/go)" >&2
	fi
	exit 1
fi
# --- The Kubernetes suite (scripts/test-kubernetes.sh) ----------------------
# A kubelet and crictl from the Go module proxy, at the versions pinned in
# scripts/build-kubelet.sh; built once per machine (about 9 minutes on two
# cores), then taken from /var/cache/dumb-init-test. A failed build fails
# only that step (scripts/test-kubernetes.sh tries again and says why).
"$(dirname "$0")/build-kubelet.sh" >/dev/null ||
	echo "deps.sh: building the kubelet failed; the kubernetes step will fail" >&2
