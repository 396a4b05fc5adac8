package main

import (
	"os"
	"testing"
	"time"
)

// The unit tests of the init's internals. The black-box suites, which run
// the built binary as a process, are in test/.

// scenarioDeadline bounds a scenario run in a child process; generous,
// as under qemu-user every instruction is translated.
const scenarioDeadline = 60 * time.Second

func TestMain(m *testing.M) {
	// A copy of this test binary, started by TestSignalHandlerAndVfork (or
	// by scripts/test-arches.sh under qemu-user), runs the handler scenario
	// as its whole process.
	if v := os.Getenv("DUMB_INIT_TEST_HANDLER"); v == "1" || v == "qemu" {
		os.Exit(handlerScenario(v == "qemu"))
	}
	os.Exit(m.Run())
}
