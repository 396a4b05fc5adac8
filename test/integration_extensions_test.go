package test

// The opt-in extensions (extensions.md) on the built binary as a real
// process: as PID 1 of a fresh PID namespace and as a plain child, in
// setsid and single-child mode. Timings are checked against lower bounds
// taken from CLOCK_MONOTONIC stamps the children print (never against a
// bare sleep), and upper bounds are generous deadlines.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// extModes are the four ways the init runs.
var extModes = []itMode{
	{"setsid", false, nil, nil, true},
	{"setsid-pid1", true, nil, nil, true},
	{"single-child", false, []string{"-c"}, nil, false},
	{"single-child-pid1", true, []string{"-c"}, nil, false},
}

// itMonotonic is CLOCK_MONOTONIC in seconds, the clock of the helper's
// "N@T" stamps (Python's time.monotonic).
func itMonotonic() float64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1 /* CLOCK_MONOTONIC */, uintptr(unsafe.Pointer(&ts)), 0)
	return float64(ts.Sec) + float64(ts.Nsec)/1e9
}

// itStamp waits for the recorder's line "N@T" and returns T.
func itStamp(t *testing.T, l *itLines, sig int, timeout time.Duration) float64 {
	t.Helper()
	prefix := strconv.Itoa(sig) + "@"
	line, err := l.WaitFor(func(s string) bool { return strings.HasPrefix(s, prefix) }, timeout)
	if err != nil {
		t.Fatalf("signal %d never reached the child (%v); stdout:\n%s", sig, err, l.String())
	}
	v, err := strconv.ParseFloat(strings.TrimPrefix(line, prefix), 64)
	if err != nil {
		t.Fatalf("bad stamp %q", line)
	}
	return v
}

// itServices starts the init over helper.py services (services given as
// specs, see run_service) and returns once all are up. The services'
// pids (host pids when not PID 1) are killed when the test ends: without a
// grace period some outlive the init.
func itServices(t *testing.T, b itInit, m itMode, env []string, initArgs []string, helperArgs []string, specs ...string) *itProc {
	t.Helper()
	args := append(append([]string{}, m.initArgs...), initArgs...)
	h := append(append([]string{"--timeout", "30"}, helperArgs...), "--")
	args = append(args, itHelperCmd(t, "services", append(h, specs...)...)...)
	p := itStart(t, b, itOpts{pid1: m.pid1, env: env}, args...)
	p.stdout.WaitLine(t, "ready")
	if !m.pid1 {
		t.Cleanup(func() {
			for _, l := range p.stdout.Lines() {
				var name string
				var pid int
				if n, _ := fmt.Sscanf(l, "%s up %d", &name, &pid); n == 2 {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		})
	}
	return p
}

func TestExtensionBadValues(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	cases := []struct{ env, want string }{
		{"DUMB_INIT_GRACE=abc", "DUMB_INIT_GRACE=abc: expected SECONDS, a number of seconds above 0 and at most 86400 (e.g. 10 or 2.5)."},
		{"DUMB_INIT_GRACE=0", "DUMB_INIT_GRACE=0: expected SECONDS"},
		{"DUMB_INIT_GRACE=86400.5", "DUMB_INIT_GRACE=86400.5: expected SECONDS"},
		{"DUMB_INIT_GRACE=-1", "DUMB_INIT_GRACE=-1: expected SECONDS"},
		{"DUMB_INIT_GRACE=1e3", "DUMB_INIT_GRACE=1e3: expected SECONDS"},
		{"DUMB_INIT_DELAY=15", "DUMB_INIT_DELAY=15: expected SIG:SECONDS[,SIG:SECONDS...] (e.g. 15:10), with SIG a signal number from 1 to 64 except 9, 17, 19, 32 and 33, and SECONDS above 0 and at most 86400."},
		{"DUMB_INIT_DELAY=15:10,", "DUMB_INIT_DELAY=15:10,: expected SIG:SECONDS"},
		{"DUMB_INIT_DELAY=9:1", "DUMB_INIT_DELAY=9:1: expected"},
		{"DUMB_INIT_DELAY=17:1", "DUMB_INIT_DELAY=17:1: expected"},
		{"DUMB_INIT_DELAY=32:1", "DUMB_INIT_DELAY=32:1: expected"},
		{"DUMB_INIT_DELAY=65:1", "DUMB_INIT_DELAY=65:1: expected"},
		{"DUMB_INIT_DELAY=TERM:1", "DUMB_INIT_DELAY=TERM:1: expected"},
		{"DUMB_INIT_SUBREAPER=yes", "DUMB_INIT_SUBREAPER=yes: expected 1 (on), or 0 or empty (off)."},
		{"DUMB_INIT_SUBREAPER=01", "DUMB_INIT_SUBREAPER=01: expected"},
		{"DUMB_INIT_REPORT=yes", "DUMB_INIT_REPORT=yes: expected 1 (on), or 0 or empty (off)."},
		{"DUMB_INIT_REPORT= 1", "DUMB_INIT_REPORT= 1: expected"},
		{"DUMB_INIT_EXIT_SIGNAL=true", "DUMB_INIT_EXIT_SIGNAL=true: expected 1 (on), or 0 or empty (off)."},
		{"DUMB_INIT_EXIT_SIGNAL=11", "DUMB_INIT_EXIT_SIGNAL=11: expected"},
		{"DUMB_INIT_EXIT_REMAP=143", "DUMB_INIT_EXIT_REMAP=143: expected FROM:TO[,FROM:TO...] (e.g. 143:0), with FROM and TO exit statuses from 0 to 255."},
		{"DUMB_INIT_EXIT_REMAP=143:256", "DUMB_INIT_EXIT_REMAP=143:256: expected"},
		{"DUMB_INIT_EXIT_REMAP=143:0 ", "DUMB_INIT_EXIT_REMAP=143:0 : expected"},
		{"DUMB_INIT_PDEATHSIG=SIGTERM", "DUMB_INIT_PDEATHSIG=SIGTERM: expected SIG, a signal number from 1 to 64 except 9, 17, 19, 32 and 33 (e.g. 15)."},
		{"DUMB_INIT_PDEATHSIG=9", "DUMB_INIT_PDEATHSIG=9: expected SIG"},
		{"DUMB_INIT_PDEATHSIG=1\n5", "DUMB_INIT_PDEATHSIG=1?5: expected SIG"},
	}
	for _, c := range cases {
		for _, pid1 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%q/pid1=%v", c.env, pid1), func(t *testing.T) {
				t.Parallel()
				marker := filepath.Join(t.TempDir(), "ran")
				r := itRun(t, b, itOpts{pid1: pid1, env: []string{c.env, "DUMB_INIT_GRACE_X=1"}}, "touch", marker)
				if r.code != 1 {
					t.Errorf("exit code %d, want 1", r.code)
				}
				lines := itNorm(r.stderr)
				if len(lines) != 1 || !strings.HasPrefix(lines[0], "[dumb-init] "+c.want) {
					t.Errorf("stderr:\n%s\nwant one line starting %q", r.stderr, "[dumb-init] "+c.want)
				}
				if _, err := os.Stat(marker); err == nil {
					t.Error("the command ran")
				}
			})
		}
	}
	// The first bad variable is reported, after "Running in debug mode."
	r := itRun(t, b, itOpts{env: []string{"DUMB_INIT_DEBUG=1", "DUMB_INIT_GRACE=x", "DUMB_INIT_DELAY=y"}}, "true")
	itExpectLines(t, "debug, then the first bad value", itNorm(r.stderr), []string{
		"[dumb-init] Running in debug mode.",
		"[dumb-init] DUMB_INIT_GRACE=x: expected SECONDS, a number of seconds above 0 and at most 86400 (e.g. 10 or 2.5).",
	})
	// Without a command the environment is never read, as in C.
	r = itRun(t, b, itOpts{env: []string{"DUMB_INIT_GRACE=x", "DUMB_INIT_EXIT_REMAP=1:0"}})
	if r.code != 1 || !strings.HasPrefix(r.stderr, "Usage: ") {
		t.Errorf("no command: exit %d, stderr %q; want the usage and 1", r.code, r.stderr)
	}
}

// Set to the empty string (or SUBREAPER to 0), the variables change
// nothing: the same transcript, signals and exit codes as C.
func TestDifferentialExtensionsEmpty(t *testing.T) {
	t.Parallel()
	empty := []string{"DUMB_INIT_GRACE=", "DUMB_INIT_DELAY=", "DUMB_INIT_SUBREAPER=0",
		"DUMB_INIT_EXIT_REMAP=", "DUMB_INIT_PDEATHSIG=", "DUMB_INIT_REPORT=", "DUMB_INIT_EXIT_SIGNAL=0"}
	for _, m := range extModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			ours, oracle := itDiff(t, func(t *testing.T, b itInit) []string {
				args := append(append([]string{"-v"}, m.initArgs...), "sh", "-c", "exit 3")
				r := itRun(t, b, itOpts{pid1: m.pid1, env: empty}, args...)
				out := append(itSorted(r.stderr), fmt.Sprint("exit ", r.code))
				m := m
				m.env = empty
				return append(out, itDelivery(t, b, m, []int{1, 2, 10, 15, itHostSig(34)})...)
			})
			itCompare(t, "transcript, exit code and signals delivered", ours, oracle)
		})
	}
}

// With no extension set the init makes none of their system calls (the C
// program makes none either); set, they show up, so the check can fail.
func TestExtensionsNoExtraSystemCalls(t *testing.T) {
	t.Parallel()
	itSkipUnderQemu(t, qemuStrace)
	b := itOurs(t)
	if _, err := exec.LookPath("strace"); err != nil {
		t.Fatal("strace is needed (scripts/deps.sh installs it)")
	}
	extra := regexp.MustCompile(`PR_SET_CHILD_SUBREAPER|PR_SET_PDEATHSIG|getppid\(|readlink(at)?\([^"]*"/proc/self"|open(at)?\([^"]*"/proc"` +
		// The runtime of a plain build's first start may tgkill itself a
		// SIGURG (preemption) before it re-execs; ours is the child's SIGTERM.
		`|RLIMIT_CORE, \{|PR_SET_DUMPABLE|tgkill\([0-9]+, [0-9]+, SIGTERM`)
	// The child dies of a signal, as DUMB_INIT_REPORT and _EXIT_SIGNAL
	// are about, making none of those calls itself (dash would call
	// getppid).
	trace := func(env ...string) []string {
		log := filepath.Join(t.TempDir(), "strace")
		cmd := exec.Command("strace", "-f", "-qq", "-o", log, b.path, itPython, "-c", "import os; os.kill(os.getpid(), 15)")
		cmd.Env = itEnv(env)
		// The init ends with the child's 143, or by its signal.
		if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(err.Error(), "143") &&
			!strings.Contains(err.Error(), "signal: terminated") {
			t.Fatalf("strace: %v\n%s", err, out)
		}
		data, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		return extra.FindAllString(string(data), -1)
	}
	if got := trace(); len(got) != 0 {
		t.Errorf("with no extension set, the init made %q", got)
	}
	if got := trace("DUMB_INIT_GRACE=", "DUMB_INIT_SUBREAPER=0", "DUMB_INIT_PDEATHSIG=",
		"DUMB_INIT_REPORT=", "DUMB_INIT_EXIT_SIGNAL=0"); len(got) != 0 {
		t.Errorf("with the variables empty, the init made %q", got)
	}
	got := strings.Join(trace("DUMB_INIT_GRACE=1", "DUMB_INIT_PDEATHSIG=15", "DUMB_INIT_DELAY=15:1",
		"DUMB_INIT_REPORT=1", "DUMB_INIT_EXIT_SIGNAL=1"), " ")
	for _, want := range []string{"PR_SET_CHILD_SUBREAPER", "PR_SET_PDEATHSIG", "getppid(", "/proc/self",
		"RLIMIT_CORE, {", "PR_SET_DUMPABLE", "SIGTERM"} {
		if !strings.Contains(got, want) {
			t.Errorf("with the extensions set, no %s in the trace (found %q): the check cannot see them", want, got)
		}
	}
}

// A service that needs 1 s to shut down gets it under GRACE, whether it is
// in the child's group or left it; without GRACE, as PID 1 it is killed
// with the namespace when the init exits, and not as PID 1 a service that
// left the group never even gets SIGTERM. Nobody gets SIGTERM twice.
func TestGraceLetsServicesShutDown(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, m := range extModes {
		for _, grace := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/grace=%v", m.name, grace), func(t *testing.T) {
				t.Parallel()
				var env []string
				if grace {
					env = []string{"DUMB_INIT_GRACE=10"}
				}
				exit := filepath.Join(t.TempDir(), "exit")
				p := itServices(t, b, m, env, nil, []string{"--stay", "--exit-file", exit, "--exit-code", "7"},
					"grouped:shutdown=1", "escaped:setsid:shutdown=1")
				// Not PID 1 and without a grace period, services outlive
				// the init.
				p.survivors = !grace && !m.pid1
				// The clock starts before the child can exit.
				start := time.Now()
				itWriteFile(t, exit, "", 0o644)
				if code := p.Wait(itDeadline + 10*time.Second); code != 7 {
					t.Errorf("exit code %d, want the child's 7", code)
				}
				took := time.Since(start)
				if p.survivors {
					// A SIGTERM that reached a survivor came before the
					// marker sent to it now (the highest signal, which it
					// reports last among those pending); the one that got
					// SIGTERM takes its second to shut down.
					marked := []string{"escaped"}
					if m.group {
						p.stdout.WaitLine(t, "grouped clean")
					} else {
						marked = append(marked, "grouped")
					}
					for _, name := range marked {
						var pid int
						for _, l := range p.stdout.Lines() {
							fmt.Sscanf(l, name+" up %d", &pid)
						}
						if pid <= 0 {
							t.Fatalf("no pid for %s", name)
						}
						syscall.Kill(pid, 64)
						p.stdout.WaitLine(t, name+" got 64")
					}
				}
				count := func(l string) int { return p.stdout.Count(l) }
				want := map[string]int{}
				switch {
				case grace:
					want = map[string]int{"grouped got 15": 1, "grouped clean": 1, "escaped got 15": 1, "escaped clean": 1}
					if took < time.Second {
						t.Errorf("the init exited %v after the child: before the services shut down", took)
					}
				case m.pid1:
					// The init exits at once and the kernel kills the rest
					// (maybe before the grouped one even logs its SIGTERM).
					want = map[string]int{"grouped clean": 0, "escaped clean": 0, "escaped got 15": 0}
				case m.group:
					want = map[string]int{"grouped got 15": 1, "grouped clean": 1, "escaped got 15": 0}
				default:
					want = map[string]int{"grouped got 15": 0, "escaped got 15": 0}
				}
				for l, n := range want {
					if got := count(l); got != n {
						t.Errorf("%q seen %d times, want %d; stdout:\n%s", l, got, n, p.stdout.String())
					}
				}
				if p.stderr.String() != "" {
					t.Errorf("without -v the init printed:\n%s", p.stderr.String())
				}
			})
		}
	}
}

// A process that ignores SIGTERM is SIGKILLed once the grace period is
// over, then reaped, and the init exits with the child's status.
func TestGraceKillsWhatIgnoresTerm(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, m := range extModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			exit := filepath.Join(t.TempDir(), "exit")
			p := itServices(t, b, m, []string{"DUMB_INIT_GRACE=1.5"}, []string{"-v"},
				[]string{"--stay", "--exit-file", exit, "--exit-code", "5"}, "stubborn:setsid:ignore-term", "grouped:ignore-term")
			// The clock starts before the child can exit.
			start := time.Now()
			itWriteFile(t, exit, "", 0o644)
			if code := p.Wait(itDeadline); code != 5 {
				t.Errorf("exit code %d, want the child's 5", code)
			}
			if took := time.Since(start); took < 1500*time.Millisecond {
				t.Errorf("the init exited %v after the child, before the grace period of 1.5 s", took)
			}
			log := itNorm(p.stderr.String())
			for _, want := range []string{
				"[dumb-init] Waiting up to 1.5 s for the processes left to exit.",
				"[dumb-init] Grace period of 1.5 s over: killing the processes left.",
				"[dumb-init] No child left.",
				"[dumb-init] Child exited with status 5. Goodbye.",
			} {
				if !slices.Contains(log, want) {
					t.Errorf("no %q in the transcript:\n%s", want, p.stderr.String())
				}
			}
			if !slices.Contains(log, "[dumb-init] A child with PID N was terminated by signal 9.") {
				t.Errorf("no SIGKILLed child reaped in the transcript:\n%s", p.stderr.String())
			}
			if !m.pid1 {
				// Both were ours (subreaper), killed and reaped.
				for _, l := range p.stdout.Lines() {
					var name string
					var pid int
					if n, _ := fmt.Sscanf(l, "%s up %d", &name, &pid); n == 2 {
						if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
							t.Errorf("%s (pid %d) still exists after the init exited: %v", name, pid, err)
						}
					}
				}
			}
		})
	}
}

// With nothing left when the child exits, the init exits at once, grace
// period or not.
func TestGraceNothingLeftExitsAtOnce(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, m := range extModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{"-v"}, m.initArgs...), "sh", "-c", "exit 4")
			// An init that waited the 60 s would outlast itRun's deadline.
			r := itRun(t, b, itOpts{pid1: m.pid1, env: []string{"DUMB_INIT_GRACE=60"}}, args...)
			if r.code != 4 {
				t.Errorf("exit code %d, want 4", r.code)
			}
			log := itNorm(r.stderr)
			n := len(log)
			if n < 2 || log[n-2] != "[dumb-init] No child left." || log[n-1] != "[dumb-init] Child exited with status 4. Goodbye." {
				t.Errorf("transcript:\n%s", r.stderr)
			}
		})
	}
}

// During the grace period the init keeps forwarding what it receives, to
// the child's group and to every other process left, through the rewrite
// table; and the exit-time SIGTERM itself goes through it too.
func TestGraceForwardsAndRewrites(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, m := range extModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			p := itServices(t, b, m, []string{"DUMB_INIT_GRACE=10"}, []string{"-v", "-r", "15:3", "-r", "10:12"},
				[]string{"--exit-code", "0"}, "grouped:shutdown=30", "escaped:setsid:shutdown=30")
			for _, name := range []string{"grouped", "escaped"} {
				p.stdout.WaitLine(t, name+" got 3")
			}
			p.stderr.WaitLine(t, "[dumb-init] Waiting up to 10 s for the processes left to exit.")
			p.Signal(syscall.SIGUSR1)
			for _, name := range []string{"grouped", "escaped"} {
				p.stdout.WaitLine(t, name+" got 12")
			}
			p.Signal(syscall.SIGTERM) // 3 again: they never shut down...
			for _, name := range []string{"grouped", "escaped"} {
				p.stdout.WaitCount(t, name+" got 3", 2)
			}
			// ...so SIGKILL at the end of the grace period.
			if code := p.Wait(itDeadline + 10*time.Second); code != 0 {
				t.Errorf("exit code %d, want 0", code)
			}
			if n := p.stdout.Count("grouped got 15") + p.stdout.Count("escaped got 15"); n != 0 {
				t.Errorf("SIGTERM reached the services %d times despite -r 15:3", n)
			}
		})
	}
}

// A delayed signal reaches the child no earlier than the delay; other
// signals go through at once meanwhile; a second arrival of the delayed
// signal ends the delay at once and is forwarded once with the first.
func TestDelayHoldsSignal(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, m := range extModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{"-v"}, m.initArgs...), itHelperCmd(t, "signals", "--stamp")...)
			p := itStart(t, b, itOpts{pid1: m.pid1, env: []string{"DUMB_INIT_DELAY=15:1.2,10:30"}}, args...)
			p.stdout.WaitLine(t, "ready")
			sent := itMonotonic()
			p.Signal(syscall.SIGTERM)
			p.Signal(syscall.SIGUSR2)
			usr2 := itStamp(t, p.stdout, 12, itDeadline)
			if at := itStamp(t, p.stdout, 15, itDeadline); at-sent < 1.2 {
				t.Errorf("SIGTERM delayed by 1.2 s reached the child after %.3f s", at-sent)
			} else if usr2 > at {
				t.Errorf("SIGUSR2 reached the child %.3f s after the delayed SIGTERM: it waited for it", usr2-at)
			}
			p.stderr.WaitLine(t, "[dumb-init] Delay of signal 15 over.")

			// SIGUSR1 is held for 30 s; sent again, it goes at once, once.
			p.Signal(syscall.SIGUSR1)
			p.stderr.WaitLine(t, "[dumb-init] Delaying signal 10 for 30 s.")
			sent = itMonotonic()
			p.Signal(syscall.SIGUSR1)
			if at := itStamp(t, p.stdout, 10, itDeadline); at-sent > 5 {
				t.Errorf("a second SIGUSR1 did not end its 30 s delay (%.3f s)", at-sent)
			}
			p.Signal(syscall.SIGUSR2) // handled after the second SIGUSR1
			if _, err := p.stdout.WaitFor(func(string) bool { return p.stdout.countPrefix("12@") == 2 }, itDeadline); err != nil {
				t.Fatalf("the second SIGUSR2 never came: %v", err)
			}
			if n := p.stdout.countPrefix("10@"); n != 1 {
				t.Errorf("SIGUSR1 sent twice during its delay reached the child %d times, want 1", n)
			}
			p.stderr.WaitLine(t, "[dumb-init] Received signal 10 again: not delaying it any longer.")
		})
	}
}

// countPrefix counts the complete lines starting with prefix.
func (l *itLines) countPrefix(prefix string) int {
	n := 0
	for _, line := range l.Lines() {
		if strings.HasPrefix(line, prefix) {
			n++
		}
	}
	return n
}

// Under SUBREAPER a plain (not PID 1) init adopts the orphans of its tree
// and reaps them; without it they go elsewhere. As PID 1 it changes
// nothing: orphans come to PID 1 anyway.
func TestSubreaperAdoptsOrphans(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, m := range extModes {
		for _, on := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/subreaper=%v", m.name, on), func(t *testing.T) {
				t.Parallel()
				var env []string
				if on {
					env = []string{"DUMB_INIT_SUBREAPER=1"}
				}
				exitFile := filepath.Join(t.TempDir(), "exit")
				args := append(append([]string{"-v"}, m.initArgs...),
					itHelperCmd(t, "orphans", "--count", "2", "--exit-file", exitFile, "--exit-code", "3")...)
				p := itStart(t, b, itOpts{pid1: m.pid1, env: env}, args...)
				p.stdout.WaitLine(t, "ready")
				var orphans []string
				var pids []int
				for _, l := range p.stdout.Lines() {
					var pid, code int
					if n, _ := fmt.Sscanf(l, "orphan %d %d", &pid, &code); n == 2 {
						orphans = append(orphans, fmt.Sprintf("[dumb-init] A child with PID %d exited with exit status %d.", pid, code))
						pids = append(pids, pid)
					}
				}
				adopted := on || m.pid1
				if adopted {
					for _, want := range orphans {
						p.stderr.WaitLine(t, want)
					}
				} else if !itPoll(itDeadline, func() bool {
					// They exit elsewhere (host pids: not PID 1); the
					// child must not end before.
					for _, pid := range pids {
						if st := itState(pid); st != "" && st != "Z" {
							return false
						}
					}
					return true
				}) {
					t.Fatalf("the orphans %v did not exit", pids)
				}
				itWriteFile(t, exitFile, "", 0o644)
				if code := p.Wait(itDeadline); code != 3 {
					t.Errorf("exit code %d, want 3", code)
				}
				log := p.stderr.String()
				for _, l := range orphans {
					// Orphan pids are the namespace's own as PID 1.
					if got := strings.Contains(log, l); got != adopted {
						t.Errorf("init reaped the orphan (%q): %v, want %v", l, got, adopted)
					}
				}
				wantLine := map[bool]string{false: "[dumb-init] Running as a child subreaper.",
					true: "[dumb-init] Running as PID 1: orphans come to us without a subreaper."}[m.pid1]
				if got := strings.Contains(log, wantLine+"\n"); got != on {
					t.Errorf("transcript has %q: %v, want %v:\n%s", wantLine, got, on, log)
				}
			})
		}
	}
}

// An orphan's parent is the init while it runs under SUBREAPER (not PID 1;
// as PID 1 it is the init anyway).
func TestSubreaperIsTheOrphansParent(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("subreaper=%v", on), func(t *testing.T) {
			t.Parallel()
			var env []string
			if on {
				env = []string{"DUMB_INIT_SUBREAPER=1"}
			}
			// The inner shell exits at once, orphaning its sleep.
			p := itStart(t, b, itOpts{env: env}, "sh", "-c", `sh -c 'sleep 30 & echo $!'; echo ready; exec sleep 30`)
			p.stdout.WaitLine(t, "ready")
			orphan, err := strconv.Atoi(p.stdout.Lines()[0])
			if err != nil {
				t.Fatalf("no orphan pid: %q", p.stdout.String())
			}
			t.Cleanup(func() { syscall.Kill(orphan, syscall.SIGKILL) })
			var ppid string
			itPoll(itDeadline, func() bool {
				f, err := itStat(orphan)
				if err == nil {
					ppid = f[1]
				}
				return ppid == strconv.Itoa(p.pid) || (!on && ppid != "" && ppid != "0")
			})
			if got := ppid == strconv.Itoa(p.pid); got != on {
				t.Errorf("the orphan's parent is %s, the init is %d: adopted %v, want %v", ppid, p.pid, got, on)
			}
		})
	}
}

// EXIT_REMAP turns the child's status into another; what is not listed,
// and dumb-init's own errors, pass unchanged.
func TestExitRemap(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, m := range extModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			env := []string{"DUMB_INIT_EXIT_REMAP=143:0,3:4,2:0,1:0"}
			// Stopped by SIGTERM (docker stop): 143 becomes 0.
			p := itStartSigsTerm(t, b, m, env, "-v")
			p.Signal(syscall.SIGTERM)
			if code := p.Wait(itDeadline); code != 0 {
				t.Errorf("child killed by SIGTERM: exit %d, want 0 (143 remapped)", code)
			}
			log := itNorm(p.stderr.String())
			if n := len(log); n < 2 || log[n-2] != "[dumb-init] Remapping exit status 143 to 0." ||
				log[n-1] != "[dumb-init] Child exited with status 143. Goodbye." {
				t.Errorf("transcript:\n%s", p.stderr.String())
			}
			run := func(args ...string) itResult {
				return itRun(t, b, itOpts{pid1: m.pid1, env: env}, append(append([]string{}, m.initArgs...), args...)...)
			}
			for _, c := range []struct {
				args []string
				want int
			}{
				{[]string{"sh", "-c", "exit 3"}, 4},
				{[]string{"sh", "-c", "exit 5"}, 5},
				{[]string{"sh", "-c", "exit 2"}, 0}, // the command's own 2
				{[]string{"/does/not/exist"}, 2},    // dumb-init's: not remapped
				{[]string{"-r", "99:1", "true"}, 1}, // front-end error
				{[]string{"--bogus", "true"}, 1},    // front-end error
			} {
				if r := run(c.args...); r.code != c.want {
					t.Errorf("%q: exit %d, want %d", c.args, r.code, c.want)
				}
			}
		})
	}
}

// itStartSigsTerm starts the signal recorder, which SIGTERM kills (its
// default action), so the child exits with 128+15.
func itStartSigsTerm(t *testing.T, b itInit, m itMode, env []string, initArgs ...string) *itProc {
	t.Helper()
	args := append(append(append([]string{}, initArgs...), m.initArgs...), "sh", "-c", `echo ready; exec sleep 30`)
	p := itStart(t, b, itOpts{pid1: m.pid1, env: env}, args...)
	p.stdout.WaitLine(t, "ready")
	return p
}

// PDEATHSIG: when the init's parent is SIGKILLed, the init gets SIG and
// handles it like any signal: through the rewrite table, to the child.
func TestPdeathsig(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, m := range extModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			env := []string{"DUMB_INIT_PDEATHSIG=10"}
			args := append(append([]string{"-v", "-r", "10:12"}, m.initArgs...), itHelperCmd(t, "signals")...)
			var o itOpts
			if m.pid1 {
				// unshare is the parent (outside the namespace).
				o = itOpts{pid1: true, env: env}
			} else {
				// A shell is the parent, so that killing it orphans the init.
				o = itOpts{env: env, wrap: []string{"sh", "-c", `"$@" & wait`, "sh"}}
			}
			p := itStart(t, b, o, args...)
			init := p.pid
			if !m.pid1 {
				init = itWaitChildren(t, p.pid, 1)[0]
			}
			p.stdout.WaitLine(t, "ready")
			child := itWaitChildren(t, init, 1)[0]
			t.Cleanup(func() {
				syscall.Kill(init, syscall.SIGKILL)
				syscall.Kill(child, syscall.SIGKILL)
			})
			p.stderr.WaitLine(t, "[dumb-init] Asked for signal 10 when the parent dies.")
			syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL) // the parent
			p.stdout.WaitLine(t, "12")
			p.stderr.WaitLine(t, "[dumb-init] Received signal 10.")
			p.stderr.WaitLine(t, "[dumb-init] Translating signal 10 to 12.")
			if n := p.stdout.Count("12"); n != 1 {
				t.Errorf("the child got 12 %d times, want once", n)
			}
		})
	}
}

// The kernel keeps a parent-death signal per thread and sends each one when
// the parent dies; a launcher's (unshare --kill-child: SIGKILL) is on the
// main thread. So the init must ask on the main thread, replacing it, not
// beside it. strace's pauses made the runtime move the main goroutine to
// another thread in about 1 of 3 runs before the fix: 12 runs of each build.
func TestPdeathsigOnTheMainThread(t *testing.T) {
	t.Parallel()
	itSkipUnderQemu(t, qemuStrace)
	for _, b := range itBuilds(t) {
		if len(b.runner) > 0 {
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for i := 0; i < 12; i++ {
				log := filepath.Join(t.TempDir(), "strace")
				cmd := exec.Command("strace", "-f", "-qq", "-o", log, "-e", "trace=execve,prctl", b.path, "true")
				cmd.Env = itEnv([]string{"DUMB_INIT_PDEATHSIG=10"})
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("strace: %v\n%s", err, out)
				}
				data, err := os.ReadFile(log)
				if err != nil {
					t.Fatal(err)
				}
				var main int
				fmt.Sscanf(string(data), "%d", &main) // the first line is the init's execve
				asked := regexp.MustCompile(`(?m)^(\d+) +prctl\(PR_SET_PDEATHSIG`).FindStringSubmatch(string(data))
				if asked == nil {
					t.Fatalf("no prctl(PR_SET_PDEATHSIG) in the trace:\n%s", data)
				}
				if asked[1] != strconv.Itoa(main) {
					t.Fatalf("run %d: thread %s asked for the parent-death signal, not the main thread %d", i, asked[1], main)
				}
			}
		})
	}
}

// A parent that dies before the kernel is asked for the signal never makes
// the kernel send it; the init then sends it to itself. strace holds back
// the getpid the init makes right before its prctl, while the test kills
// the parent. The signal is forwarded as soon as the child exists: the
// child (sleep) dies of it.
func TestPdeathsigParentAlreadyGone(t *testing.T) {
	t.Parallel()
	itSkipUnderQemu(t, qemuVforkIsFork)
	b := itOurs(t)
	trace := filepath.Join(t.TempDir(), "strace")
	p := itStart(t, b, itOpts{env: []string{"DUMB_INIT_PDEATHSIG=10"}, wrap: []string{
		"sh", "-c", `"$@" & wait`, "sh",
		"strace", "-D", "-f", "-qq", "-o", trace, "-e", "trace=getpid,getppid",
		"-e", "inject=getpid:delay_enter=2000000", "--"}},
		"-v", "sleep", "30")
	var init int
	if !itPoll(itDeadline, func() bool {
		data, _ := os.ReadFile(trace)
		fmt.Sscanf(string(data), "%d", &init)
		return strings.Contains(string(data), "getppid()")
	}) {
		t.Fatal("the init never asked for its parent")
	}
	t.Cleanup(func() { syscall.Kill(init, syscall.SIGKILL) })
	syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL) // the parent, while getpid is held
	for _, l := range []string{
		"[dumb-init] Asked for signal 10 when the parent dies.",
		"[dumb-init] The parent is already gone: acting as if signal 10 had arrived.",
		"[dumb-init] Received signal 10.",
		"[dumb-init] Forwarded signal 10 to children.",
		"[dumb-init] Child exited with status 138. Goodbye.",
	} {
		p.stderr.WaitLine(t, l)
	}
}

// The Kubernetes set: SIGTERM held for the load balancer, then forwarded;
// the child exits by it (143), the services left get the grace period, and
// 143 becomes 0. Without -v nothing is printed.
func TestExtensionsKubernetesSet(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, m := range extModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			env := []string{"DUMB_INIT_GRACE=10", "DUMB_INIT_DELAY=15:1", "DUMB_INIT_EXIT_REMAP=143:0"}
			p := itServices(t, b, m, env, nil, []string{"--stay", "--stamp", "--term-exit"},
				"worker:setsid:shutdown=1")
			sent := itMonotonic()
			p.Signal(syscall.SIGTERM)
			if code := p.Wait(itDeadline + 10*time.Second); code != 0 {
				t.Errorf("exit %d, want 0 (143 remapped)", code)
			}
			if at := itStamp(t, p.stdout, 15, time.Second); at-sent < 1 {
				t.Errorf("SIGTERM reached the child after %.3f s, before the 1 s delay", at-sent)
			}
			if p.stdout.Count("worker clean") != 1 {
				t.Errorf("the worker did not shut down cleanly:\n%s", p.stdout.String())
			}
			if p.stderr.String() != "" {
				t.Errorf("without -v the init printed:\n%s", p.stderr.String())
			}
		})
	}
}
