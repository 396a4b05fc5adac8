package main

import (
	"syscall"
	"unsafe"
)

// forkChild forks with rawVfork (see spawn.go) and returns the child's PID,
// once the child has exec'd or exited. The child does what the C child does
// between fork and exec: it takes over do-nothing handlers and an empty
// signal mask, returns to the caller's directory (which the C child never
// left), in setsid mode leaves our session and takes the terminal with
// TIOCSCTTY(0) (tolerating failure), then execs the command, printing the
// error and exiting 2 if that fails. It keeps track of the errno the C
// child would have, for execvp.
//
// beforeFork blocks every signal on this thread, so the child starts with
// them all blocked, and makes any stack growth in the child a crash rather
// than a corruption of our stack. So the child's part is here, in the
// function whose frame was checked before the fork, and calls only nosplit
// functions, which make raw system calls. It writes nothing in this frame
// that the parent reads afterwards; what it tells the parent (pl.failed) is
// in the heap, or in a shared page (see spawn).
//
//go:noinline
//go:norace
func forkChild(pl *execPlan, a1, a2 uintptr) (int, syscall.Errno) {
	beforeFork()
	pid, err := rawVfork(a1, a2)
	if err != 0 || pid != 0 {
		afterFork()
		// afterFork gave this thread back the mask the runtime started it
		// with: block the waited signals again (threads.go).
		blockHere()
		return int(pid), syscall.Errno(err)
	}

	for s := 1; s <= maxRTSig; s++ {
		if pl.sigs.childSets[s] {
			setAction(s, &pl.sigs.childActions[s])
		}
	}
	unblockAllSignals()
	if pl.start.dir >= 0 {
		syscall.RawSyscall(syscall.SYS_FCHDIR, uintptr(pl.start.dir), 0, 0)
	}

	errno := pl.start.errno
	if pl.setsid {
		if _, _, e := syscall.RawSyscall(syscall.SYS_SETSID, 0, 0, 0); e != 0 {
			childSay(pl, "Unable to setsid (errno=", e, true, "). Exiting.", 0)
			pl.failed[0] = 1
			exitGroup(1)
		}
		_, _, e := syscall.RawSyscall(syscall.SYS_IOCTL, 0, syscall.TIOCSCTTY, 0)
		if e != 0 {
			errno = e
			if pl.debug {
				errno = childSay(pl, "Unable to attach to controlling tty (errno=", e, true, ").", errno)
			}
		}
		if pl.debug {
			errno = childSay(pl, "setsid complete.", 0, false, "", errno)
		}
	}

	childSay(pl, pl.execFailure, childExecvp(pl, errno), false, "", 0)
	pl.failed[0] = 1
	exitGroup(2)
	return 0, 0 // not reached
}

// childSay prints "[dumb-init] ", before, err as "N STRERROR" (or only
// STRERROR without number) if err is not 0, after and a newline, with one
// write, as the parent's messages are. It returns errno as the C child's
// fprintf leaves it: that of the failed write, or errno as it was. It
// allocates nothing and calls only small nosplit helpers, to stay well
// inside the child's stack.
//
//go:nosplit
func childSay(pl *execPlan, before string, err syscall.Errno, number bool, after string, errno syscall.Errno) syscall.Errno {
	var d [20]byte
	num, sep, text, unknown := decimal(&d, uint(err)), " ", "", ""
	if err != 0 {
		var known bool
		if text, known = errText(err); !known {
			unknown = num
		}
	}
	if err == 0 || !number {
		num, sep = "", ""
	}
	n := 0
	for _, p := range [...]string{prefix, before, num, sep, text, unknown, after, "\n"} {
		for j := 0; j < len(p) && n < len(pl.msg); j++ {
			pl.msg[n] = p[j]
			n++
		}
	}
	if e := writeAll(pl.msg[:n]); e != 0 {
		return e
	}
	return errno
}

// writeAll writes b to stderr and returns the error, which the C child
// ignores.
//
//go:nosplit
func writeAll(b []byte) syscall.Errno {
	for len(b) > 0 {
		n, _, err := syscall.RawSyscall(syscall.SYS_WRITE, 2, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if err == syscall.EINTR {
			continue
		}
		if err != 0 {
			return err
		}
		if int(n) <= 0 {
			return 0
		}
		b = b[n:]
	}
	return 0
}

//go:nosplit
func exitGroup(code int) {
	syscall.RawSyscall(syscall.SYS_EXIT_GROUP, uintptr(code), 0, 0)
}
