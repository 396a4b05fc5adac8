package main

import (
	"syscall"
	"unsafe"
)

// runChild is the C child between fork and exec: it takes over the do-nothing
// handlers and an empty signal mask, in setsid mode leaves the parent's
// session and takes the terminal with TIOCSCTTY(0) (tolerating failure),
// then execs the command, printing the error and exiting 2 if that fails.
//
// It runs in the child of a multi-threaded Go program (see spawn.go), so it
// and everything it calls is nosplit and makes only raw system calls.
//
//go:nosplit
//go:norace
func runChild(pl *execPlan) {
	for s := 1; s <= maxRTSig; s++ {
		if pl.sigs.childSets[s] {
			setAction(s, &pl.sigs.childActions[s])
		}
	}
	unblockAllSignals()

	if pl.setsid {
		if _, _, err := syscall.RawSyscall(syscall.SYS_SETSID, 0, 0, 0); err != 0 {
			childSay(pl, "Unable to setsid (errno=", err, "). Exiting.")
			exitGroup(1)
		}
		_, _, err := syscall.RawSyscall(syscall.SYS_IOCTL, 0, syscall.TIOCSCTTY, 0)
		if err != 0 && pl.debug {
			childSay(pl, "Unable to attach to controlling tty (errno=", err, ").")
		}
		if pl.debug {
			childSay(pl, "setsid complete.", 0, "")
		}
	}

	err := childExecvp(pl)
	n := put(pl.msg, 0, prefix)
	n = put(pl.msg, n, pl.cmd0)
	n = put(pl.msg, n, ": ")
	n = putStrerror(pl.msg, n, err)
	n = put(pl.msg, n, "\n")
	writeAll(pl.msg[:n])
	exitGroup(2)
}

// childSay prints "[dumb-init] " before, "errno STRERROR" if err is not 0,
// then after, with one write as the parent's messages are.
//
//go:nosplit
func childSay(pl *execPlan, before string, err syscall.Errno, after string) {
	n := put(pl.msg, 0, prefix)
	n = put(pl.msg, n, before)
	if err != 0 {
		n = putUint(pl.msg, n, uint(err))
		n = put(pl.msg, n, " ")
		n = putStrerror(pl.msg, n, err)
	}
	n = put(pl.msg, n, after)
	n = put(pl.msg, n, "\n")
	writeAll(pl.msg[:n])
}

// put copies s into b at n, as much as fits, and returns the new end.
//
//go:nosplit
func put(b []byte, n int, s string) int {
	for i := 0; i < len(s) && n < len(b); i++ {
		b[n] = s[i]
		n++
	}
	return n
}

//go:nosplit
func putUint(b []byte, n int, v uint) int {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	for ; i < len(d) && n < len(b); i++ {
		b[n] = d[i]
		n++
	}
	return n
}

// putStrerror is strerror(3) (see stderr.go) without allocating.
//
//go:nosplit
func putStrerror(b []byte, n int, err syscall.Errno) int {
	if int(err) > 0 && int(err) < len(glibcErrors) && glibcErrors[err] != "" {
		return put(b, n, glibcErrors[err])
	}
	n = put(b, n, "Unknown error ")
	return putUint(b, n, uint(err))
}

// writeAll writes b to stderr, ignoring errors as the C child does.
//
//go:nosplit
func writeAll(b []byte) {
	for len(b) > 0 {
		n, _, err := syscall.RawSyscall(syscall.SYS_WRITE, 2, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if err == syscall.EINTR {
			continue
		}
		if err != 0 || int(n) <= 0 {
			return
		}
		b = b[n:]
	}
}

//go:nosplit
func exitGroup(code int) {
	syscall.RawSyscall(syscall.SYS_EXIT_GROUP, uintptr(code), 0, 0)
}
