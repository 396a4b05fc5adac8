package test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The environment dumb-init passes on is often meant for a Go program, the
// command. Whatever Go runtime settings it holds, the init must behave as
// if they were unset (C prints nothing), and the command must get the
// environment byte for byte: order, duplicates, entries without '=' and
// empty ones included.
//
// A plain build's first runtime start cannot be kept from reading them: it
// prints the inittrace lines (and the schedtrace lines of its first few
// milliseconds) before it re-executes itself shielded (preempt.go). That is
// pinned here too.
//
// qemu-user builds its guest's environment from its own, keeping the last
// entry of each name and reversing their order; under it (other
// architectures' release builds) the environment has distinct names only
// and is compared as a set.
func TestDifferentialGoRuntimeSettings(t *testing.T) {
	t.Parallel()
	env := []string{
		"PATH=/usr/bin:/bin",
		"GODEBUG=inittrace=1,schedtrace=10,asyncpreemptoff=0",
		"A=1",
		"GOMAXPROCS=64",
		"GOGC=1",
		"GOMEMLIMIT=1KiB",
		"GOTRACEBACK=crash",
		"A=2",
		"GODEBUG=asyncpreemptoff=1",
		"NOEQUALS",
		"",
		"GOROOT=/nonexistent",
	}
	distinct := []string{"A=1", "GODEBUG=inittrace=1,schedtrace=10,asyncpreemptoff=0", "GOGC=1",
		"GOMAXPROCS=64", "GOMEMLIMIT=1KiB", "GOROOT=/nonexistent", "GOTRACEBACK=crash", "PATH=/usr/bin:/bin"}
	result := func(code int, environ []string) []string {
		return []string{fmt.Sprintf("exit %d", code), fmt.Sprintf("environ %q", strings.Join(environ, "\x00")+"\x00")}
	}
	for _, pid1 := range []bool{false, true} {
		t.Run(fmt.Sprintf("pid1=%v", pid1), func(t *testing.T) {
			t.Parallel()
			itDiffBuilds(t, "exit status and the child's environment", func(t *testing.T, b itInit) []string {
				e := env
				if len(b.runner) > 0 {
					e = distinct
				}
				o := itExactEnv(t, e)
				o.pid1 = pid1
				// What the child's environment holds as the kernel keeps it
				// (a shell's own variables stay out of /proc/PID/environ);
				// a runtime that took schedtrace=10 would print some 30
				// lines while the child sleeps.
				r := itRun(t, b, o, "/bin/sh", "-c", "cat /proc/$$/environ; sleep 0.3")
				itCheckFirstStartTrace(t, b, r.stderr)
				got := strings.Split(strings.TrimSuffix(r.stdout, "\x00"), "\x00")
				if len(b.runner) > 0 {
					sort.Strings(got)
				}
				if b.name == "oracle" {
					itExpectLines(t, "the C init's result", result(r.code, got), result(0, e))
				}
				return result(r.code, got)
			}, func(b itInit, oracle []string) []string {
				if len(b.runner) > 0 {
					return result(0, distinct)
				}
				return result(0, env)
			})
		})
	}
}

// itCheckFirstStartTrace checks the init's stderr when the caller's
// GODEBUG asks for runtime traces: nothing at all from a build that was
// entered at its own entry point (and from the oracle), and from a plain
// build only what its first runtime start prints before the re-exec: the
// inittrace lines and the schedtrace lines of its few milliseconds (which
// show the caller's GOMAXPROCS, never the shield's 1).
func itCheckFirstStartTrace(t *testing.T, b itInit, stderr string) {
	t.Helper()
	if b.name == "oracle" || b.entered {
		if stderr != "" {
			t.Errorf("stderr %q, want nothing", stderr)
		}
		return
	}
	// The runtime prints a line in pieces, so the two traces'
	// lines interleave: count, do not parse.
	if strings.Contains(stderr, " gomaxprocs=1 ") || strings.Contains(stderr, "[dumb-init]") {
		t.Errorf("stderr holds more than the first runtime start's traces:\n%s", stderr)
	}
	// A traced init would print some 30 while the child sleeps.
	if n := strings.Count(stderr, "SCHED "); n > 10 {
		t.Errorf("%d schedtrace lines: the re-executed init traced:\n%s", n, stderr)
	}
	t.Logf("first runtime start of the plain build printed:\n%s", stderr)
}

// The runtime aborts at start-up on a GOMEMLIMIT it cannot parse ("1G"
// instead of "1GiB"), a setting meant for the command. The release build
// never lets its runtime see it; a plain build's first runtime start does,
// and dies of it: a documented difference of plain builds.
func TestDifferentialMalformedGOMEMLIMIT(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=/usr/bin:/bin", "GOMEMLIMIT=1G"}
	for _, pid1 := range []bool{false, true} {
		t.Run(fmt.Sprintf("pid1=%v", pid1), func(t *testing.T) {
			t.Parallel()
			itDiffBuilds(t, "result", func(t *testing.T, b itInit) []string {
				o := itExactEnv(t, env)
				o.pid1 = pid1
				r := itRun(t, b, o, "/bin/sh", "-c", `echo "child: $GOMEMLIMIT"`)
				if b.name != "oracle" && !b.entered && strings.Contains(r.stderr, "fatal error: malformed GOMEMLIMIT") {
					return []string{fmt.Sprintf("exit %d", r.code), "runtime: malformed GOMEMLIMIT"}
				}
				return itResultLines(r, false)
			}, func(b itInit, oracle []string) []string {
				if !b.entered {
					return []string{"exit 2", "runtime: malformed GOMEMLIMIT"}
				}
				return oracle
			})
		})
	}
}

// A setuid (or file-capability) install starts the init in secure mode
// (AT_SECURE). The Go runtime then rewrites every GOTRACEBACK entry of its
// copy of the environment to GOTRACEBACK=none, or appends one; the child
// still gets the caller's environment (a plain build's re-exec once leaked
// its settings into it). glibc in secure mode drops its own list of unsafe
// variables (LD_PRELOAD, TMPDIR, ...) and unsafe GLIBC_TUNABLES from the
// environment the C init passes on, which ours does not copy: a documented
// difference (the child's own loader ignores them in secure mode anyway).
func TestDifferentialSecureModeEnvironment(t *testing.T) {
	t.Parallel()
	itSkipUnderQemu(t, qemuSecureMode)
	dir, err := os.MkdirTemp("", "dumb-init-setuid-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	setuid := func(b itInit) itInit {
		data, err := os.ReadFile(b.path)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, b.name)
		itWriteFile(t, p, string(data), 0o755)
		if err := os.Chmod(p, os.ModeSetuid|0o755); err != nil {
			t.Fatal(err)
		}
		return itInit{name: b.name, path: p, entered: b.entered}
	}
	c := setuid(itOracle(t))
	var builds []itInit
	for _, b := range itBuilds(t) {
		builds = append(builds, setuid(b))
	}
	env := []string{"GOTRACEBACK=all", "TMPDIR=/x", "A=1", "A=2", "LD_PRELOAD=/nonexistent.so"}
	run := func(t *testing.T, b itInit, env []string) string {
		o := itExactEnv(t, env)
		o.wrap = append(o.wrap, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
		r := itRun(t, b, o, "/bin/cat", "/proc/self/environ")
		if r.code != 0 {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		return strings.ReplaceAll(r.stdout, "\x00", " ")
	}
	if got := run(t, c, env); got != "GOTRACEBACK=all A=1 A=2 " {
		t.Skipf("the C init passed on %q: not in secure mode here (nosuid?)", got)
	}
	for _, b := range builds {
		t.Run(b.name, func(t *testing.T) {
			for _, e := range [][]string{env, env[1:]} {
				if got, want := run(t, b, e), strings.Join(e, " ")+" "; got != want {
					t.Errorf("the child's environment: %q, want the caller's %q", got, want)
				}
			}
		})
	}
}
