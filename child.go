package main

import (
	"runtime"
	"syscall"
)

// Go cannot run code between fork and exec, but the C dumb-init's child does
// real work there: it leaves the parent's session, takes the terminal with
// TIOCSCTTY(0) (tolerating failure), resets its signal mask and execs the
// command with execvp, printing the error and exiting 2 if that fails. So the
// parent starts its own binary again as the child, with argv[0] set to
// childMarker, and that copy does these steps and then execs the command.

// childMarker is argv[0] of the re-executed child. A control character
// keeps it from clashing with any name a person would type.
const childMarker = "\x01dumb-init-child"

// Child modes, passed as argv[1].
const (
	modeSetsid = 's'
	modeDebug  = 'd'
)

// childArgs builds the argv of the re-executed child.
func childArgs(cfg *config) []string {
	mode := []byte{'-'}
	if cfg.setsid {
		mode = append(mode, modeSetsid)
	}
	if cfg.debug {
		mode = append(mode, modeDebug)
	}
	argv := make([]string, 0, len(cfg.cmd)+2)
	argv = append(argv, childMarker, string(mode))
	return append(argv, cfg.cmd...)
}

// runChild is main for the re-executed child: args are argv[1:], the mode
// then the command. It never returns.
func runChild(args []string) {
	mode, cmd := args[0], args[1:]
	w := &stderr{debug: hasByte(mode, modeDebug)}

	// The C child inherits do-nothing handlers until exec, so a signal
	// arriving now is lost rather than fatal; ignoring them does the same.
	for _, s := range asyncSignals {
		setDisposition(int(s), sigIGN)
	}

	if hasByte(mode, modeSetsid) {
		if _, err := syscall.Setsid(); err != nil {
			e := int(err.(syscall.Errno))
			w.printf("Unable to setsid (errno=%d %m). Exiting.", e, e)
			syscall.Exit(1)
		}
		attachTTY(w)
		w.debugf("setsid complete.")
	}

	// Hand the command what a C fork+exec would: default dispositions for
	// 1..31 (and for 32 and 34, which the parent had to ignore) and an
	// empty signal mask on the thread that calls execve.
	runtime.LockOSThread()
	for s := 1; s <= 34; s++ {
		if s != int(syscall.SIGKILL) && s != int(syscall.SIGSTOP) && s != 33 {
			setDisposition(s, sigDFL)
		}
	}
	unblockAllSignals()

	err := execvp(cmd[0], cmd, environ())
	w.writeString(prefix + cmd[0] + ": " + strerror(err) + "\n")
	syscall.Exit(2)
}

// asyncSignals are the signals a process is sent rather than raises itself;
// the others (SIGSEGV and friends) must keep the Go runtime's handlers.
var asyncSignals = [...]syscall.Signal{
	syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGABRT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPIPE, syscall.SIGALRM,
	syscall.SIGTERM, syscall.SIGCONT, syscall.SIGTSTP, syscall.SIGTTIN,
	syscall.SIGTTOU, syscall.SIGXCPU, syscall.SIGXFSZ, syscall.SIGVTALRM,
	syscall.SIGWINCH, syscall.SIGIO, syscall.SIGPWR,
}

func hasByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}
