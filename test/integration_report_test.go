package test

// DUMB_INIT_REPORT and DUMB_INIT_EXIT_SIGNAL on the built binary, against
// real deaths by signal: a segmentation fault, abort(3), SIGKILL, a
// real-time signal, and a plain `exit 139` that must look like nothing
// happened. The parent's view is the wait status itself.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Status is the raw wait status of the started process, once it exited
// (as PID 1: unshare's, which exits with the init's status).
func (p *itProc) Status() syscall.WaitStatus {
	p.t.Helper()
	p.Wait(itDeadline)
	return p.state.Sys().(syscall.WaitStatus)
}

// itShowStatus describes a wait status as a shell's parent would see it.
func itShowStatus(ws syscall.WaitStatus) string {
	switch {
	case ws.Signaled() && ws.CoreDump():
		return fmt.Sprintf("killed by signal %d, core dumped", ws.Signal())
	case ws.Signaled():
		return fmt.Sprintf("killed by signal %d", ws.Signal())
	case ws.Exited():
		return fmt.Sprintf("exited with %d", ws.ExitStatus())
	}
	return fmt.Sprintf("status %#x", int(ws))
}

type itDeath struct {
	name string
	cmd  []string
	sig  int    // the signal that ends the command, 0 if it exits
	code int    // its exit status otherwise
	text string // the signal's name in the report
}

var itDeaths = []itDeath{
	{"segfault", []string{itPython, "-c", "import ctypes; ctypes.string_at(0)"}, 11, 0, "SIGSEGV"},
	{"abort", []string{itPython, "-c", "import os; os.abort()"}, 6, 0, "SIGABRT"},
	{"sigkill", []string{"sh", "-c", "kill -KILL $$"}, 9, 0, "SIGKILL"},
	{"realtime", []string{"sh", "-c", fmt.Sprintf("kill -%d $$", itHostSig(37))}, 37, 0, "SIGRTMIN+3"},
	{"exit-139", []string{"sh", "-c", "exit 139"}, 0, 139, ""},
}

// itNoCore runs the init with no core file allowed, whatever the test's own
// limit: a crash must not depend on how the suite was started.
var itNoCore = []string{"prlimit", "--core=0:0", "--"}

func TestReportAndExitSignal(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, m := range extModes {
		for _, d := range itDeaths {
			for _, set := range []struct {
				name               string
				env                []string
				report, exitSignal bool
			}{
				{"report", []string{"DUMB_INIT_REPORT=1"}, true, false},
				{"exit-signal", []string{"DUMB_INIT_EXIT_SIGNAL=1"}, false, true},
				{"both", []string{"DUMB_INIT_REPORT=1", "DUMB_INIT_EXIT_SIGNAL=1"}, true, true},
				{"off", []string{"DUMB_INIT_REPORT=0", "DUMB_INIT_EXIT_SIGNAL=0"}, false, false},
			} {
				t.Run(m.name+"/"+d.name+"/"+set.name, func(t *testing.T) {
					t.Parallel()
					args := append(append([]string{}, m.initArgs...), d.cmd...)
					p := itStart(t, b, itOpts{pid1: m.pid1, env: set.env, wrap: itNoCore}, args...)
					ws := p.Status()
					p.stderr.WaitEOF(itDeadline)

					var want []string
					if set.report && d.sig != 0 {
						want = []string{fmt.Sprintf("[dumb-init] Child terminated by signal %d (%s).", d.sig, d.text)}
					}
					itExpectLines(t, "stderr", itNorm(p.stderr.String()), want)

					wantStatus := fmt.Sprintf("exited with %d", d.code)
					switch {
					case d.sig != 0 && set.exitSignal && !m.pid1:
						wantStatus = fmt.Sprintf("killed by signal %d", itHostSig(d.sig))
					case d.sig != 0:
						wantStatus = fmt.Sprintf("exited with %d", 128+d.sig)
					}
					if got := itShowStatus(ws); got != wantStatus {
						t.Errorf("the parent sees the init %s, want %s", got, wantStatus)
					}
				})
			}
		}
	}
}

// The C program ignores both variables: no line, and 128+N.
func TestReportAndExitSignalOracle(t *testing.T) {
	t.Parallel()
	c := itOracle(t)
	for _, d := range itDeaths {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			p := itStart(t, c, itOpts{env: []string{"DUMB_INIT_REPORT=1", "DUMB_INIT_EXIT_SIGNAL=1"}, wrap: itNoCore}, d.cmd...)
			ws := p.Status()
			p.stderr.WaitEOF(itDeadline)
			want := d.code
			if d.sig != 0 {
				want = 128 + d.sig
			}
			if got := itShowStatus(ws); got != fmt.Sprintf("exited with %d", want) || p.stderr.String() != "" {
				t.Errorf("C dumb-init %s, stderr %q; want it to exit with %d and print nothing", got, p.stderr.String(), want)
			}
		})
	}
}

// A child that dumps core: the report says so, the core is the child's
// (in its directory), and dumb-init, dying of the same signal, leaves none
// of its own (it would be written in /, its directory) and its parent's
// wait sees no core dumped.
func TestExitSignalLeavesOnlyTheChildsCore(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	pattern, err := os.ReadFile("/proc/sys/kernel/core_pattern")
	if err != nil {
		t.Fatal(err)
	}
	// With the kernel's default pattern the core is a file named core in
	// the dying process's directory; a piped pattern hands it to a program.
	filePattern := strings.TrimSpace(string(pattern)) == "core"
	if !filePattern {
		t.Logf("core_pattern is %q: the core files themselves are not looked for", pattern)
	}
	rootCore := func() time.Time {
		st, err := os.Stat("/core")
		if err != nil {
			return time.Time{}
		}
		return st.ModTime()
	}
	before := rootCore()
	for _, m := range extModes {
		t.Run(m.name, func(t *testing.T) {
			dir := t.TempDir()
			p := itStart(t, b, itOpts{pid1: m.pid1, dir: dir, wrap: []string{"prlimit", "--core=unlimited", "--"},
				env: []string{"DUMB_INIT_REPORT=1", "DUMB_INIT_EXIT_SIGNAL=1"}},
				append(append([]string{}, m.initArgs...), itPython, "-c", "import os; os.abort()")...)
			ws := p.Status()
			p.stderr.WaitEOF(itDeadline)
			itExpectLines(t, "stderr", itNorm(p.stderr.String()),
				[]string{"[dumb-init] Child terminated by signal 6 (SIGABRT), core dumped."})
			want := "killed by signal 6"
			if m.pid1 {
				want = "exited with 134"
			}
			if got := itShowStatus(ws); got != want {
				t.Errorf("the parent sees the init %s, want %s", got, want)
			}
			if filePattern {
				if _, err := os.Stat(filepath.Join(dir, "core")); err != nil {
					t.Errorf("the child's core is not in its directory: %v", err)
				}
			}
		})
	}
	if filePattern && !rootCore().Equal(before) {
		t.Errorf("/core was written during the test: dumb-init dumped core")
	}
}

// With a grace period the signal comes after it; debug says what happens,
// as PID 1 too, where the status stays 128+N.
func TestExitSignalAfterGrace(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, m := range extModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			// The background sleep ignores SIGTERM (set before it is forked,
			// so it cannot miss it): the grace period runs out on it.
			args := append(append([]string{"-v"}, m.initArgs...), "sh", "-c", `trap "" TERM; sleep 30 & kill -SEGV $$`)
			p := itStart(t, b, itOpts{pid1: m.pid1, wrap: itNoCore,
				env: []string{"DUMB_INIT_GRACE=0.5", "DUMB_INIT_REPORT=1", "DUMB_INIT_EXIT_SIGNAL=1"}}, args...)
			ws := p.Status()
			p.stderr.WaitEOF(itDeadline)
			last := "[dumb-init] Exiting by signal 11, as the child did."
			want := "killed by signal 11"
			if m.pid1 {
				last = "[dumb-init] Running as PID 1: exiting with status 139, not by signal 11."
				want = "exited with 139"
			}
			var got []string
			for _, l := range p.stderr.Lines() { // PIDs kept: "PID 1" is what is checked
				for _, w := range []string{"Child terminated", "Waiting up to", "Grace period", "Goodbye", "Exiting by", "Running as PID 1: exiting"} {
					if strings.Contains(l, w) {
						got = append(got, l)
					}
				}
			}
			itExpectLines(t, "the report, the grace period, then the end", got, []string{
				"[dumb-init] Child terminated by signal 11 (SIGSEGV).",
				"[dumb-init] Waiting up to 0.5 s for the processes left to exit.",
				"[dumb-init] Grace period of 0.5 s over: killing the processes left.",
				"[dumb-init] Child exited with status 139. Goodbye.",
				last,
			})
			if s := itShowStatus(ws); s != want {
				t.Errorf("the parent sees the init %s, want %s; stderr:\n%s", s, want, p.stderr.String())
			}
		})
	}
}

// A status DUMB_INIT_EXIT_REMAP lists wins over the signal, even one
// mapped to itself.
func TestExitSignalRemapped(t *testing.T) {
	t.Parallel()
	b := itOurs(t)
	for _, m := range extModes {
		for _, c := range []struct {
			remap string
			want  string
		}{
			{"139:0", "exited with 0"},
			{"139:139", "exited with 139"},
			{"134:0", "killed by signal 11"}, // another status: not this one
		} {
			t.Run(m.name+"/"+c.remap, func(t *testing.T) {
				t.Parallel()
				want := c.want
				if m.pid1 && c.remap == "134:0" {
					want = "exited with 139"
				}
				args := append(append([]string{}, m.initArgs...), "sh", "-c", "kill -SEGV $$")
				p := itStart(t, b, itOpts{pid1: m.pid1, wrap: itNoCore,
					env: []string{"DUMB_INIT_EXIT_SIGNAL=1", "DUMB_INIT_EXIT_REMAP=" + c.remap}}, args...)
				if got := itShowStatus(p.Status()); got != want {
					t.Errorf("the parent sees the init %s, want %s; stderr:\n%s", got, want, p.stderr.String())
				}
			})
		}
	}
}
