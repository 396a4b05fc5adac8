#!/bin/bash
# The whole test suite: format and vet, the Go tests (the init's unit tests
# at the root; in test/ the black-box suites: front end against the C
# oracle, integration as PID 1 and as a plain child, differential), the
# same black-box tests for the other architectures under qemu-user (against
# their own C dumb-init), each architecture's release build as PID 1 of its
# own kernel (qemu-system), a short fuzzing run, the release build and its
# checks, the container scenarios, and pods of the release's image under a
# real kubelet and containerd. Needs root and the packages scripts/deps.sh
# installs (and the kubelet it builds).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
scripts/deps.sh || exit 1

passed=0
failed=0
failures=()
step() {
	local name=$1
	shift
	echo "=== $name: $*"
	local start=$SECONDS
	if "$@"; then
		passed=$((passed + 1))
		echo "=== $name: ok ($((SECONDS - start)) s)"
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "=== $name: FAILED ($((SECONDS - start)) s)"
	fi
}

gofmt_clean() {
	local out
	out=$(gofmt -l . 2>&1)
	[ -z "$out" ] || { echo "gofmt needed: $out"; return 1; }
}

step gofmt gofmt_clean
step vet go vet ./...
step go-test go test -count=1 -timeout 20m ./...
step arches scripts/test-arches.sh
step vms scripts/test-vms.sh
# An execution count, not a duration: go1.26's fuzz coordinator can report
# "context deadline exceeded" with no failing input when a -fuzztime
# duration ends under load (golang/go#75804, fixed in Go 1.27). About 20 s
# here; -timeout bounds a slow machine.
step fuzz go test -run '^$' -fuzz '^FuzzFrontEnd$' -fuzztime 4000x -timeout 10m ./test
if [ -f packaging/go.mod ]; then
	step packaging-vet sh -c 'cd packaging && go vet ./...'
fi
if [ -x scripts/test-release.sh ]; then
	step release scripts/test-release.sh
fi
if [ -x scripts/test-containers.sh ]; then
	step containers scripts/test-containers.sh
fi
# After the release step: its pods run the image in dist/.
if [ -x scripts/test-kubernetes.sh ]; then
	step kubernetes scripts/test-kubernetes.sh
fi

echo
[ ${#failures[@]} -eq 0 ] || echo "failed steps: ${failures[*]}"
echo "test.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
