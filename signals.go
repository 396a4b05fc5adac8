package main

import "syscall"

// These signals cannot be received by Go code: the runtime leaves 32 and 34
// to libc (their default action would kill us; giving them the runtime's
// handler does not help, as it kills the process for any signal it does not
// know it handles), uses 33 for its own per-thread system calls, and keeps
// SIGPROF for its profiler. See README, "Deliberate differences".
const (
	sigLibc32    = 32
	sigRuntime33 = 33
	sigLibc34    = 34
	maxRTSig     = 64
)

// catchSignals makes the runtime queue, for signalRecv, every signal that
// dumb-init forwards or acts on. The C program blocks them all and sigwaits.
func catchSignals() {
	for s := 1; s <= maxRTSig; s++ {
		switch s {
		case int(syscall.SIGKILL), int(syscall.SIGSTOP), sigRuntime33:
		case sigLibc32, sigLibc34:
			setDisposition(s, sigIGN) // never die of them; see README
		default:
			signalEnable(uint32(s))
		}
	}
}

// proxy is the running init: the child and what to do with each signal.
type proxy struct {
	cfg   *config
	w     *stderr
	child int
	// handOff[s] drops the first SIGHUP and SIGCONT: the kernel sends them
	// to us when we give up the terminal as session leader.
	handOff [maxSig + 1]bool
}

// loop handles signals one at a time, forever; the process ends in reap
// when the child has exited.
func (p *proxy) loop() {
	for {
		p.handle(int(signalRecv()))
	}
}

func (p *proxy) handle(sig int) {
	if sig == int(syscall.SIGPIPE) && p.w.selfPipes > 0 {
		p.w.selfPipes-- // raised by our own write to a dead stderr
		return
	}
	p.w.debugf("Received signal %d.", sig)
	switch {
	case sig <= maxSig && p.handOff[sig]:
		p.handOff[sig] = false
		p.w.debugf("Ignoring tty hand-off signal %d.", sig)
	case sig == int(syscall.SIGCHLD):
		p.reap()
	default:
		p.forward(sig)
		if sig == int(syscall.SIGTSTP) || sig == int(syscall.SIGTTOU) || sig == int(syscall.SIGTTIN) {
			p.w.debugf("Suspending self due to TTY signal.")
			syscall.Kill(syscall.Getpid(), syscall.SIGSTOP)
		}
	}
}

// forward sends sig, after the rewrite table, to the child's process group
// in setsid mode or to the child alone.
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
	target := p.child
	if p.cfg.setsid {
		target = -p.child
	}
	syscall.Kill(target, syscall.Signal(sig)) // errors ignored, as in C
	p.w.debugf("Forwarded signal %d to children.", sig)
}
