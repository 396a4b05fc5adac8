package main

import (
	"syscall"
	"unsafe"
)

// kernelSigaction is the kernel's struct sigaction on amd64, arm64,
// ppc64le and s390x (handler, flags, restorer, 64-bit mask).
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const (
	sigDFL = 0
	sigIGN = 1
)

// getAction returns the current action for sig.
func getAction(sig int) kernelSigaction {
	var sa kernelSigaction
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&sa)), 8, 0, 0)
	return sa
}

// setAction sets the action for sig behind the Go runtime's back. It is
// also called in the child between fork and exec, hence nosplit.
//
//go:nosplit
func setAction(sig int, sa *kernelSigaction) {
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(sa)), 0, 8, 0, 0)
}

// blockSignals adds set to the calling thread's signal mask and returns
// the mask the thread had.
//
//go:nosplit
func blockSignals(set uint64) (old uint64) {
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&set)),
		uintptr(unsafe.Pointer(&old)), 8, 0, 0)
	return old
}

// unblockAllSignals empties the calling thread's signal mask.
//
//go:nosplit
func unblockAllSignals() {
	var empty uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, uintptr(unsafe.Pointer(&empty)), 0, 8, 0, 0)
}

// dieOf ends dumb-init by signal sig with its default action, the way the C
// program dies of a SIGPIPE raised by a write to a closed pipe. The signal
// goes to this thread, which lets it (and only it) through now: sent to the
// process, a signal that dumps core (SIGSEGV, SIGABRT) may be taken by
// another thread while this one reaches the exit below first, and any
// other signal let through here would run the handler, which blocks them
// all again (sighandler.go). Nosplit, and raw system calls only, so that
// the goroutine cannot move to another thread (with another mask)
// half-way.
//
//go:nosplit
func dieOf(sig syscall.Signal) {
	dfl := kernelSigaction{handler: sigDFL}
	setAction(int(sig), &dfl)
	only := uint64(1) << (sig - 1)
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 1 /* SIG_UNBLOCK */, uintptr(unsafe.Pointer(&only)), 0, 8, 0, 0)
	pid, _, _ := syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	tid, _, _ := syscall.RawSyscall(syscall.SYS_GETTID, 0, 0, 0)
	syscall.RawSyscall(syscall.SYS_TGKILL, pid, tid, uintptr(sig))
	exitGroup(128 + int(sig)) // not reached
}
