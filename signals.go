package main

import (
	"syscall"
)

// Signals above maxSig are real-time signals. 32 and 33 are never caught:
// glibc cannot block them, so the C program dies of them (default action),
// and so does this one. The Go runtime uses 33 only for syscalls the init
// never makes (setuid and friends).
const (
	sigCancel = 32
	sigSetxid = 33
	maxRTSig  = 64
)

// signals is what catchSignals set up: the actions the child must take
// over before it execs the command.
type signals struct {
	// childActions[s] is set in the child for each s in childSets; the
	// others it keeps as they are.
	childActions [maxRTSig + 1]kernelSigaction
	childSets    [maxRTSig + 1]bool
}

// catchSignals takes over every signal dumb-init forwards or acts on: it
// blocks them on this thread, as the C program blocks them all before it
// sigwaits, and gives them the handler that blocks them on any other thread
// that takes one (sighandler.go, threads.go). catchURG is false when the
// runtime may send SIGURG itself (asynchronous preemption is on, see
// preempt.go): then SIGURG is left to the runtime and never forwarded,
// rather than forwarding one nobody sent.
func catchSignals(catchURG bool) *signals {
	sigs := &signals{}
	// All of it before the first handler runs, which reads it.
	sigBlock = waitedSignals(catchURG)
	sigSelf = int32(syscall.Getpid())
	for _, s := range faultSignals {
		if h := getAction(int(s)).handler; h != sigDFL && h != sigIGN {
			sigChain[s] = h
		}
	}

	// The runtime's own action for SIGSEGV has the flags, mask and (on
	// amd64) restorer every handler here needs: SA_ONSTACK above all, as a
	// goroutine's stack has no room for a signal frame.
	handler, nop := handlerPCs()
	catch := getAction(int(syscall.SIGSEGV))
	catch.handler = handler
	childNop := catch
	childNop.handler = nop

	for s := 1; s <= maxRTSig; s++ {
		if s == int(syscall.SIGKILL) || s == int(syscall.SIGSTOP) || s == sigCancel {
			continue
		}
		if s == sigSetxid {
			setAction(s, &kernelSigaction{handler: sigDFL})
			continue
		}
		old := getAction(s)

		// The C child inherits the parent's do-nothing handlers for 1..31
		// (so a signal that reaches it before exec is lost, and exec resets
		// them to default) and the inherited action for the others. The
		// child must keep neither our handler nor the runtime's, which
		// would run on our memory: for those, default is the best guess.
		sigs.childSets[s] = true
		switch {
		case s <= maxSig:
			sigs.childActions[s] = childNop
		case old.handler == sigDFL || old.handler == sigIGN:
			sigs.childActions[s] = old
		}

		if sigBlock&(1<<(s-1)) != 0 {
			setAction(s, &catch)
		}
	}
	blockHere()
	return sigs
}

// waitedSignals is the set the loop waits for, as a kernel sigset: every
// signal but SIGKILL and SIGSTOP, which cannot be caught, 32 and 33, which
// glibc does not let the C program block, and SIGURG unless catchURG.
func waitedSignals(catchURG bool) uint64 {
	var set uint64
	for s := 1; s <= maxRTSig; s++ {
		switch {
		case s == int(syscall.SIGKILL) || s == int(syscall.SIGSTOP) || s == sigCancel || s == sigSetxid:
		case s == int(syscall.SIGURG) && !catchURG:
		default:
			set |= 1 << (s - 1)
		}
	}
	return set
}

// faultSignals are the signals the kernel raises for a fault in the code
// that receives them.
var faultSignals = [...]syscall.Signal{
	syscall.SIGILL, syscall.SIGTRAP, syscall.SIGBUS, syscall.SIGFPE,
	syscall.SIGSEGV, syscall.SIGSYS,
}

// proxy is the running init: the child and what to do with each signal.
type proxy struct {
	cfg   *config
	ext   *extensions
	w     *stderr
	child int
	// handOff[s] drops the first SIGHUP and SIGCONT: the kernel sends them
	// to us when we give up the terminal as session leader.
	handOff [maxSig + 1]bool

	fix   fixer     // every thread blocks the waited signals (threads.go)
	info  [128]byte // the siginfo of the signal taken last (sigwait.go)
	early int       // a signal taken before its turn, 0 if none (sigwait.go)

	// Known only when an extension needs them (no system call otherwise).
	self int  // our PID
	pid1 bool // we are the init of a PID namespace

	// DUMB_INIT_DELAY: held[s] is when the held signal s is handled
	// (runtime.nanotime), 0 if s is not held (see delay.go).
	held [maxRTSig + 1]int64

	// Once the child has exited (see grace.go).
	exited   bool
	status   int            // the child's
	termsig  syscall.Signal // the signal that ended the child, 0 if it exited
	failed   []byte         // [0] != 0: the child never ran the command, its status is our own error
	graceEnd int64          // when the grace period ends (runtime.nanotime)
	killing  bool           // the grace period is over
	scan     procScan
}

// loop handles signals one at a time, forever, as the C program's sigwait
// loop does; the process ends in reap when the child has exited. The kernel
// keeps the signals pending until the loop takes the next one, in its own
// order: the synchronous signals (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE,
// SIGSYS) first, then the lowest number; standard signals merged while
// pending, real-time ones queued.
func (p *proxy) loop() {
	for {
		p.fix.fixThreads()
		sig := p.next()
		p.expire()
		if sig != 0 {
			p.handle(sig)
		}
	}
}

// nextDue is the earliest time (runtime.nanotime) at which a timer of the
// extensions fires, or 0 if none is set.
func (p *proxy) nextDue() int64 {
	return earliest(p.nextHeld(), p.graceDue())
}

// expire does what is due by now.
func (p *proxy) expire() {
	if p.nextDue() == 0 {
		return
	}
	now := nanotime()
	p.releaseHeld(now)
	p.graceOver(now)
}

func earliest(a, b int64) int64 {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

func (p *proxy) handle(sig int) {
	p.w.debugf("Received signal %d.", sig)
	switch {
	case sig <= maxSig && p.handOff[sig]:
		p.handOff[sig] = false
		p.w.debugf("Ignoring tty hand-off signal %d.", sig)
	case sig == int(syscall.SIGCHLD):
		p.reap()
	case p.ext.delay[sig] != 0 && !p.exited:
		p.hold(sig)
	default:
		p.act(sig)
	}
}

// act forwards sig and, for the terminal's stop signals, stops dumb-init
// too (the kernel ignores that for the init of a PID namespace).
func (p *proxy) act(sig int) {
	p.forward(sig)
	if sig == int(syscall.SIGTSTP) || sig == int(syscall.SIGTTOU) || sig == int(syscall.SIGTTIN) {
		p.w.debugf("Suspending self due to TTY signal.")
		syscall.Kill(syscall.Getpid(), syscall.SIGSTOP)
	}
}

// forward sends sig, after the rewrite table, to the child's process group
// in setsid mode or to the child alone; during a grace period also to every
// other process left.
func (p *proxy) forward(sig int) {
	if sig >= 1 && sig <= maxSig && p.cfg.rewrite[sig] != -1 {
		to := p.cfg.rewrite[sig]
		p.w.debugf("Translating signal %d to %d.", sig, to)
		sig = to
	}
	if sig == 0 {
		p.w.debugf("Not forwarding signal %d to children (ignored).", sig)
		return
	}
	// During a grace period the child is long gone: in single-child mode
	// its pid may belong to another process by now. (A process group's
	// number is not reused while the group has members.)
	if !p.inGrace() || p.cfg.setsid {
		target := p.child
		if p.cfg.setsid {
			target = -p.child
		}
		syscall.Kill(target, syscall.Signal(sig)) // errors ignored, as in C
		p.w.debugf("Forwarded signal %d to children.", sig)
	}
	if p.exited && p.ext.grace > 0 {
		p.signalRest(sig)
	}
}
