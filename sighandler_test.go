package main

import (
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The signal handler and the vfork are assembly, one file per architecture.
// handlerScenario exercises both from inside a process whose signal
// handling it takes over, so it runs in a copy of the test binary started
// with DUMB_INIT_TEST_HANDLER=1 (scripts/test-arches.sh runs the same copy
// for arm64, ppc64le and s390x under qemu-user). It prints "handler ok" and
// exits 0, or says what failed and exits 1.
func TestSignalHandlerAndVfork(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DUMB_INIT_TEST_HANDLER=1")
	done := make(chan struct{})
	var out []byte
	var err error
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(itDeadline):
		cmd.Process.Kill()
		<-done
		t.Fatalf("scenario hung; output:\n%s", out)
	}
	if err != nil || !strings.HasSuffix(string(out), "handler ok\n") {
		t.Fatalf("scenario failed (%v); output:\n%s", err, out)
	}
	for _, want := range []string{"[dumb-init] setsid complete.\n", "[dumb-init] /does/not/exist: No such file or directory\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the child did not print %q; output:\n%s", want, out)
		}
	}
}

func handlerScenario() int {
	fail := func(what string, args ...int) int {
		w := &stderr{}
		w.printf("handler scenario: "+what, args...)
		return 1
	}
	sigs, e := catchSignals(false)
	if e != 0 {
		return fail("catchSignals: errno %d", int(e))
	}

	// Signals sent by a process, fault signals included, arrive in the
	// pipe as their number. (Not 64: qemu-user cannot deliver it.)
	for _, s := range []int{11, 10, 7, 4, 8, 5, 31, 27, 34, 40, 60, 1, 2, 15} {
		syscall.Kill(syscall.Getpid(), syscall.Signal(s))
		if got := readSignal(sigs.pipe); got != s {
			return fail("sent signal %d, the pipe gave %d", s, got)
		}
	}

	// The handler counts every arrival, each queued real-time signal on
	// its own, also when the pipe that wakes the main loop is full (the
	// kernel can deliver more at once than a pipe holds).
	for s := range sigCounts {
		atomic.StoreUint32(&sigCounts[s], 0)
	}
	full := make([]byte, 4096)
	for {
		if n, _ := syscall.Write(int(sigPipe), full); n <= 0 {
			break
		}
	}
	for i := 0; i < 100; i++ {
		syscall.Kill(syscall.Getpid(), 40)
	}
	syscall.Kill(syscall.Getpid(), syscall.SIGUSR2)
	for wait := 500; wait > 0; wait-- {
		if atomic.LoadUint32(&sigCounts[40]) == 100 && atomic.LoadUint32(&sigCounts[12]) == 1 {
			break
		}
		syscall.Nanosleep(&syscall.Timespec{Nsec: 10e6}, nil)
	}
	if n40, n12 := atomic.LoadUint32(&sigCounts[40]), atomic.LoadUint32(&sigCounts[12]); n40 != 100 || n12 != 1 {
		return fail("with the pipe full, counted signal 40 %d times (sent 100) and SIGUSR2 %d times (sent 1)", int(n40), int(n12))
	}
	syscall.SetNonblock(sigs.pipe, true)
	for {
		if n, _ := syscall.Read(sigs.pipe, full); n <= 0 {
			break
		}
	}
	syscall.SetNonblock(sigs.pipe, false)

	// A real fault in Go code still reaches the runtime, which turns it
	// into a panic.
	if !faultRecovered() {
		return fail("a nil dereference was not recovered")
	}

	// The vfork'd child runs the command and reports exec errors.
	run := func(cmd ...string) int {
		cfg := &config{cmd: cmd, setsid: true}
		pid, _, e := spawn(cfg, environ(), true, sigs, childStart{dir: -1, errno: syscall.EINVAL})
		if e != 0 {
			return -int(e)
		}
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
		return ws.ExitStatus()
	}
	if got := run("/bin/sh", "-c", "exit 7"); got != 7 {
		return fail("sh -c 'exit 7' exited %d", got)
	}
	if got := run("/does/not/exist"); got != 2 {
		return fail("a missing command exited %d, want 2", got)
	}
	w := &stderr{}
	w.writeString("handler ok\n")
	return 0
}

// readSignal returns the next number from the pipe, or -1 after 5 s.
func readSignal(fd int) int {
	var set syscall.FdSet
	set.Bits[fd/64] |= 1 << (uint(fd) % 64)
	tv := syscall.Timeval{Sec: 5}
	if n, err := syscall.Select(fd+1, &set, nil, nil, &tv); err != nil || n != 1 {
		return -1
	}
	var b [1]byte
	if n, _ := syscall.Read(fd, b[:]); n != 1 {
		return -1
	}
	return int(b[0])
}

//go:noinline
func faultRecovered() (ok bool) {
	defer func() { ok = recover() != nil }()
	var p *int
	*p = 1
	return false
}
