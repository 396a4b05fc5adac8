package main

// The C dumb-init blocks every signal and takes them one at a time with
// sigwait, so the kernel keeps them pending and hands them over in its own
// order. This one does the same (signals.go): every thread blocks the
// signals the loop waits for (threads.go). But the Go runtime starts its
// threads with some signals unblocked whatever the mask dumb-init had
// (SIGHUP, SIGINT, SIGTERM, SIGCHLD, the fault signals, ...), and a thread
// that takes a signal before threads.go has blocked them on it would
// deliver it out of turn.
//
// So every signal the loop waits for has this handler, and the handler only
// ever runs on such a thread. It is written in assembly because it runs
// outside Go's world, on whatever thread the kernel picks, and does three
// things with raw system calls:
//   - it blocks the waited signals on its thread for good, through the
//     signal mask in the ucontext, which the kernel restores when the
//     handler returns;
//   - it puts the signal back into the process's queue (rt_sigqueueinfo,
//     as SI_QUEUE), where the loop takes it in the kernel's order, unless it
//     is threads.go's own fix signal;
//   - it records its thread as blocking them (sigFixed) and wakes
//     threads.go, which counts them.
//
// One thing stays the runtime's job: a fault in the init's own code
// (SIGSEGV and friends raised by the kernel, si_code > 0) on such a thread
// goes on to the runtime's handler. On a thread that blocks the fault
// signals, as every thread does once fixed, the kernel ends the init with
// the signal, as it ends the C one.

// Read by sigHandler; written only before the handler is installed
// (catchSignals), except sigFixed and sigAcks.
var (
	sigChain [maxRTSig + 1]uintptr // the runtime's handler, for faults
	sigBlock uint64                // the waited signals, as a kernel sigset
	sigSelf  int32                 // our PID, where the signal goes back to
)

// sigFixed holds the IDs of the threads the handler blocked the waited
// signals on, in the order sigSlots handed out its entries (0: not written
// yet; beyond the table: not stored). sigAcks counts the handlers done, and
// is the word threads.go waits on.
var (
	sigFixed [256]int32
	sigSlots uint32
	sigAcks  uint32
)

// The fix signal: threads.go queues it to the process until every thread
// blocks the waited signals. It must be one the runtime unblocks on every
// thread it starts (SIGSTKFLT, which nobody sends); the kernel hands it to
// a thread that has not been fixed yet. It is told from a SIGSTKFLT that
// someone else sent by its siginfo: SI_QUEUE, our PID and fixValue.
const (
	sigFix   = 16         // SIGSTKFLT
	fixValue = 0x64756d62 // "dumb"
	siQueue  = -1         // si_code of rt_sigqueueinfo
	siUser   = 0          // si_code of kill(2)
)

// sigHandler is never called from Go: its address is given to the kernel.
func sigHandler()

// sigNop is the child's do-nothing handler (see child.go).
func sigNop()

// handlerPCs returns the entry addresses of sigHandler and sigNop. (A Go
// func value would point at an ABI wrapper the kernel cannot call.)
func handlerPCs() (handler, nop uintptr)
