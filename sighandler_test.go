package main

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// The signal handler and the vfork are assembly, one file per architecture.
// handlerScenario exercises both from inside a process whose signal
// handling it takes over, so it runs in a copy of the test binary started
// with DUMB_INIT_TEST_HANDLER=1 (scripts/test-arches.sh runs the same copy
// for arm64, ppc64le and s390x under qemu-user, with DUMB_INIT_TEST_HANDLER=qemu).
// It prints "handler ok" and exits 0, or says what failed and exits 1.
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
	case <-time.After(scenarioDeadline):
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

func handlerScenario(qemu bool) int {
	fail := func(what string, args ...int) int {
		w := &stderr{}
		w.printf("handler scenario: "+what, args...)
		return 1
	}
	sigs := catchSignals(false)

	// Signals sent by a process, fault signals included, are counted
	// under their number and set the wake-up word. (Not 64: qemu-user
	// cannot deliver it. Under qemu-user not SIGSEGV, SIGBUS, SIGILL and
	// SIGFPE either: qemu-user 7.2 itself crashes now and then when kill
	// sends one, about once in 250 runs here, at once in a burst.)
	sent := []int{11, 10, 7, 4, 8, 5, 31, 27, 34, 40, 60, 1, 2, 15}
	if qemu {
		sent = []int{10, 5, 31, 27, 34, 40, 60, 1, 2, 15}
	}
	for _, s := range sent {
		atomic.StoreUint32(&sigWake, 0)
		syscall.Kill(syscall.Getpid(), syscall.Signal(s))
		if !awaitCounts(map[int]uint32{s: 1}) || atomic.LoadUint32(&sigWake) != 1 {
			return fail("sent signal %d once: counted %d times, wake-up word %d",
				s, int(atomic.LoadUint32(&sigCounts[s])), int(atomic.LoadUint32(&sigWake)))
		}
		atomic.StoreUint32(&sigCounts[s], 0)
	}

	// Each queued real-time signal is counted on its own.
	for i := 0; i < 100; i++ {
		syscall.Kill(syscall.Getpid(), 40)
	}
	syscall.Kill(syscall.Getpid(), syscall.SIGUSR2)
	if !awaitCounts(map[int]uint32{40: 100, 12: 1}) {
		return fail("counted signal 40 %d times (sent 100) and SIGUSR2 %d times (sent 1)",
			int(atomic.LoadUint32(&sigCounts[40])), int(atomic.LoadUint32(&sigCounts[12])))
	}
	atomic.StoreUint32(&sigCounts[40], 0)
	atomic.StoreUint32(&sigCounts[12], 0)

	// A signal handled on another thread wakes the loop's futex wait.
	if !wokenByOtherThread() {
		return fail("a futex wait on the wake-up word was not woken by a signal handled on another thread")
	}

	// A real fault in Go code still reaches the runtime, which turns it
	// into a panic.
	if !faultRecovered() {
		return fail("a nil dereference was not recovered")
	}

	// The vfork'd child runs the command and reports exec errors, which
	// the shared page tells the parent about even where vfork is a fork
	// (qemu-user).
	run := func(shared bool, cmd ...string) (int, bool) {
		cfg := &config{cmd: cmd, setsid: true}
		pid, failed, e := spawn(cfg, environ(), true, sigs, childStart{dir: -1, errno: syscall.EINVAL}, shared)
		if e != 0 {
			return -int(e), false
		}
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
		return ws.ExitStatus(), failed[0] != 0
	}
	for _, shared := range []bool{false, true} {
		if got, failed := run(shared, "/bin/sh", "-c", "exit 7"); got != 7 || failed {
			return fail("sh -c 'exit 7' exited %d (failed to run: %d)", got, map[bool]int{true: 1}[failed])
		}
	}
	if got, failed := run(true, "/does/not/exist"); got != 2 || !failed {
		return fail("a missing command exited %d, want 2 (failed to run: %d, want 1)", got, map[bool]int{true: 1}[failed])
	}
	w := &stderr{}
	w.writeString("handler ok\n")
	return 0
}

// awaitCounts waits up to 5 s until sigCounts holds exactly want.
func awaitCounts(want map[int]uint32) bool {
	for wait := 500; wait > 0; wait-- {
		ok := true
		for s, n := range want {
			ok = ok && atomic.LoadUint32(&sigCounts[s]) == n
		}
		if ok {
			return true
		}
		syscall.Nanosleep(&syscall.Timespec{Nsec: 10e6}, nil)
	}
	return false
}

// wokenByOtherThread has this thread, with SIGUSR1 blocked, wait on the
// wake-up word as the main loop does, while another thread sends SIGUSR1
// to the process once this one sleeps: the kernel delivers it to a thread
// that does not block it, whose handler must wake this one.
func wokenByOtherThread() bool {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	usr1 := uint64(1) << (syscall.SIGUSR1 - 1)
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&usr1)), 0, 8, 0, 0)
	defer unblockAllSignals()
	atomic.StoreUint32(&sigWake, 0)
	tid := syscall.Gettid()
	go func() {
		// Once the waiting thread sleeps, or after 5 s anyway (then the
		// wait below may see the word set already: still a pass).
		stat := "/proc/self/task/" + itoa(tid) + "/stat"
		for i := 0; i < 500 && !sleeping(stat); i++ {
			syscall.Nanosleep(&syscall.Timespec{Nsec: 10e6}, nil)
		}
		syscall.Kill(syscall.Getpid(), syscall.SIGUSR1)
	}()
	ts := syscall.Timespec{Sec: 5}
	_, _, e := syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&sigWake)), 128 /* FUTEX_WAIT_PRIVATE */, 0,
		uintptr(unsafe.Pointer(&ts)), 0, 0)
	return e != syscall.ETIMEDOUT && atomic.LoadUint32(&sigWake) == 1 && awaitCounts(map[int]uint32{10: 1})
}

// sleeping reports whether the task whose stat file this is sleeps (S).
func sleeping(stat string) bool {
	var r procScan
	b := r.read(stat)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ')' {
			return i+2 < len(b) && b[i+2] == 'S'
		}
	}
	return false
}

//go:noinline
func faultRecovered() (ok bool) {
	defer func() { ok = recover() != nil }()
	var p *int
	*p = 1
	return false
}
