#!/bin/sh
# Build every release asset of dumb-init into dist/: raw static binaries,
# .deb/.rpm/.apk (nfpm, via packaging/), signed apt and apk repositories,
# Python wheels, sdist and a PEP 503 index, a multi-arch container image
# (an OCI layout in dist/oci, its index, and one `docker load` archive per
# architecture), sha256sums and its signature, and the public keys in
# dist/keys. Offline apart from the Go module proxy.
# Everything is built in a scratch directory that replaces dist/ only once
# all steps succeeded. Two runs on one commit with the same keys give the
# same bytes, whatever the host, user, umask, time zone, locale, checkout
# path or time.
#
# DUMB_INIT_SIGNING_KEYS names the key directory: openpgp.asc (OpenPGP
# secret key: apt, rpm, sha256sums) and dumb-init.rsa (PEM RSA key: apk),
# both unencrypted. Without it a throwaway set is made and thrown away.
# Private keys never go to dist/.
# DUMB_INIT_REVISION (default: the commit checked out) is the image's
# revision label; a build outside a git checkout must set it.
# DUMB_INIT_SRC (default: the repository root) names the Go package to build;
# it exists so the pipeline can be exercised against a stand-in main.
set -eu
umask 022

die() { echo "release: $*" >&2; exit 1; }

keys=
if [ -n "${DUMB_INIT_SIGNING_KEYS:-}" ]; then
	keys=$(cd "$DUMB_INIT_SIGNING_KEYS" 2>/dev/null && pwd) ||
		die "DUMB_INIT_SIGNING_KEYS=$DUMB_INIT_SIGNING_KEYS is not a directory"
	for f in openpgp.asc dumb-init.rsa; do
		[ -s "$keys/$f" ] || die "DUMB_INIT_SIGNING_KEYS: $keys/$f is missing"
	done
fi

root=$(cd "$(dirname "$0")/.." && pwd)
case $keys/ in
"$root"/dist/* | "$root"/build/*) die "keep DUMB_INIT_SIGNING_KEYS out of dist/ and build/ (they are replaced and published)" ;;
esac
cd "$root"
src=$(cd "${DUMB_INIT_SRC:-$root}" && pwd)

for tool in go git gzip help2man sha256sum python3; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool (apt-get install ${tool})"
done
python3 -c 'import tomllib' 2>/dev/null || die "python3 >= 3.11 is needed (tomllib)"

[ -s VERSION ] || die "VERSION is missing or empty"
V=$(cat VERSION)
case $V in *[!0-9.]*|'') die "VERSION '$V' is not N.N.N" ;; esac

# One timestamp for every archive header, man page and zip entry.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null) || SOURCE_DATE_EPOCH=
	[ -n "$SOURCE_DATE_EPOCH" ] ||
		die "SOURCE_DATE_EPOCH is unset and there is no git commit to take it from"
fi
export SOURCE_DATE_EPOCH
revision=${DUMB_INIT_REVISION:-$(git rev-parse HEAD 2>/dev/null || :)}
[ -n "$revision" ] || die "DUMB_INIT_REVISION is unset and there is no git commit to take it from"
export TZ=UTC LC_ALL=C
# Unrelated GOFLAGS (e.g. -race) must not leak into release binaries.
export GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOOS=linux

mkdir -p "$root/build"
work=$(mktemp -d "$root/build/release.XXXXXX")
trap 'rm -rf "$work"' EXIT
# A throwaway private key lives in $work: remove it on every way out.
trap 'exit 130' INT TERM HUP PIPE
out=$work/dist
mkdir -p "$out" "$work/bin"

# Architectures: GOARCH and the `uname -m` name upstream uses for assets.
arches="amd64:x86_64 arm64:aarch64 ppc64le:ppc64le s390x:s390x"

# The packaging tool comes first: it also makes and checks the keys.
(cd packaging && go build -trimpath -o "$work/packaging" .) || die "building packaging/ failed"
if [ -z "$keys" ]; then
	keys=$work/keys
	echo "release: DUMB_INIT_SIGNING_KEYS is not set: signing with a throwaway key set made now and deleted after the build (public halves in dist/keys)"
	"$work/packaging" keygen -dir "$keys" || die "making a throwaway key set failed"
fi
fpr=$("$work/packaging" export-keys -keys "$keys" -out "$out/keys") ||
	die "the signing keys in $keys are unusable"
echo "release: signing with $fpr and the RSA key dumb-init.rsa"

echo "release: building binaries for $V"
for a in $arches; do
	goarch=${a%%:*} machine=${a#*:}
	# scripts/build.sh holds the release flags (size, preemption off).
	GOARCH=$goarch VERSION=$V DUMB_INIT_SRC=$src "$root/scripts/build.sh" "$work/bin/dumb-init_${V}_$machine" ||
		die "go build for $goarch failed"
	cp "$work/bin/dumb-init_${V}_$machine" "$out/"
done
# The documents' wget lines use the pre-1.2.3 Debian-style names.
cp "$out/dumb-init_${V}_x86_64" "$out/dumb-init_${V}_amd64"
cp "$out/dumb-init_${V}_aarch64" "$out/dumb-init_${V}_arm64"

host=$(uname -m)
[ -x "$work/bin/dumb-init_${V}_$host" ] || die "no binary for this host ($host) to run help2man on"
got=$("$work/bin/dumb-init_${V}_$host" --version 2>&1) || die "dumb-init --version failed"
[ "$got" = "dumb-init v$V" ] || die "binary reports '$got', VERSION says $V"

echo "release: man page and changelog"
mkdir -p "$work/man"
cp "$work/bin/dumb-init_${V}_$host" "$work/man/dumb-init"
# help2man reads SOURCE_DATE_EPOCH for the date in the page header.
(cd "$work/man" && help2man --no-info --no-discard-stderr \
	--name 'a minimal init system for Linux containers' \
	--include "$root/packaging/help2man.include" \
	--output dumb-init.1 ./dumb-init) || die "help2man failed"
grep -q '^\.SH DESCRIPTION' "$work/man/dumb-init.1" || die "help2man produced no DESCRIPTION"
gzip -9n <"$work/man/dumb-init.1" >"$work/man/dumb-init.1.gz"
gzip -9n <packaging/debian/changelog >"$work/man/changelog.gz"

echo "release: packages (nfpm)"
"$work/packaging" packages -config packaging/nfpm.yaml -version "$V" -bin "$work/bin" \
	-man "$work/man/dumb-init.1.gz" -changelog "$work/man/changelog.gz" -keys "$keys" -out "$out" >/dev/null ||
	die "packaging failed"

echo "release: apt and apk repositories"
mkdir -p "$out/apt"
cp "$out"/*.deb "$out/apt/"
"$work/packaging" apt-repo -dir "$out/apt" -keys "$keys" || die "apt repository failed"
"$work/packaging" apk-repo -dir "$out" -out "$out/apk" -keys "$keys" || die "apk repository failed"

echo "release: container image (OCI layout, docker archives)"
# The image's source label is the Go module's repository.
module=$(awk '$1 == "module" {print $2; exit}' go.mod)
digest=$("$work/packaging" image -version "$V" -revision "$revision" -source "https://$module" \
	-bin "$work/bin" -license LICENSE -out "$out") || die "container image failed"
echo "release: image index $digest (dist/oci, tag $V)"

echo "release: python wheels and sdist"
for a in $arches; do
	machine=${a#*:}
	python3 python/dumb_init_build.py wheel --binary "$work/bin/dumb-init_${V}_$machine" \
		--arch "$machine" --out "$out" >/dev/null || die "wheel for $machine failed"
done
python3 python/dumb_init_build.py sdist --out "$out" >/dev/null || die "sdist failed"
python3 python/dumb_init_build.py index --dist "$out" >/dev/null || die "PEP 503 index failed"

echo "release: sha256sums and its signature"
(cd "$out" && find . -maxdepth 1 -type f ! -name sha256sums -printf '%f\n' | sort |
	xargs sha256sum --binary >sha256sums) || die "sha256sum failed"
"$work/packaging" sign -keys "$keys" -in "$out/sha256sums" -out "$out/sha256sums.asc" ||
	die "signing sha256sums failed"

# Swap in atomically-ish: the old dist/ disappears only after the new one
# is complete, and a failure above never touches it.
if [ -e "$root/dist" ]; then
	mv "$root/dist" "$work/dist.old"
fi
mv "$out" "$root/dist"
echo "release: $(wc -l <"$root/dist/sha256sums") assets in dist/"
