package main

import (
	"syscall"
	"unsafe"
)

// next takes the next signal as the C program's sigwait does: the one the
// kernel hands over first, waiting until one is pending or the next delayed
// signal or the end of the grace period is due. It returns 0 for a timer,
// and for the signals that are dumb-init's own: the fix signal
// (threads.go), and a SIGPIPE its own write to a dead stderr raised (SI_USER
// from our PID, which dumb-init otherwise never sends itself).
//
// A thread the runtime started while the loop waited may have taken a
// signal before the loop took its own (sighandler.go puts it back). If so,
// once every thread blocks the waited signals again, the signal the loop
// took waits in p.early until none in the kernel's queue comes before it.
func (p *proxy) next() int {
	for {
		if p.early == 0 {
			sig := p.take(sigBlock, p.timeout())
			if sig <= 0 {
				return 0
			}
			if threadCount() <= p.fix.threads {
				return sig
			}
			p.fix.fixThreads()
			p.early = sig
		}
		if first := firstPending(); first != 0 && before(first, p.early) {
			zero := syscall.Timespec{}
			if sig := p.take(1<<(first-1), &zero); sig > 0 {
				return sig
			}
			continue
		}
		sig := p.early
		p.early = 0
		return sig
	}
}

// timeout is how long next may wait: until the next timer of the
// extensions is due, or for ever (nil).
func (p *proxy) timeout() *syscall.Timespec {
	due := p.nextDue()
	if due == 0 {
		return nil
	}
	ts := syscall.NsecToTimespec(max(due-nanotime(), 0))
	return &ts
}

// take takes the first pending signal of set with rt_sigtimedwait. It
// returns 0 on timeout or interruption, and -1 for dumb-init's own signals.
func (p *proxy) take(set uint64, timeout *syscall.Timespec) int {
	r, _, e := syscall.Syscall6(syscall.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(&set)),
		uintptr(unsafe.Pointer(&p.info[0])), uintptr(unsafe.Pointer(timeout)), 8, 0, 0)
	if e != 0 {
		return 0 // EAGAIN: a timer is due; EINTR
	}
	sig := int(r)
	code := *(*int32)(unsafe.Pointer(&p.info[8]))
	pid := *(*int32)(unsafe.Pointer(&p.info[16]))
	value := *(*uint64)(unsafe.Pointer(&p.info[24]))
	switch {
	case sig == sigFix && code == siQueue && pid == sigSelf && value == fixValue:
		return -1
	case sig == int(syscall.SIGPIPE) && code == siUser && pid == sigSelf:
		return -1
	}
	return sig
}

// synchronous are the signals the kernel hands over before the others,
// lowest first among them (SYNCHRONOUS_MASK in kernel/signal.c): SIGILL,
// SIGTRAP, SIGBUS, SIGFPE, SIGSEGV and SIGSYS.
const synchronous = 1<<(4-1) | 1<<(5-1) | 1<<(7-1) | 1<<(8-1) | 1<<(11-1) | 1<<(31-1)

// firstPending is the waited signal the kernel would hand over first now,
// 0 if none is pending.
func firstPending() int {
	var set uint64
	syscall.RawSyscall(syscall.SYS_RT_SIGPENDING, uintptr(unsafe.Pointer(&set)), 8, 0)
	set &= sigBlock
	if set&synchronous != 0 {
		set &= synchronous
	}
	for s := 1; s <= maxRTSig; s++ {
		if set&(1<<(s-1)) != 0 {
			return s
		}
	}
	return 0
}

// before reports whether the kernel hands a over before b.
func before(a, b int) bool {
	sa, sb := synchronous&(1<<(a-1)) != 0, synchronous&(1<<(b-1)) != 0
	if sa != sb {
		return sa
	}
	return a < b
}
