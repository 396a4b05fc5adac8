#!/bin/bash
# The init's assembly (signal handler, vfork) for arm64, ppc64le and s390x:
# cross-compiles the test binary and runs its handler scenario
# (sighandler_test.go) under qemu-user. amd64 runs it in `go test`.
# qemu-user can deadlock when a Go program forks; a run that times out is
# retried, up to 3 tries.
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
exit $failed
