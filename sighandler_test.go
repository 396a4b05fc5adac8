package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// How the init takes signals (signals.go, threads.go) and starts its child
// is assembly, one file per architecture, and system calls that change the
// whole process. handlerScenario exercises them from inside a process whose
// signal handling it takes over, so it runs in a copy of the test binary
// started with DUMB_INIT_TEST_HANDLER=1 (scripts/test-arches.sh runs the
// same copy for arm64, ppc64le and s390x under qemu-user, with
// DUMB_INIT_TEST_HANDLER=qemu). It prints "handler ok" and exits 0, or says
// what failed and exits 1.
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
	fail := func(format string, args ...any) int {
		w := &stderr{}
		w.writeString("handler scenario: " + fmt.Sprintf(format, args...) + "\n")
		return 1
	}
	sigs := catchSignals(false)
	p := &proxy{w: &stderr{}}

	// Every thread blocks what the loop waits for once fixThreads returns,
	// before its one-second limit.
	start := time.Now()
	p.fix.fixThreads()
	if n := threadCount(); p.fix.n < n {
		return fail("fixThreads counted %d threads that block the waited signals, of %d", p.fix.n, n)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		return fail("fixThreads took %v", d)
	}
	if !qemu { // there /proc shows qemu's own threads and masks
		if bad := threadsNotBlocking(); bad != "" {
			return fail("after fixThreads: %s", bad)
		}
	}

	// Signals that wait together are taken in the kernel's order: the
	// synchronous ones first, then the lowest; standard signals merged,
	// real-time ones queued. (Under qemu-user not the real-time signals
	// 63 and 64, which it cannot deliver, nor SIGSEGV, SIGBUS, SIGILL and
	// SIGFPE, which qemu-user 7.2 itself crashes on now and then when kill
	// sends one.)
	sent := []int{40, 10, 3, 31, 11, 60, 40, 7, 2, 10, 34, 8, 4, 5, 15, 17, 18, 20, 62, 1, 40, 64}
	if qemu {
		sent = []int{40, 10, 3, 31, 60, 40, 2, 10, 34, 5, 15, 17, 18, 20, 62, 1, 40}
	}
	for _, s := range sent {
		syscall.Kill(syscall.Getpid(), syscall.Signal(s))
	}
	if got, want := takeAll(p), kernelOrder(sent); !slices.Equal(got, want) {
		return fail("sent %v, took %v; want %v", sent, got, want)
	}

	// A thread that lets the signals through (as one the runtime starts
	// later does) blocks them once it has taken one, and puts it back for
	// the loop. Its faults still reach the runtime, as a panic.
	if got := strayThread(); got != "" {
		return fail("%s", got)
	}
	if got := takeAll(p); !slices.Equal(got, []int{12}) {
		return fail("the stray thread's SIGUSR2: took %v, want [12]", got)
	}

	// The fix signal is the init's own, and so is the SIGPIPE its own
	// write raises (on the writing thread: the loop's, here); queued by
	// someone else, SIGSTKFLT and SIGPIPE are not.
	runtime.LockOSThread()
	queueSignal(int(sigSelf), sigFix, fixValue)
	var fds [2]int
	syscall.Pipe(fds[:])
	syscall.Close(fds[0])
	syscall.Write(fds[1], []byte("x"))
	syscall.Close(fds[1])
	if got := takeAll(p); len(got) != 0 {
		return fail("own fix signal and SIGPIPE: took %v, want nothing", got)
	}
	runtime.UnlockOSThread()
	queueSignal(int(sigSelf), sigFix, 0)
	queueSignal(int(sigSelf), int(syscall.SIGPIPE), 0)
	if got := takeAll(p); !slices.Equal(got, []int{13, 16}) {
		return fail("queued SIGSTKFLT and SIGPIPE: took %v, want [13 16]", got)
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
			return fail("sh -c 'exit 7' exited %d (failed to run: %v)", got, failed)
		}
	}
	if got, failed := run(true, "/does/not/exist"); got != 2 || !failed {
		return fail("a missing command exited %d, want 2 (failed to run: %v, want true)", got, failed)
	}
	// The fork gave its thread the runtime's mask back for a moment.
	p.fix.fixThreads()
	if !qemu {
		if bad := threadsNotBlocking(); bad != "" {
			return fail("after the vfork: %s", bad)
		}
	}
	takeAll(p) // the children's SIGCHLDs
	w := &stderr{}
	w.writeString("handler ok\n")
	return 0
}

// kernelOrder is the order in which the kernel hands over sent, all pending
// at once: SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE and SIGSYS first, lowest
// first among them, then the rest lowest first; a standard signal once, a
// real-time one as often as it was sent; and, as each arrives, SIGCONT
// discards the stop signals pending and a stop signal SIGCONT.
// (kernel/signal.c: next_signal, SYNCHRONOUS_MASK, prepare_signal; the
// numbers are the same on all four architectures.)
func kernelOrder(sent []int) []int {
	sync := map[int]bool{4: true, 5: true, 7: true, 8: true, 11: true, 31: true}
	count := map[int]int{}
	for _, s := range sent {
		switch s {
		case 18:
			for _, stop := range []int{19, 20, 21, 22} {
				delete(count, stop)
			}
		case 19, 20, 21, 22:
			delete(count, 18)
		}
		if s > 31 || count[s] == 0 {
			count[s]++
		}
	}
	var order []int
	for _, pass := range []bool{true, false} {
		for s := 1; s <= 64; s++ {
			if sync[s] == pass {
				for n := count[s]; n > 0; n-- {
					order = append(order, s)
				}
			}
		}
	}
	return order
}

// takeAll takes what is pending, as the loop does, until nothing is: each
// signal sent here is pending once kill or tgkill has returned, or, if a
// thread the runtime started meanwhile took it, back in the queue once
// fixThreads has returned.
func takeAll(p *proxy) []int {
	var got []int
	for {
		p.fix.fixThreads()
		p.held[1] = nanotime() // a held signal due now: next does not wait
		sig := p.next()
		p.held[1] = 0
		if sig != 0 {
			got = append(got, sig)
			continue
		}
		p.fix.fixThreads()
		var pending uint64
		syscall.RawSyscall(syscall.SYS_RT_SIGPENDING, uintptr(unsafe.Pointer(&pending)), 8, 0)
		if pending&sigBlock == 0 {
			return got
		}
	}
}

// threadsNotBlocking says which threads of this process let a waited
// signal through, or "".
func threadsNotBlocking() string {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err.Error()
	}
	var bad []string
	for _, task := range tasks {
		status, err := os.ReadFile("/proc/self/task/" + task.Name() + "/status")
		if err != nil {
			continue // gone
		}
		for _, line := range strings.Split(string(status), "\n") {
			var mask uint64
			if _, err := fmt.Sscanf(line, "SigBlk: %x", &mask); err == nil && mask&sigBlock != sigBlock {
				bad = append(bad, fmt.Sprintf("thread %s blocks %x, not all of %x", task.Name(), mask, sigBlock))
			}
		}
	}
	return strings.Join(bad, "; ")
}

// strayThread lets the waited signals through on a thread of its own, as
// a thread the runtime starts does, and sends that thread SIGUSR2: the
// handler must block them there and put the signal back into the process's
// queue. It says what went wrong, or "".
func strayThread() string {
	result := make(chan string)
	go func() {
		runtime.LockOSThread() // ends with the goroutine, and so does the thread
		unblockAllSignals()
		if !faultRecovered() {
			result <- "a nil dereference on a thread that lets faults through was not recovered"
			return
		}
		acks := atomic.LoadUint32(&sigAcks)
		tid := syscall.Gettid()
		syscall.Tgkill(syscall.Getpid(), tid, syscall.SIGUSR2)
		// (qemu-user has no host signal for 63 and 64: it never blocks them.)
		if after := blockSignals(0); after&sigBlock|3<<62 != sigBlock|3<<62 {
			result <- fmt.Sprintf("after its handler ran, the thread blocks %x, not all of %x", after, sigBlock)
			return
		}
		if atomic.LoadUint32(&sigAcks) == acks || !slices.Contains(sigFixed[:], int32(tid)) {
			result <- "the handler did not record its thread"
			return
		}
		result <- ""
	}()
	return <-result
}

//go:noinline
func faultRecovered() (ok bool) {
	defer func() { ok = recover() != nil }()
	var p *int
	*p = 1
	return false
}

// The set the loop waits for: all but what cannot be caught and glibc's
// own two, and SIGURG only when the runtime never sends it.
func TestWaitedSignals(t *testing.T) {
	for _, catchURG := range []bool{true, false} {
		set := waitedSignals(catchURG)
		for s := 1; s <= 64; s++ {
			want := s != 9 && s != 19 && s != 32 && s != 33 && (s != 23 || catchURG)
			if got := set&(1<<(s-1)) != 0; got != want {
				t.Errorf("catchURG=%v: signal %d waited for: %v, want %v", catchURG, s, got, want)
			}
		}
	}
	if sigFix != int(syscall.SIGSTKFLT) {
		t.Errorf("the fix signal is %d, not SIGSTKFLT, which the runtime unblocks on every thread", sigFix)
	}
}
