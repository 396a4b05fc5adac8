package main

import "syscall"

// How the child died. Every init turns a death by signal N into exit
// status 128+N, which `exit 139` gives too; a sandbox or a CI job that must
// tell a crash from a status can ask for DUMB_INIT_REPORT (one line on
// stderr) or DUMB_INIT_EXIT_SIGNAL (dumb-init dies of the same signal, so
// that its parent's wait sees it).

// report prints, debug or not, the line DUMB_INIT_REPORT asks for.
func (p *proxy) report(core bool) {
	end := ")."
	if core {
		end = "), core dumped."
	}
	p.w.printf("Child terminated by signal %d ("+signalName(int(p.termsig))+end, int(p.termsig))
}

// endBySignal dies of the signal that ended the child, when
// DUMB_INIT_EXIT_SIGNAL asks for it and code, the status dumb-init is about
// to exit with, is the child's 128+N unchanged. It returns if dumb-init
// must exit with code instead.
func (p *proxy) endBySignal(code int) {
	sig := p.termsig
	if !p.ext.exitSignal || sig == 0 || p.ext.remaps[p.status] {
		return
	}
	if p.pid1 {
		// The kernel ignores a signal PID 1 sends itself: C's status stands.
		p.w.debugf("Running as PID 1: exiting with status %d, not by signal %d.", code, int(sig))
		return
	}
	p.w.debugf("Exiting by signal %d, as the child did.", int(sig))
	// Only the child's core may exist. A core_pattern that pipes to a
	// program (systemd-coredump, apport) ignores the limit, hence both.
	syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{})
	prctl(prSetDumpable, 0)
	dieOf(sig)
}

// The kernel's names, the same on every architecture dumb-init ships for.
var signalNames = [maxSig + 1]string{1: "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP",
	"SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE",
	"SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
	"SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",
	"SIGPWR", "SIGSYS"}

// sigRTMin is glibc's SIGRTMIN, the first real-time signal a program can
// use (glibc keeps 32 and 33 for itself); shells and kill(1) count from it.
const sigRTMin = 34

// signalName is sig's name: SIGSEGV, SIGRTMIN, SIGRTMIN+3; glibc's own 32
// and 33 have none and are SIG32 and SIG33.
func signalName(sig int) string {
	switch {
	case sig >= 1 && sig <= maxSig:
		return signalNames[sig]
	case sig == sigRTMin:
		return "SIGRTMIN"
	case sig > sigRTMin && sig <= maxRTSig:
		return "SIGRTMIN+" + itoa(sig-sigRTMin)
	}
	return "SIG" + itoa(sig)
}
