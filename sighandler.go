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
// kernel picks: it counts the signal in sigCounts, sets sigWake and wakes the
// main loop, which waits on sigWake with a futex. Every queued real-time
// signal the kernel delivers is counted (it can deliver tens of thousands
// at once to an init that was stopped), and the init holds no descriptor of
// its own: a self-pipe would lose signals once full and cost two
// descriptors, which a low RLIMIT_NOFILE may not leave. One thing stays the runtime's job: a
// fault in the init's own code (SIGSEGV and friends raised by the kernel,
// si_code > 0) is handed on to the runtime's handler, which turns it into a
// panic or a crash report; the same signals sent by a process are forwarded
// like any other.

// Read by sigHandler. They are written only in catchSignals, before any
// handler is installed.
var sigChain [maxRTSig + 1]uintptr // the runtime's handler, for faults

// sigCounts[s] is how many times s arrived and was not yet taken by the main
// loop: the handler adds 1 atomically, the loop swaps it for 0. sigWake is
// set to 1 by the handler after counting, and swapped for 0 by the loop
// before it collects the counts: while it is 0, the loop may sleep.
var (
	sigCounts [maxRTSig + 1]uint32
	sigWake   uint32
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
