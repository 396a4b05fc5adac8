#!/bin/bash
# The init's assembly for arm64, ppc64le and s390x, under qemu-user:
# cross-compiles the test binary and runs its handler scenario (signal
# handler, vfork; sighandler_test.go), then runs the tests of the release
# build's entry code (entry_*.s) against those architectures' release
# builds (DUMB_INIT_TEST_ARCHES, integration_builds_test.go). amd64 runs
# both in `go test`. qemu-user can deadlock when a Go program forks; a run
# that times out is retried, up to 3 tries.
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for pair in arm64:aarch64 ppc64le:ppc64le s390x:s390x; do
	goarch=${pair%%:*}
	qemu=qemu-${pair##*:}-static
	if ! command -v "$qemu" >/dev/null; then
		echo "test-arches: $qemu not found"
		failed=1
		continue
	fi
	if ! CGO_ENABLED=0 GOARCH=$goarch go test -c -o "$tmp/$goarch.test" .; then
		echo "test-arches: $goarch: build failed"
		failed=1
		continue
	fi
	for try in 1 2 3; do
		out=$(DUMB_INIT_TEST_HANDLER=1 timeout -k 5 60 "$qemu" "$tmp/$goarch.test" 2>&1)
		rc=$?
		[ $rc -eq 124 ] || [ $rc -eq 137 ] || break
		echo "test-arches: $goarch: try $try timed out under qemu, retrying"
	done
	if [ $rc -eq 0 ] && [ "${out##*$'\n'}" = "handler ok" ]; then
		echo "test-arches: $goarch: ok"
	else
		echo "test-arches: $goarch: FAILED (exit $rc):"
		echo "$out"
		failed=1
	fi
done

arches="arm64 ppc64le s390x"
tests='^(TestDifferentialGoRuntimeSettings|TestDifferentialMalformedGOMEMLIMIT|TestDifferentialClosedStdio|TestDifferentialChildIgnoredRTSignal)$'
for try in 1 2 3; do
	out=$(DUMB_INIT_TEST_ARCHES=$arches go test -count=1 -timeout 10m -run "$tests" . 2>&1)
	rc=$?
	[ $rc -ne 0 ] && grep -q 'did not exit within' <<<"$out" || break
	echo "test-arches: entry tests: try $try timed out under qemu, retrying"
done
if [ $rc -eq 0 ]; then
	echo "test-arches: entry code of $arches: ok"
else
	echo "test-arches: entry code of $arches: FAILED:"
	echo "$out"
	failed=1
fi
exit $failed
