#!/bin/bash
# A longer campaign of the randomized differential (test/random_test.go):
# CASES random cases (default 5000) under ours and under Debian's C
# dumb-init, and as many with the extensions' variables set at random,
# from SEED (default: the clock). It prints the seeds, how many cases ran
# per second, and on a difference the seed and the smallest case that
# still shows it. ARCH (arm64, ppc64le, s390x) runs them under qemu-user
# against that architecture's C, as scripts/test-arches.sh does.
# Needs root and what scripts/deps.sh installs.
#   usage: [CASES=N] [SEED=N] [ARCH=arm64] scripts/test-random.sh
set -u -o pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
cases=${CASES:-5000}
seed=${SEED:-$(date +%s)}
echo "test-random: $cases cases per mode from seed $seed${ARCH:+ under qemu-user ($ARCH)}"
start=$(date +%s)
DUMB_INIT_TEST_CASES=$cases DUMB_INIT_TEST_SEED=$seed DUMB_INIT_TEST_ARCH=${ARCH:-} \
	go test -count=1 -timeout 0 -v -run '^TestRandom(Differential|Extensions)$' ./test 2>&1 |
	grep -v '^=== \(RUN\|PAUSE\|CONT\)'
status=$?
echo "test-random: $((2 * cases)) cases in $(($(date +%s) - start)) s"
exit $status
