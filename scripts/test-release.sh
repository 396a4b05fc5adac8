#!/bin/bash
# Release pipeline tests: runs scripts/release.sh twice (reproducibility),
# then checks every asset in dist/: binaries under qemu, deb/rpm/apk
# contents and linters, apt and apk installs by name into throwaway roots,
# wheels in a venv, sha256sums, and that a failed release leaves dist/ alone.
# Never touches the host's dpkg/apt/rpm state. Last line: "N passed, N failed".
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
V=$(cat VERSION)
dist=$root/dist
tmp=$(mktemp -d /tmp/test-release.XXXXXX)
pids=()
passed=0
failed=0

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
# check NAME CMD...: one counted check; output shown only on failure.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else
		fail "$name"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/     /'
	fi
}
# wait_for SECONDS CMD...: poll a condition until a deadline.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.05
	done
}

# Both builds must see one timestamp even if a commit lands in between.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

machines="x86_64 aarch64 ppc64le s390x"
declare -A GOARCH=([x86_64]=amd64 [aarch64]=arm64 [ppc64le]=ppc64le [s390x]=s390x)
declare -A DEBARCH=([x86_64]=amd64 [aarch64]=arm64 [ppc64le]=ppc64el [s390x]=s390x)
declare -A ELF=([x86_64]=EM_X86_64 [aarch64]=EM_AARCH64 [ppc64le]=EM_PPC64 [s390x]=EM_S390)
host=$(uname -m)
# run MACHINE BINARY ARGS...: native on the host arch, else under qemu-user.
run() {
	local m=$1
	shift
	if [ "$m" = "$host" ]; then "$@"; else "qemu-$m-static" "$@"; fi
}

# ---- build twice --------------------------------------------------------
build_and_hash() {
	local t0=$SECONDS
	scripts/release.sh >"$tmp/release-$1.log" 2>&1 || return 1
	echo "release.sh run $1: $((SECONDS - t0))s" >>"$tmp/timings"
	(cd "$dist" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$tmp/all-$1.sum"
}
if ! build_and_hash 1; then
	fail "release.sh builds dist/"
	tail -n 30 "$tmp/release-1.log"
	echo "$passed passed, $failed failed"
	exit 1
fi
ok "release.sh builds dist/"
cp "$dist/sha256sums" "$tmp/sha256sums.1"
check "release.sh builds again" build_and_hash 2
check "sha256sums identical across two builds" cmp "$tmp/sha256sums.1" "$dist/sha256sums"
check "every file in dist/ (repositories too) identical across builds" diff "$tmp/all-1.sum" "$tmp/all-2.sum"
cat "$tmp/timings"

cd "$dist"
PK=$root/build/packaging-test
check "packaging tool builds" sh -c "cd '$root/packaging' && go build -o '$PK' ."

# ---- asset names and checksums ------------------------------------------
expected="sha256sums dumb_init-$V.tar.gz"
for m in $machines; do
	expected="$expected dumb-init_${V}_$m dumb-init_${V}_${DEBARCH[$m]}.deb dumb-init-$V-1.$m.rpm"
	expected="$expected dumb-init_${V}_p1-r0_$m.apk"
	expected="$expected dumb_init-$V-py3-none-manylinux_2_17_$m.manylinux2014_$m.musllinux_1_1_$m.whl"
done
expected="$expected dumb-init_${V}_amd64 dumb-init_${V}_arm64"
missing=""
for f in $expected; do [ -f "$f" ] || missing="$missing $f"; done
check "all asset names present${missing:+ (missing:$missing)}" test -z "$missing"
check "no unexpected files" sh -c "[ \$(find . -maxdepth 1 -type f | wc -l) -eq $(echo $expected | wc -w) ]"
check "sha256sums is in --binary format" sh -c "! grep -qvE '^[0-9a-f]{64} [*][^ /]+\$' sha256sums"
check "sha256sums covers every top-level asset" sh -c \
	"[ \$(wc -l <sha256sums) -eq \$(find . -maxdepth 1 -type f ! -name sha256sums | wc -l) ]"
check "sha256sum -c sha256sums" sha256sum -c --quiet sha256sums
check "amd64 and x86_64 binaries byte-identical" cmp "dumb-init_${V}_amd64" "dumb-init_${V}_x86_64"
check "arm64 and aarch64 binaries byte-identical" cmp "dumb-init_${V}_arm64" "dumb-init_${V}_aarch64"

# ---- raw binaries under qemu ----------------------------------------------
signal_test() {
	local m=$1 bin=$2 d=$tmp/sig-$1 pre=()
	[ "$m" = "$host" ] || pre=("qemu-$m-static")
	mkdir -p "$d"
	# In its own session so every process it starts can be killed at once.
	# The child reports readiness through a file, then dumb-init gets TERM
	# and must forward it; the trap's exit status proves delivery.
	setsid bash -c 'd=$1; shift; "$@" & echo $! >"$d/pid"; wait $!; echo $? >"$d/rc"' _ "$d" \
		"${pre[@]}" "$bin" sh -c "trap 'exit 42' TERM; echo ready >'$d/ready'; while :; do sleep 0.05; done" \
		</dev/null >/dev/null 2>&1 &
	local leader=$!
	if ! wait_for 30 test -s "$d/ready"; then
		kill -KILL -- "-$leader"; wait "$leader"; echo "child never started"; return 2
	fi
	kill -TERM "$(cat "$d/pid")"
	if ! wait_for 20 test -s "$d/rc"; then
		kill -KILL -- "-$leader"; wait "$leader"; echo "signal not forwarded within 20s"; return 2
	fi
	wait "$leader"
	[ "$(cat "$d/rc")" = 42 ] || { echo "exit status $(cat "$d/rc"), want 42"; return 1; }
}
exit_test() {
	local m=$1 bin=$2 pre=()
	[ "$m" = "$host" ] || pre=("qemu-$m-static")
	timeout -k 5 30 "${pre[@]}" "$bin" sh -c 'exit 3' </dev/null
	case $? in
	3) return 0 ;;
	124 | 137) echo "timed out"; return 2 ;;
	*) return 1 ;;
	esac
}
# qemu-user now and then deadlocks when a multi-threaded guest (the Go
# runtime) forks, a known weakness of the emulator that native runs do not
# have; a run that hangs (status 2) is tried again under qemu, at most 3 times.
qemu_retry() {
	local m=$1 i rc
	shift
	for i in 1 2 3; do
		"$@"
		rc=$?
		[ "$rc" -eq 2 ] && [ "$m" != "$host" ] || return "$rc"
		echo "qemu-$m hung (try $i), trying again"
	done
	return "$rc"
}
for m in $machines; do
	bin=$dist/dumb-init_${V}_$m
	check "$m binary is static ELF ${ELF[$m]}" sh -c "'$PK' elf-machine '$bin' | grep -qx '$bin ${ELF[$m]}' && ! readelf -l '$bin' 2>/dev/null | grep -q INTERP"
	check "$m --version under ${host/$m/native}" sh -c \
		"[ \"\$(timeout 60 $( [ $m = $host ] || echo qemu-$m-static) '$bin' --version 2>&1)\" = 'dumb-init v$V' ]"
	# The release binary of each architecture, its assembly signal handler
	# and vfork included, end to end (under qemu-user for the foreign ones).
	check "$m exit code passthrough" qemu_retry "$m" exit_test "$m" "$bin"
	check "$m forwards SIGTERM to the child" qemu_retry "$m" signal_test "$m" "$bin"
done

# ---- .deb ------------------------------------------------------------------
for m in $machines; do
	deb=dumb-init_${V}_${DEBARCH[$m]}.deb
	x=$tmp/deb-$m
	mkdir -p "$x"
	dpkg-deb -x "$deb" "$x"
	check "$deb carries the $m binary" cmp "$x/usr/bin/dumb-init" "dumb-init_${V}_$m"
	check "$deb Architecture ${DEBARCH[$m]}" sh -c "[ \"\$(dpkg-deb -f '$deb' Architecture)\" = '${DEBARCH[$m]}' ]"
done
deb=dumb-init_${V}_amd64.deb
check "deb control: no Depends, version sorts above Debian's 1.2.5-2" sh -c "
	! dpkg-deb -f $deb Depends | grep -q . &&
	dpkg --compare-versions \"\$(dpkg-deb -f $deb Version)\" gt 1.2.5-2 &&
	dpkg --compare-versions \"\$(dpkg-deb -f $deb Version)\" lt 1.2.6"
check "deb control fields" sh -c "for f in Package:dumb-init Section:utils Priority:optional \
	Homepage:https://github.com/Yelp/dumb-init; do
		[ \"\$(dpkg-deb -f $deb \${f%%:*})\" = \"\${f#*:}\" ] || { echo \$f; exit 1; }; done"
check "deb has no maintainer scripts" sh -c \
	"[ \"\$(dpkg-deb --ctrl-tarfile $deb | tar -t | sed 's|^\./||' | grep . | sort | tr '\n' ' ')\" = 'control md5sums ' ]"
check "deb file list, modes and owners" sh -c "dpkg-deb -c $deb | awk '\$1 !~ /^d/ {print \$1, \$2, \$6}' >'$tmp/deb.list' &&
	diff - '$tmp/deb.list' <<'EOF'
-rwxr-xr-x root/root ./usr/bin/dumb-init
-rw-r--r-- root/root ./usr/share/doc/dumb-init/changelog.gz
-rw-r--r-- root/root ./usr/share/doc/dumb-init/copyright
-rw-r--r-- root/root ./usr/share/lintian/overrides/dumb-init
-rw-r--r-- root/root ./usr/share/man/man1/dumb-init.1.gz
EOF"
check "man page generated from --help/--version" sh -c \
	"zcat '$tmp/deb-x86_64/usr/share/man/man1/dumb-init.1.gz' | grep -q 'dumb-init v$V' &&
	 zcat '$tmp/deb-x86_64/usr/share/man/man1/dumb-init.1.gz' | grep -q 'a minimal init system for Linux containers' &&
	 zcat '$tmp/deb-x86_64/usr/share/man/man1/dumb-init.1.gz' | grep -qF 'single\\-child'"
check "lintian reports no errors or warnings (all four debs)" \
	lintian --fail-on error,warning dumb-init_${V}_*.deb

# ---- apt repository: install by name into a throwaway root ----------------
apt_install() {
	local r=$tmp/aptroot
	mkdir -p "$r/etc/apt/sources.list.d" "$r/etc/apt/preferences.d" "$r/var/lib/dpkg/updates" \
		"$r/var/lib/dpkg/info" "$r/var/lib/apt/lists/partial" "$r/var/cache/apt/archives/partial" "$r/var/log/apt"
	: >"$r/var/lib/dpkg/status"
	echo "deb [trusted=yes] file:$dist/apt ./" >"$r/etc/apt/sources.list"
	local opts=(-o "Dir=$r" -o "Dir::State::status=$r/var/lib/dpkg/status"
		-o "Dir::Etc::trusted=$r/etc/apt/trusted.gpg" -o "Dir::Etc::trustedparts=$r/etc/apt/trusted.gpg.d"
		-o "APT::Architecture=$(dpkg --print-architecture)" -o "Debug::NoLocking=1"
		-o "DPkg::Options::=--root=$r" -o "DPkg::Options::=--force-script-chrootless"
		-o "DPkg::Options::=--force-not-root" -o "DPkg::Options::=--log=$r/var/log/dpkg.log"
		-o "APT::Sandbox::User=root")
	apt-get "${opts[@]}" update -q </dev/null || return 1
	apt-cache "${opts[@]}" policy dumb-init </dev/null
	apt-get "${opts[@]}" install -y -q dumb-init </dev/null || return 1
	test -x "$r/usr/bin/dumb-init" || { echo "no $r/usr/bin/dumb-init"; return 1; }
	dpkg --root="$r" -s dumb-init | grep -q '^Status: install ok installed' || return 1
	[ "$("$r/usr/bin/dumb-init" --version 2>&1)" = "dumb-init v$V" ]
}
check "apt-get install dumb-init from dist/apt into a throwaway root" apt_install
check "apt Release lists Packages hashes" sh -c "grep -q ' Packages\$' apt/Release && grep -q '^SHA256:' apt/Release"

# ---- .rpm ------------------------------------------------------------------
for m in $machines; do
	rpmf=dumb-init-$V-1.$m.rpm
	x=$tmp/rpm-$m
	mkdir -p "$x"
	(cd "$x" && rpm2cpio "$dist/$rpmf" | cpio -idm --quiet --no-absolute-filenames 2>/dev/null)
	check "$rpmf carries the $m binary" cmp "$x/usr/bin/dumb-init" "dumb-init_${V}_$m"
	check "$rpmf arch and files (rpm -qpil)" sh -c "
		[ \"\$(rpm -qp --qf '%{ARCH}' $rpmf)\" = $m ] &&
		rpm -qpil $rpmf | grep -qx /usr/bin/dumb-init &&
		rpm -qpil $rpmf | grep -qx /usr/share/man/man1/dumb-init.1.gz &&
		[ -z \"\$(rpm -qp --requires $rpmf | grep -v '^rpmlib(')\" ]"
done
check "rpm -K digests" rpm -K --nosignature dumb-init-$V-1.*.rpm
check "rpmlint: 0 errors" sh -c "rpmlint -r '$root/packaging/rpm/dumb-init.rpmlintrc' dumb-init-$V-1.*.rpm | tee /dev/stderr | grep -q ' 0 errors'"
check "rpm installs into a scratch root" sh -c "
	rpm --root '$tmp/rpmroot' --initdb && rpm --root '$tmp/rpmroot' -i --nodeps dumb-init-$V-1.$host.rpm &&
	[ \"\$(stat -c %a '$tmp/rpmroot/usr/bin/dumb-init')\" = 755 ] && '$tmp/rpmroot/usr/bin/dumb-init' --version"

# ---- .apk ------------------------------------------------------------------
for m in $machines; do
	apkf=dumb-init_${V}_p1-r0_$m.apk
	x=$tmp/apk-$m
	mkdir -p "$x"
	tar -xzf "$apkf" -C "$x" 2>/dev/null
	check "$apkf carries the $m binary" cmp "$x/usr/bin/dumb-init" "dumb-init_${V}_$m"
	check "$apkf .PKGINFO" sh -c "grep -qx 'pkgname = dumb-init' '$x/.PKGINFO' &&
		grep -qx 'pkgver = ${V}_p1-r0' '$x/.PKGINFO' && grep -qx 'arch = $m' '$x/.PKGINFO' &&
		grep -qx 'license = MIT' '$x/.PKGINFO' && ! grep -q '^depend' '$x/.PKGINFO'"
	mkdir -p "$tmp/apkroot-$m"
	check "apk add dumb-init ($m) from dist/apk by name (go-apk client)" sh -c "
		'$PK' apk-install -repo '$dist/apk' -arch $m -root '$tmp/apkroot-$m' &&
		[ \"\$(stat -c %a '$tmp/apkroot-$m/usr/bin/dumb-init')\" = 755 ] &&
		cmp '$tmp/apkroot-$m/usr/bin/dumb-init' 'dumb-init_${V}_$m' &&
		grep -qx 'P:dumb-init' '$tmp/apkroot-$m/lib/apk/db/installed'"
done
mkdir -p "$tmp/apkroot-bad"
check "apk client rejects an unknown name" sh -c "! '$PK' apk-install -repo '$dist/apk' -arch $host -root '$tmp/apkroot-bad' -pkg no-such-pkg"

# ---- wheels ----------------------------------------------------------------
check "twine check (wheels and sdist)" twine check --strict ./*.whl ./*.tar.gz
wheel_meta() {
	python3 - "$1" "$2" <<'EOF'
import base64, csv, hashlib, io, sys, zipfile
path, m = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(path)
names = set(z.namelist())
v = path.split("-")[1]
info = "dumb_init-%s.dist-info/" % v
script = "dumb_init-%s.data/scripts/dumb-init" % v
assert script in names, names
assert (z.getinfo(script).external_attr >> 16) & 0o777 == 0o755
wheel = z.read(info + "WHEEL").decode()
assert "Root-Is-Purelib: false" in wheel, wheel
for t in ("manylinux_2_17_", "manylinux2014_", "musllinux_1_1_"):
    assert "Tag: py3-none-%s%s\n" % (t, m) in wheel, (t, wheel)
meta = z.read(info + "METADATA").decode()
assert "Name: dumb-init\n" in meta and "Version: %s\n" % v in meta, meta
rows = list(csv.reader(io.StringIO(z.read(info + "RECORD").decode())))
listed = {r[0] for r in rows}
assert listed == names, (listed ^ names)
for name, h, size in rows:
    if name == info + "RECORD":
        continue
    data = z.read(name)
    want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert h == want and int(size) == len(data), name
EOF
}
for m in $machines; do
	whl=dumb_init-$V-py3-none-manylinux_2_17_$m.manylinux2014_$m.musllinux_1_1_$m.whl
	check "$m wheel: layout, WHEEL tags, METADATA, RECORD hashes" wheel_meta "$whl" "$m"
	check "$m wheel carries the $m binary" sh -c "unzip -p $whl dumb_init-$V.data/scripts/dumb-init | cmp - dumb-init_${V}_$m"
	for plat in manylinux2014_$m musllinux_1_1_$m; do
		check "pip selects the $m wheel for --platform $plat" sh -c "
			/usr/bin/python3 -m pip install -q --no-index --find-links '$dist' --only-binary=:all: \
				--platform $plat --target '$tmp/pt-$plat' dumb-init &&
			'$PK' elf-machine '$tmp/pt-$plat/bin/dumb-init' | grep -q ' ${ELF[$m]}\$'"
	done
done
venv_install() {
	/usr/bin/python3 -m venv "$tmp/venv" || return 1
	"$tmp/venv/bin/pip" install -q --no-index "$dist"/dumb_init-$V-*_$host.whl || return 1
	cmp "$tmp/venv/bin/dumb-init" "dumb-init_${V}_$host" || return 1
	[ "$(PATH=$tmp/venv/bin:$PATH dumb-init --version 2>&1)" = "dumb-init v$V" ] || return 1
	PATH=$tmp/venv/bin:$PATH dumb-init sh -c 'exit 5'
	[ $? -eq 5 ]
}
check "venv: pip install --no-index dist/<wheel> puts a working dumb-init on PATH" venv_install
sdist_build() {
	mkdir -p "$tmp/sdist-wheel"
	GOFLAGS=-mod=mod GOPROXY=off /usr/bin/python3 -m pip wheel -q --no-index --no-deps \
		--no-build-isolation -w "$tmp/sdist-wheel" "dumb_init-$V.tar.gz" || return 1
	unzip -p "$tmp/sdist-wheel"/dumb_init-$V-*_$host.whl "dumb_init-$V.data/scripts/dumb-init" >"$tmp/sdist-bin" &&
		chmod +x "$tmp/sdist-bin" && [ "$("$tmp/sdist-bin" --version 2>&1)" = "dumb-init v$V" ]
}
check "sdist builds a working wheel offline (pip wheel, go build)" sdist_build

# ---- bad input -------------------------------------------------------------
cd "$root"
before=$(sha256sum dist/sha256sums)
mkdir -p "$tmp/broken"
printf 'module broken\n\ngo 1.26\n' >"$tmp/broken/go.mod"
printf 'package main\n\nfunc main() { undefined() }\n' >"$tmp/broken/main.go"
check "failed build: release.sh exits non-zero with a clear message" sh -c \
	"! DUMB_INIT_SRC='$tmp/broken' scripts/release.sh >'$tmp/bad.log' 2>&1 && grep -q 'release: go build for amd64 failed' '$tmp/bad.log'"
check "failed build leaves dist/ untouched and no scratch dir" sh -c \
	"[ \"\$(sha256sum dist/sha256sums)\" = '$before' ] && [ -z \"\$(ls -A build 2>/dev/null | grep '^release\.')\" ]"
mkdir -p "$tmp/nohelp2man"
for d in $(echo "$PATH" | tr ':' ' '); do
	[ -d "$d" ] || continue
	for f in "$d"/*; do
		b=${f##*/}
		[ "$b" = help2man ] || [ -e "$tmp/nohelp2man/$b" ] || ln -s "$f" "$tmp/nohelp2man/$b" 2>/dev/null
	done
done
check "missing tool: release.sh stops with a clear message" sh -c \
	"! PATH='$tmp/nohelp2man' scripts/release.sh >'$tmp/notool.log' 2>&1 && grep -q 'missing tool: help2man' '$tmp/notool.log' &&
	 [ \"\$(sha256sum dist/sha256sums)\" = '$before' ]"

# ---- goreleaser (only if already installed: building it is too slow) ------
if command -v goreleaser >/dev/null 2>&1; then
	check "goreleaser check .goreleaser.yaml" goreleaser check -f .goreleaser.yaml
	# A snapshot in a throwaway clone must name its assets as release.sh does
	# (goreleaser makes no wheels, sdist or repositories).
	goreleaser_names() {
		local c=$tmp/goreleaser
		rm -rf "$c" && git clone -q "$root" "$c" && cp .goreleaser.yaml "$c/" &&
			(cd "$c" && git tag "v$V" && timeout -k 5 600 goreleaser release --snapshot --clean >"$tmp/goreleaser.log" 2>&1) &&
			diff <(awk '{print $2}' "$c/dist/sha256sums" | tr -d '*' | sort) \
				<(awk '{print $2}' "$dist/sha256sums" | tr -d '*' | grep -v -e '\.whl$' -e '\.tar\.gz$' | sort)
	}
	check "goreleaser snapshot gives release.sh's asset names" goreleaser_names
else
	echo "skip goreleaser check (goreleaser not on PATH)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
