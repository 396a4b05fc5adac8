package main

import "syscall"

// The C dumb-init blocks every signal and takes them one by one with
// sigwait. A Go program cannot: the runtime unblocks signals on each thread
// it starts. Going through the runtime's queue instead (what os/signal does)
// costs a hand-off to a helper thread for each of the ~60 signals enabled at
// start-up (0.8-2 ms, more than the C program's whole start-up), and the
// runtime keeps SIGPROF and signals 32-34 to itself.
//
// So the init installs its own handler, behind the runtime's back (the
// runtime never looks at these dispositions again). It is written in
// assembly because it runs outside Go's world, on whatever thread the
// kernel picks: it writes the signal's number into a pipe, and the main loop
// reads the pipe (the self-pipe trick). One thing stays the runtime's job: a
// fault in the init's own code (SIGSEGV and friends raised by the kernel,
// si_code > 0) is handed on to the runtime's handler, which turns it into a
// panic or a crash report; the same signals sent by a process are forwarded
// like any other.

// Read by sigHandler. They are written only in catchSignals, before any
// handler is installed.
var (
	sigPipe    uintptr               // the pipe's write end, non-blocking
	sigNumbers [maxRTSig + 1]byte    // sigNumbers[s] == s: the byte written for s
	sigChain   [maxRTSig + 1]uintptr // the runtime's handler, for faults
)

// sigHandler is never called from Go: its address is given to the kernel.
func sigHandler()

// sigNop is the child's do-nothing handler (see child.go).
func sigNop()

// handlerPCs returns the entry addresses of sigHandler and sigNop. (A Go
// func value would point at an ABI wrapper the kernel cannot call.)
func handlerPCs() (handler, nop uintptr)

// faultSignals are the signals the kernel raises for a fault in the code
// that receives them.
var faultSignals = [...]syscall.Signal{
	syscall.SIGILL, syscall.SIGTRAP, syscall.SIGBUS, syscall.SIGFPE,
	syscall.SIGSEGV, syscall.SIGSYS,
}
