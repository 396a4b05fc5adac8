#!/bin/bash
# The other architectures the release ships (arm64, ppc64le, s390x), under
# qemu-user, each on its own:
#  1. the handler scenario of the root package's test binary cross-compiled
#     for it (signal handler and vfork, sighandler_test.go);
#  2. the black-box suite of test/, every test that runs the built binary
#     (test/integration_qemu_test.go): the release build of that architecture
#     against Debian's C dumb-init of the same architecture, both under
#     qemu-user (scripts/deps.sh unpacks the C one). What qemu-user cannot
#     express is skipped, each with its reason, which is printed here.
# An architecture that fails names itself and shows the failing tests'
# output (the lines that differ). Nothing is retried: a failure is a bug,
# of ours or of qemu-user, with a cause to find.
# ARCHES (default "arm64 ppc64le s390x") picks some of them.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The tests of test/ that do not run the built binary (the build itself,
# the tree's links, the fuzzing seeds): they ran natively already.
native='^(TestReleaseBinarySizeCeiling|TestInitLinksOnlyRuntimeAndSyscall|TestNothingPointsOutsideTheTree|TestDocLinksResolve|FuzzFrontEnd)$'

if ! go test -c -o "$tmp/blackbox.test" ./test; then
	echo "test-arches: the black-box test binary does not build"
	exit 1
fi
failed=()
for goarch in ${ARCHES:-arm64 ppc64le s390x}; do
	ok=1
	case $goarch in
	arm64) qemu=qemu-aarch64-static ;;
	*) qemu=qemu-$goarch-static ;;
	esac
	start=$SECONDS
	if ! command -v "$qemu" >/dev/null; then
		echo "test-arches: $goarch: $qemu not found (scripts/deps.sh installs it)"
		failed+=("$goarch")
		continue
	fi
	if ! CGO_ENABLED=0 GOARCH=$goarch go test -c -o "$tmp/$goarch.test" .; then
		echo "test-arches: $goarch: the test binary does not build"
		failed+=("$goarch")
		continue
	fi
	out=$(DUMB_INIT_TEST_HANDLER=qemu timeout -k 5 60 "$qemu" "$tmp/$goarch.test" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ "${out##*$'\n'}" = "handler ok" ]; then
		echo "test-arches: $goarch: handler scenario ok"
	else
		echo "test-arches: $goarch: handler scenario FAILED (exit $rc):"
		echo "$out"
		ok=
	fi

	# test2json: the counts and each failing test's own output, whatever
	# ran in parallel with it.
	# In test/, where go test would run it.
	(cd test && DUMB_INIT_TEST_ARCH=$goarch "$tmp/blackbox.test" -test.count=1 -test.timeout 15m \
		-test.skip "$native" -test.v=test2json) >"$tmp/$goarch.out" 2>&1
	rc=$?
	go tool test2json -t <"$tmp/$goarch.out" >"$tmp/$goarch.json"
	python3 scripts/test-arches-report.py "$goarch" "$((SECONDS - start))" "$rc" <"$tmp/$goarch.json" || ok=
	[ -n "$ok" ] || failed+=("$goarch")
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "test-arches: FAILED: ${failed[*]}"
	exit 1
fi
echo "test-arches: ok"
