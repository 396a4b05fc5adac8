package main

import "syscall"

// The Go runtime preempts a goroutine that has run for 10 ms by sending its
// thread a SIGURG, and that SIGURG lands in the same queue as a user's. A
// loaded machine can stall the init's thread for that long in the middle of
// handling a signal, so the only sure way to never forward the runtime's
// SIGURG is to switch asynchronous preemption off (the init never needs it:
// it does little work, always in short steps).
//
// Release builds (scripts/build.sh) switch it off at link time and set
// preemptOff. A plain `go build` or `go install` binary re-executes itself
// once, before anything else happens, with GODEBUG=asyncpreemptoff=1 in front
// of its environment and a marker after it; both are removed again from what
// the child gets, so the child's environment is exactly the caller's.
var preemptOff string

const (
	godebugPreemptOff = "GODEBUG=asyncpreemptoff=1"
	reexecMarker      = "\x01dumb-init-reexec"
)

// environ returns the environment as the caller gave it.
func environ() []string {
	env := runtimeEnvs()
	if len(env) >= 2 && env[0] == godebugPreemptOff && env[1] == reexecMarker {
		return env[2:]
	}
	return env
}

// disablePreemption re-executes the init with asynchronous preemption off,
// keeping its PID and argv. It returns if that is not needed, or not possible
// (no /proc): then the init runs as it is.
func disablePreemption(args []string) {
	env := runtimeEnvs()
	if preemptOff == "1" || (len(env) >= 2 && env[1] == reexecMarker) {
		return
	}
	newEnv := make([]string, 0, len(env)+2)
	newEnv = append(newEnv, godebugPreemptOff, reexecMarker)
	syscall.Exec("/proc/self/exe", args, append(newEnv, env...))
}
