package main

import "unsafe"

// The environment dumb-init passes on is often meant for a Go program, and
// the Go runtime reads some of it before any code of ours runs: GODEBUG
// (straight from the initial stack, to set up the CPU features),
// GOMAXPROCS, GOGC, GOMEMLIMIT and GOTRACEBACK. In the init those would
// print runtime traces (inittrace, schedtrace), turn the runtime's own
// SIGURG back on (asyncpreemptoff=0), start more threads, or abort the
// start (a malformed GOMEMLIMIT), none of which the C program does.
//
// Release builds (scripts/build.sh links with -E main.entry) therefore
// enter at entry (entry_*.s), not at the runtime's own entry point. Before
// the runtime starts, entry puts runtimeShield in front of the environment
// on the initial stack, where the runtime looks first: the first entry for
// a name wins, so the runtime sees our settings whatever follows. It does so
// by moving argc and argv down by six slots, into unused stack; the
// caller's environment and its strings stay where the kernel put them, so
// /proc/PID/environ shows exactly what the caller passed, and environ()
// hands the child the caller's entries from there, byte for byte.
//
// A plain `go build` binary cannot choose its entry point: it re-executes
// itself once with the same entries in front (preempt.go).

// runtimeShield is what the runtime must see, whatever the caller's
// environment holds. Each ends in a NUL for the entry code, which passes
// the strings' addresses to the runtime as C strings.
var runtimeShield = [...]string{
	// No asynchronous preemption: never a SIGURG of the runtime's own
	// (see preempt.go), and nothing else from the caller's GODEBUG. No
	// GOMAXPROCS from the cgroup's CPU limit either: the runtime would
	// keep the limit's files open to watch them (two descriptors on
	// cgroup v1, one on v2), which a low RLIMIT_NOFILE cannot spare.
	"GODEBUG=asyncpreemptoff=1,containermaxprocs=0,updatemaxprocs=0\x00",
	// One P: the runtime starts fewer threads, each of which counts
	// against a container's pids.max. The init runs one goroutine.
	"GOMAXPROCS=1\x00",
	// The init allocates nothing once running (see run in main.go).
	"GOGC=off\x00",
	"GOMEMLIMIT=off\x00",
	"GOTRACEBACK=single\x00",
}

// entryShieldSlots is how many entries entry puts in front: runtimeShield
// and its first entry once more, as an even count keeps the stack pointer
// 16-byte aligned, as arm64 and ppc64le require.
const entryShieldSlots = len(runtimeShield) + 1

// Written by entry before the runtime starts, read-only afterwards. Both
// stay zero in binaries that were not entered there (plain builds, tests).
var (
	// entryEnvp is the caller's envp: the first of its entry pointers on
	// the initial stack, which stays intact for the life of the process.
	entryEnvp **byte

	// entryIgnored has bit s-1 set for each signal s in 32..64 whose
	// action was SIG_IGN when dumb-init started, before the runtime
	// installed its own handlers on most of them.
	entryIgnored uint64
)

// entrySigaction is entry's buffer for the actions it reads (the kernel's
// struct sigaction: handler, flags, restorer, mask).
var entrySigaction [4]uint64

// entryRoot is what entry opens (O_PATH|O_CLOEXEC) in place of a closed
// descriptor 0, 1 or 2. The runtime would open /dev/null there (and abort
// without one), which the child would inherit; the C init's child finds
// such a descriptor closed. A placeholder like this one is what the runtime
// checks for, fails every read, write and ioctl with EBADF as a closed
// descriptor does (so TIOCNOTTY reports errno 9 as in C), and goes away
// when the child execs.
var entryRoot = "/\x00"

// entry is the ELF entry point of release builds; never called from Go.
func entry()

// entered reports whether this process started at entry.
func entered() bool {
	return entryEnvp != nil
}

// callerEnviron is the environment dumb-init was started with, read from
// the initial stack (entered processes only). The runtime's own copy is
// not used: it starts with runtimeShield, and in secure mode (a setuid
// binary) the runtime rewrites GOTRACEBACK in it.
func callerEnviron() []string {
	var env []string
	for p := entryEnvp; *p != nil; p = (**byte)(unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(p))) {
		env = append(env, goStringAt(*p))
	}
	return env
}

// goStringAt returns the NUL-terminated string at p, without copying it.
func goStringAt(p *byte) string {
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return unsafe.String(p, n)
}

// keepIgnoredSignals puts back SIG_IGN on the real-time signals dumb-init
// inherited as ignored: the runtime replaced it with its own handler at
// start-up, and the C child keeps an inherited SIG_IGN above 31 (the child
// takes over the action catchSignals finds). Only an entered process knows
// what it inherited.
func keepIgnoredSignals() {
	for s := 35; s <= maxRTSig; s++ {
		if entryIgnored&(1<<(s-1)) != 0 {
			setAction(s, &kernelSigaction{handler: sigIGN})
		}
	}
}
