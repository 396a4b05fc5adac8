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

// setDisposition sets SIG_DFL or SIG_IGN for sig behind the Go runtime's
// back. It is only used where the runtime has no handler of its own that
// matters: signals it leaves alone (32, 34) and in the child just before
// exec.
func setDisposition(sig int, handler uintptr) {
	sa := kernelSigaction{handler: handler}
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&sa)), 0, 8, 0, 0)
}

// unblockAllSignals empties the calling thread's signal mask.
func unblockAllSignals() {
	var empty uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, uintptr(unsafe.Pointer(&empty)), 0, 8, 0, 0)
}

// dieOf ends dumb-init by signal sig with its default action, the way the C
// program dies of a SIGPIPE raised by a write to a closed pipe.
func dieOf(sig syscall.Signal) {
	setDisposition(int(sig), sigDFL)
	unblockAllSignals()
	syscall.Kill(syscall.Getpid(), sig)
	syscall.Exit(128 + int(sig)) // not reached unless the signal was blocked elsewhere
}
