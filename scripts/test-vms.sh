#!/bin/sh
# Each release build as PID 1 of its own architecture's Debian kernel,
# under qemu-system, against Debian's C dumb-init of that architecture
# booted the same way (test/vms_test.go; the scenario is test/vm/scenario.sh).
# The packages come from scripts/deps.sh. Arguments: the architectures
# (GOARCH names), all four by default.
set -eu
cd "$(dirname "$0")/.."
DUMB_INIT_TEST_VMS=${*:-all} exec go test -count=1 -timeout 30m -v -run '^TestVMs$' ./test
