package main

import (
	"syscall"
	"unsafe"
)

// What happens once the child has exited. Without DUMB_INIT_GRACE, as in C:
// SIGTERM (through the rewrite table) to what is left of the child's group,
// and exit at once. With it, that signal also goes to every other process
// left (as PID 1 all of the namespace, otherwise our descendants, which come
// to us as a subreaper), and dumb-init keeps forwarding and reaping until no
// child is left or the grace period is over; then it SIGKILLs the rest,
// reaps it and exits. The exit status is the child's, after
// DUMB_INIT_EXIT_REMAP.

// childExited is called when the child has been reaped.
func (p *proxy) childExited(status int, ws syscall.WaitStatus) {
	p.exited, p.status = true, status
	if ws.Signaled() {
		p.termsig = ws.Signal()
		if p.ext.report {
			p.report(ws.CoreDump())
		}
	}
	p.dropHeld()
	p.forward(int(syscall.SIGTERM))
	if p.ext.grace == 0 {
		p.exit()
	}
	p.graceEnd = nanotime() + p.ext.grace
	p.w.debugf("Waiting up to " + p.ext.graceText + " s for the processes left to exit.")
}

// inGrace reports whether the grace period has begun (the exit-time
// SIGTERM has been sent).
func (p *proxy) inGrace() bool {
	return p.graceEnd != 0
}

// graceDue is when the grace period ends, 0 if none is running.
func (p *proxy) graceDue() int64 {
	if p.killing {
		return 0
	}
	return p.graceEnd // 0 until the child has exited and a grace period began
}

// graceOver kills what is left once the grace period has run out.
func (p *proxy) graceOver(now int64) {
	if due := p.graceDue(); due == 0 || now < due {
		return
	}
	p.killing = true
	p.w.debugf("Grace period of " + p.ext.graceText + " s over: killing the processes left.")
	if !p.pid1 && !p.scan.ours(p.self) {
		p.exit() // they cannot be found, so they cannot be waited for
	}
	p.killRest()
}

// nothingLeft is called when dumb-init has no child left to reap.
func (p *proxy) nothingLeft() {
	if p.exited {
		p.w.debugf("No child left.")
		p.exit()
	}
}

// exit ends dumb-init with the child's status, remapped unless it is our
// own error (the command could not be run), or with DUMB_INIT_EXIT_SIGNAL
// by the signal that ended the child.
func (p *proxy) exit() {
	code := p.status
	if !p.failed {
		code = p.ext.exitStatus(p.status)
	}
	if code != p.status {
		p.w.debugf("Remapping exit status %d to %d.", p.status, code)
	}
	p.w.debugf("Child exited with status %d. Goodbye.", p.status)
	p.endBySignal(code)
	syscall.Exit(code)
}

// signalRest sends sig to every process left that the forward to the
// child's group did not reach.
func (p *proxy) signalRest(sig int) {
	if !p.scan.ours(p.self) {
		if p.pid1 {
			// Without our /proc, kill(-1) is the only way to reach them,
			// and the child's group may get sig a second time.
			syscall.Kill(-1, syscall.Signal(sig))
			p.w.debugf("Forwarded signal %d to every other process.", sig)
		} else {
			p.w.debugf("Unable to list the processes left (no /proc of this PID namespace).")
		}
		return
	}
	var left []proc
	if p.pid1 || hasChildren() {
		left = p.scan.others(p.self, p.pid1)
	}
	n := 0
	for _, pr := range left {
		if p.cfg.setsid && pr.pgid == p.child {
			continue // in the child's group: it had sig already
		}
		if syscall.Kill(pr.pid, syscall.Signal(sig)) == nil {
			n++
		}
	}
	p.w.debugf("Forwarded signal %d to %d other processes.", sig, n)
}

// hasChildren reports whether dumb-init has a child left, without reaping
// it. As a subreaper, no child means no descendant: reading all of /proc
// (every process of the machine, when not PID 1) can be skipped.
func hasChildren() bool {
	const pAll, wNoWait = 0, 0x1000000
	var info [128]byte
	_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pAll, 0, uintptr(unsafe.Pointer(&info[0])),
		syscall.WEXITED|syscall.WNOHANG|wNoWait, 0, 0)
	return e != syscall.ECHILD
}

// killRest SIGKILLs every process left. Not as PID 1 it is called again
// after each reap: a process forked while we read /proc comes to us when
// its parent dies.
func (p *proxy) killRest() {
	if p.pid1 {
		syscall.Kill(-1, syscall.SIGKILL)
		return
	}
	for _, pr := range p.scan.others(p.self, false) {
		syscall.Kill(pr.pid, syscall.SIGKILL)
	}
}
