package main

import (
	"syscall"
	"unsafe"
)

// The Go runtime preempts a goroutine that has run for 10 ms by sending its
// thread a SIGURG, and that SIGURG lands in the same queue as a user's. A
// loaded machine can stall the init's thread for that long in the middle of
// handling a signal, so the only sure way to never forward the runtime's
// SIGURG is to switch asynchronous preemption off (the init never needs it:
// it does little work, always in short steps).
//
// Release builds (scripts/build.sh) switch it off at link time and set
// preemptOff; their entry code also keeps the caller's GODEBUG from turning
// it back on (entry.go). A plain `go build` or `go install` binary cannot
// do either: it re-executes itself once, before anything else happens,
// with runtimeShield (GODEBUG=asyncpreemptoff=1 first) in front of its
// environment and a marker after it; both are removed again from what the
// child gets, so the child's environment is exactly the caller's. The
// marker also carries the process name (what ps and pgrep show), which
// executing /proc/self/exe would otherwise turn into "exe".
var preemptOff string

const reexecMarker = "\x01dumb-init-reexec:"

// reexecuted reports whether this process is the re-executed init, and the
// process name it had before.
func reexecuted() (name string, ok bool) {
	env := startEnviron()
	if len(env) <= len(runtimeShield) {
		return "", false
	}
	for i, s := range runtimeShield {
		if env[i] != s[:len(s)-1] {
			return "", false
		}
	}
	marker := env[len(runtimeShield)]
	if !hasPrefix(marker, reexecMarker) {
		return "", false
	}
	return marker[len(reexecMarker):], true
}

// environ returns the environment as the caller gave it.
func environ() []string {
	if entered() {
		return callerEnviron()
	}
	if _, ok := reexecuted(); ok {
		return startEnviron()[len(runtimeShield)+1:]
	}
	return startEnviron()
}

// startEnviron is the environment this process was started with, as the
// kernel laid it out: its strings follow those of argv, as
// /proc/PID/environ shows them. The runtime's copy, runtimeEnvs, is the
// same, except in secure mode (a setuid binary, file capabilities), where
// the runtime turns every GOTRACEBACK entry into GOTRACEBACK=none and
// appends one if there is none: what is read here stops at such an
// appended entry (the kernel puts the program's file name after the
// environment).
func startEnviron() []string {
	args, env := runtimeArgs(), runtimeEnvs()
	if len(args) == 0 {
		return env
	}
	last := args[len(args)-1]
	p := unsafe.Add(unsafe.Pointer(unsafe.StringData(last)), len(last)+1)
	start := make([]string, 0, len(env))
	for _, e := range env {
		s := goStringAt((*byte)(p))
		if s != e && (e != "GOTRACEBACK=none" || !hasPrefix(s, "GOTRACEBACK=")) {
			break
		}
		start = append(start, s)
		p = unsafe.Add(p, len(s)+1)
	}
	return start
}

// preemptionOff reports whether asynchronous preemption is off, so that
// the runtime never sends a SIGURG of its own.
func preemptionOff() bool {
	if preemptOff == "1" {
		return true
	}
	_, reexec := reexecuted()
	return reexec
}

// disablePreemption re-executes the init with asynchronous preemption off
// and the runtime's other settings shielded from the caller's environment,
// keeping its PID, argv and name. It returns if that is not needed, or not
// possible (no /proc): then the init runs as it is.
func disablePreemption(args []string) {
	if preemptOff == "1" {
		return // a release build, which never re-executes
	}
	if name, ok := reexecuted(); ok {
		setProcessName(name)
		return
	}
	env := startEnviron()
	newEnv := make([]string, 0, len(runtimeShield)+1+len(env))
	for _, s := range runtimeShield {
		newEnv = append(newEnv, s[:len(s)-1])
	}
	newEnv = append(newEnv, reexecMarker+processName())
	syscall.Exec("/proc/self/exe", args, append(newEnv, env...))
}

// processName is the kernel's name for this process (comm, 15 bytes at most).
func processName() string {
	var b [16]byte
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_GET_NAME, uintptr(unsafe.Pointer(&b[0])), 0)
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	return string(b[:n])
}

func setProcessName(name string) {
	b := append([]byte(name), 0)
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_NAME, uintptr(unsafe.Pointer(&b[0])), 0)
}
