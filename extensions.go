package main

import (
	"runtime"
	"syscall"
)

// The opt-in extensions (docs/extensions.md): seven environment
// variables the C program ignores, so one image works with either binary.
// Unset or empty, each leaves the init exactly the C program. They are read
// after -v/-c/-r and DUMB_INIT_DEBUG/DUMB_INIT_SETSID, only when there is a
// command, and a value that does not parse stops dumb-init before anything
// starts. The values are left in the environment the child gets.

// extensions is what the seven variables ask for. The zero value is "none".
type extensions struct {
	subreaper bool // DUMB_INIT_SUBREAPER=1, or implied by a grace period

	report     bool // DUMB_INIT_REPORT=1 (see report.go)
	exitSignal bool // DUMB_INIT_EXIT_SIGNAL=1

	grace     int64  // DUMB_INIT_GRACE in nanoseconds, 0 = off
	graceText string // as written, for the debug lines

	delay     [maxRTSig + 1]int64 // DUMB_INIT_DELAY per received signal, 0 = none
	delayText [maxRTSig + 1]string

	remap  [256]uint8 // DUMB_INIT_EXIT_REMAP: the status to exit with instead
	remaps [256]bool

	pdeathsig int // DUMB_INIT_PDEATHSIG, 0 = none
}

// maxSeconds bounds every SECONDS value: a day.
const maxSeconds = 86400

// What the error messages say a SIG is: one dumb-init can receive and act on.
const formSig = "a signal number from 1 to 64 except 9, 17, 19, 32 and 33"

// parseExtensions reads the variables from env. It returns the error line
// (without the "[dumb-init] " prefix) for the first one that does not parse.
func parseExtensions(env []string) (ext extensions, bad string) {
	if bad := parseSwitch(env, "DUMB_INIT_SUBREAPER", &ext.subreaper); bad != "" {
		return ext, bad
	}
	if v, _ := lookupEnv(env, "DUMB_INIT_GRACE"); v != "" {
		ns, ok := parseSeconds(v)
		if !ok {
			return ext, badValue("DUMB_INIT_GRACE", v,
				"SECONDS, a number of seconds above 0 and at most 86400 (e.g. 10 or 2.5)")
		}
		ext.grace, ext.graceText = ns, v
		ext.subreaper = true // the processes left must be ours to find and reap
	}
	if v, _ := lookupEnv(env, "DUMB_INIT_DELAY"); v != "" {
		ok := eachItem(v, func(item string) bool {
			sigText, secText, found := cut(item, ':')
			sig, okSig := parseSignal(sigText)
			ns, okSec := parseSeconds(secText)
			if !found || !okSig || !okSec {
				return false
			}
			// A later entry for the same signal replaces an earlier one,
			// as a later -r does.
			ext.delay[sig], ext.delayText[sig] = ns, secText
			return true
		})
		if !ok {
			return ext, badValue("DUMB_INIT_DELAY", v, "SIG:SECONDS[,SIG:SECONDS...] (e.g. 15:10), with SIG "+
				formSig+", and SECONDS above 0 and at most 86400")
		}
	}
	if v, _ := lookupEnv(env, "DUMB_INIT_EXIT_REMAP"); v != "" {
		ok := eachItem(v, func(item string) bool {
			fromText, toText, found := cut(item, ':')
			from, okFrom := parseDecimal(fromText, 255)
			to, okTo := parseDecimal(toText, 255)
			if !found || !okFrom || !okTo {
				return false
			}
			ext.remap[from], ext.remaps[from] = uint8(to), true
			return true
		})
		if !ok {
			return ext, badValue("DUMB_INIT_EXIT_REMAP", v,
				"FROM:TO[,FROM:TO...] (e.g. 143:0), with FROM and TO exit statuses from 0 to 255")
		}
	}
	if v, _ := lookupEnv(env, "DUMB_INIT_PDEATHSIG"); v != "" {
		sig, ok := parseSignal(v)
		if !ok {
			return ext, badValue("DUMB_INIT_PDEATHSIG", v, "SIG, "+formSig+" (e.g. 15)")
		}
		ext.pdeathsig = sig
	}
	if bad := parseSwitch(env, "DUMB_INIT_REPORT", &ext.report); bad != "" {
		return ext, bad
	}
	return ext, parseSwitch(env, "DUMB_INIT_EXIT_SIGNAL", &ext.exitSignal)
}

// parseSwitch reads a variable that is 1 (on), or 0 or empty (off).
func parseSwitch(env []string, name string, on *bool) (bad string) {
	switch v, _ := lookupEnv(env, name); v {
	case "1":
		*on = true
	case "0", "":
	default:
		return badValue(name, v, "1 (on), or 0 or empty (off)")
	}
	return ""
}

// remapping reports whether DUMB_INIT_EXIT_REMAP lists any status.
func (ext *extensions) remapping() bool {
	for _, r := range ext.remaps {
		if r {
			return true
		}
	}
	return false
}

// exitStatus is the status dumb-init exits with for the child's status.
func (ext *extensions) exitStatus(status int) int {
	if status >= 0 && status < len(ext.remap) && ext.remaps[status] {
		return int(ext.remap[status])
	}
	return status
}

func badValue(name, value, form string) string {
	return name + "=" + printable(value) + ": expected " + form + "."
}

// printable keeps the error on one line whatever the value holds.
func printable(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < ' ' || c == 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}

// parseSignal accepts the signals the init can receive and act on: not
// SIGKILL and SIGSTOP (never received), not SIGCHLD (it only means "reap"),
// not 32 and 33 (never caught, they end the init).
func parseSignal(s string) (int, bool) {
	sig, ok := parseDecimal(s, maxRTSig)
	switch {
	case !ok || sig == 0:
		return 0, false
	case sig == 9 || sig == 17 || sig == 19 || sig == sigCancel || sig == sigSetxid:
		return 0, false
	}
	return sig, true
}

// parseDecimal accepts only ASCII digits (no sign, no spaces), up to max.
func parseDecimal(s string, max int) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
		if n > max {
			return 0, false
		}
	}
	return n, true
}

// parseSeconds accepts DIGITS, DIGITS.DIGITS or .DIGITS, above 0 and at
// most maxSeconds, and returns it in nanoseconds (digits beyond the ninth
// decimal are dropped, but a value is never rounded down to 0).
func parseSeconds(s string) (int64, bool) {
	whole, frac, dot := cut(s, '.')
	if (whole == "" && frac == "") || (dot && frac == "") {
		return 0, false
	}
	var ns int64
	for i := 0; i < len(whole); i++ {
		if whole[i] < '0' || whole[i] > '9' {
			return 0, false
		}
		ns = ns*10 + int64(whole[i]-'0')
		if ns > maxSeconds {
			return 0, false
		}
	}
	ns *= 1e9
	nonzero := ns > 0
	scale := int64(1e8)
	for i := 0; i < len(frac); i++ {
		if frac[i] < '0' || frac[i] > '9' {
			return 0, false
		}
		ns += int64(frac[i]-'0') * scale
		scale /= 10
		nonzero = nonzero || frac[i] != '0'
	}
	if !nonzero || ns > maxSeconds*1e9 {
		return 0, false
	}
	return max(ns, 1), true
}

// eachItem calls f on each comma-separated item of list (none may be
// empty) and reports whether f accepted them all.
func eachItem(list string, f func(string) bool) bool {
	for {
		item, rest, more := cut(list, ',')
		if item == "" || !f(item) {
			return false
		}
		if !more {
			return true
		}
		list = rest
	}
}

// cut is strings.Cut for one byte (the init does not link strings).
func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// startExtensions asks the kernel, before the child starts, for what the
// extensions need. ppid is our parent as seen at start-up (0 if unknown).
// It reports false, having said why, if dumb-init cannot go on.
func (p *proxy) startExtensions(ppid int) bool {
	ext := p.ext
	if !ext.subreaper && ext.pdeathsig == 0 && !ext.exitSignal {
		return true
	}
	p.self = int(sigSelf)
	p.pid1 = p.self == 1
	if ext.subreaper {
		if p.pid1 {
			p.w.debugf("Running as PID 1: orphans come to us without a subreaper.")
		} else if e := prctl(prSetChildSubreaper, 1); e != 0 {
			p.w.printf("Unable to become a child subreaper (errno=%d %m). Exiting.", int(e), int(e))
			return false
		} else {
			p.w.debugf("Running as a child subreaper.")
		}
	}
	if sig := ext.pdeathsig; sig != 0 {
		if e := prctl(prSetPdeathsig, sig); e != 0 {
			p.w.printf("Unable to ask for a parent-death signal (errno=%d %m). Exiting.", int(e), int(e))
			return false
		}
		p.w.debugf("Asked for signal %d when the parent dies.", sig)
		// Our parent as seen now differs if it died before that: the
		// kernel will not send the signal then, so we send it ourselves.
		// (As PID 1 the parent is outside our namespace and shows as 0.)
		if ppid != 0 && syscall.Getppid() != ppid {
			p.w.debugf("The parent is already gone: acting as if signal %d had arrived.", sig)
			queueSignal(p.self, sig, 0)
		}
	}
	return true
}

// The parent-death signal is a setting of each thread: when the parent
// dies, the kernel sends every thread's to the process. A launcher's own
// (unshare --kill-child, setpriv --pdeathsig: often SIGKILL) sits on the
// main thread, the only one it started, and one asked for on another
// thread would be sent with it rather than instead of it. So with
// DUMB_INIT_PDEATHSIG the main goroutine stays on the main thread: locked
// in an init function, it runs main there (without the lock the scheduler
// moved it off before startExtensions in 1 of 3 runs under strace).
func init() {
	if v, _ := lookupEnv(environ(), "DUMB_INIT_PDEATHSIG"); v != "" {
		runtime.LockOSThread()
	}
}

const (
	prSetPdeathsig      = 1
	prSetDumpable       = 4
	prSetChildSubreaper = 36
)

func prctl(option, arg int) syscall.Errno {
	_, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, uintptr(option), uintptr(arg), 0)
	return e
}
