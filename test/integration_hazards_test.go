package test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The Go runtime preempts goroutines with SIGURG. An init that forwards
// everything it receives would hand those to the child. Keep the init busy
// (thousands of orphans to reap as PID 1, with debug output allocating) and
// count what the child sees: nothing, until a real SIGURG is sent, which
// must arrive exactly once. Not parallel: the fork storm needs the CPU.
func TestDifferentialNoRuntimeSIGURG(t *testing.T) {
	ours, oracle := itDiff(t, func(t *testing.T, b itInit) []string {
		return itRuntimeSIGURGs(t, b, nil)
	})
	itCompare(t, "SIGURG counts", ours, oracle)
}

// The same with GODEBUG=asyncpreemptoff=0 in the environment, which would
// override the release build's link-time default: no environment may turn
// the runtime's preemption signal back on in the init.
func TestDifferentialNoRuntimeSIGURGWhateverGODEBUG(t *testing.T) {
	itDiffBuilds(t, "SIGURG counts", func(t *testing.T, b itInit) []string {
		return itRuntimeSIGURGs(t, b, []string{"GODEBUG=asyncpreemptoff=0"})
	}, nil)
}

// itStormOrphans is the least number of orphans a storm leaves the init
// to reap, however slow the machine: an idle 2-core machine makes about
// 1500 in the storm's 2 s, a loaded one (two busy loops and other jobs)
// about 100.
const itStormOrphans = 500

func itRuntimeSIGURGs(t *testing.T, b itInit, env []string) []string {
	exitFile := filepath.Join(t.TempDir(), "exit")
	p := itStart(t, b, itOpts{pid1: true, env: env}, append([]string{"-v"},
		itHelperCmd(t, "forkstorm", "--seconds", "2", "--orphans", strconv.Itoa(itStormOrphans), "--exit-file", exitFile)...)...)
	// storm-done also says that no process of the storm is left in the
	// child's group, where it would record the SIGURG sent below too.
	line, err := p.stdout.WaitFor(func(l string) bool { return strings.HasPrefix(l, "storm-done ") }, 30*time.Second)
	if err != nil {
		t.Fatalf("fork storm did not finish: %v", err)
	}
	forks, _ := strconv.Atoi(strings.TrimPrefix(line, "storm-done "))
	t.Logf("%d orphans reaped during the storm", forks)
	if forks < itStormOrphans {
		t.Errorf("only %d orphans were created; the init was not kept busy", forks)
	}
	if n := p.stdout.Count("23"); n != 0 {
		t.Errorf("child received %d SIGURG it was never sent (after %d orphans)", n, forks)
	}
	p.Signal(syscall.SIGURG)
	p.stdout.WaitLine(t, "23")
	// A marker sent after it: once the child has it, whatever the init
	// forwarded before (a second SIGURG) has been recorded too. It is the
	// highest signal, which the recorder reports last among those pending.
	p.Signal(64)
	p.stdout.WaitLine(t, "64")
	if n := p.stdout.Count("23"); n != 1 {
		t.Errorf("child received %d SIGURG after one was sent to the init, want 1", n)
	}
	var other []string
	for _, l := range p.stdout.Lines() {
		if _, err := strconv.Atoi(l); err == nil && l != "23" && l != "64" {
			other = append(other, l)
		}
	}
	itExpectLines(t, "other signals the child received", other, nil)
	itWriteFile(t, exitFile, "", 0o644)
	if code := p.Wait(itDeadline); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	return []string{"SIGURG before: 0", "SIGURG after one sent: " + strconv.Itoa(p.stdout.Count("23"))}
}

// Closed stdin or stderr must not change the outcome (exit status, no crash
// or hang), nor what the child finds: the descriptor closed, as the C
// init's child does. The Go runtime opens /dev/null for a closed fd 0-2 at
// start-up (and aborts without one); the release build's entry code puts a
// placeholder there first that fails like a closed descriptor and goes away
// with the child's exec (entry.go). A plain build cannot, and hands the
// child /dev/null; its terminal detach then fails with ENOTTY rather than
// EBADF: a documented difference of plain builds.
func TestDifferentialClosedStdio(t *testing.T) {
	t.Parallel()
	// The child reports which of fds 0 and 2 it has open.
	probe := `for fd in 0 2; do [ -e /proc/self/fd/$fd ] && echo "fd$fd open"; done; exit 3`
	debug := func(errno string) []string {
		return []string{
			"[dumb-init] Unable to detach from controlling tty (" + errno + ").",
			"[dumb-init] Child spawned with PID N.",
			"[dumb-init] Unable to attach to controlling tty (" + errno + ").",
			"[dumb-init] setsid complete.",
			"[dumb-init] Received signal 17.",
			"[dumb-init] A child with PID N exited with exit status 3.",
			"[dumb-init] Forwarded signal 15 to children.",
			"[dumb-init] Child exited with status 3. Goodbye.",
		}
	}
	type want struct {
		stdout string
		stderr []string
	}
	cases := []struct {
		name        string
		redir       string
		oracle, dev want // dev: what a plain build's child gets, /dev/null
	}{
		{"stdin", "<&-",
			want{"fd2 open\n", debug("errno=9 Bad file descriptor")},
			want{"fd0 open\nfd2 open\n", debug("errno=25 Inappropriate ioctl for device")}},
		{"stderr", "2>&-", want{"fd0 open\n", nil}, want{"fd0 open\nfd2 open\n", nil}},
		{"both", "<&- 2>&-", want{"", nil}, want{"fd0 open\nfd2 open\n", nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			itDiffBuilds(t, "result", func(t *testing.T, b itInit) []string {
				w := c.dev
				if b.name == "oracle" || b.entered {
					w = c.oracle
				}
				r := itRun(t, b, itOpts{raw: true}, append(append([]string{"sh", "-c", `exec "$@" ` + c.redir, "sh"}, b.argv()...), "-v", "sh", "-c", probe)...)
				if r.code != 3 || r.stdout != w.stdout {
					t.Errorf("got exit %d stdout %q; want exit 3 stdout %q", r.code, r.stdout, w.stdout)
				}
				itExpectLines(t, "stderr (sorted)", itSorted(r.stderr), itSortedList(w.stderr))
				return itResultLines(r, true)
			}, func(b itInit, oracle []string) []string {
				if b.entered {
					return oracle
				}
				return itResultLines(itResult{3, c.dev.stdout, strings.Join(c.dev.stderr, "\n")}, true)
			})
		})
	}
}

// A stderr pipe whose reader is gone (`dumb-init -v cmd 2>&1 | true`): the
// C init livelocks on its own SIGPIPEs (spec 5.7), so only ours runs here.
// It must neither die, hang, spin nor pass its own SIGPIPEs to the child.
func TestIntegrationBrokenStderrPipe(t *testing.T) {
	t.Parallel()
	for _, m := range []itMode{itModes[0], itModes[1], itModes[2]} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			defer w.Close()
			b := itOurs(t)
			p := itStart(t, b, itOpts{pid1: m.pid1, stderr: w}, append(append([]string{"-v"}, m.initArgs...),
				"sh", "-c", "sleep 0.5; exit 3")...)
			w.Close()
			if code := p.Wait(itDeadline); code != 3 {
				t.Errorf("exit code %d, want 3 (the child's)", code)
			}
			ru := p.state.SysUsage().(*syscall.Rusage)
			cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			if cpu > time.Second {
				t.Errorf("used %v of CPU for a 0.5 s child: spinning on EPIPE", cpu)
			}
		})
	}
}

// The init keeps its process name (what ps -C, pgrep and top show) even when
// a plain build re-executes itself to switch preemption off: executing
// /proc/self/exe would otherwise rename it "exe".
func TestDifferentialProcessName(t *testing.T) {
	t.Parallel()
	itSkipUnderQemu(t, qemuComm)
	ours, oracle := itDiff(t, func(t *testing.T, b itInit) []string {
		r := itRun(t, b, itOpts{}, "sh", "-c", "cat /proc/$PPID/comm")
		if r.code != 0 || r.stdout != "dumb-init\n" {
			t.Errorf("init's comm as the child sees it: exit %d, %q; want \"dumb-init\\n\"", r.code, r.stdout)
		}
		return []string{r.stdout}
	})
	itCompare(t, "process name", ours, oracle)
}

// The init needs no /proc (only a plain `go build` binary uses it once, to
// switch preemption off, and runs on without it): exit statuses, exec
// errors and forwarding work as usual, in every build.
func TestIntegrationWithoutProc(t *testing.T) {
	t.Parallel()
	for _, b := range itBuilds(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			noProc := append([]string{"unshare", "--mount", "sh", "-c", `umount -l /proc && exec "$@"`, "sh"}, b.argv()...)
			run := func(args ...string) itResult {
				return itRun(t, b, itOpts{raw: true}, append(append([]string{}, noProc...), args...)...)
			}
			if r := run("sh", "-c", "[ -e /proc/self ] && echo proc is there; exit 3"); r.code != 3 || r.stdout != "" {
				t.Errorf("exit %d stdout %q; want exit 3 and no /proc", r.code, r.stdout)
			}
			if r := run("/doesnotexist"); r.code != 2 || r.stderr != "[dumb-init] /doesnotexist: No such file or directory\n" {
				t.Errorf("exec failure: exit %d stderr %q", r.code, r.stderr)
			}
			if r := run("sh", "-c", `trap "exit 42" TERM; kill -TERM $PPID; while :; do sleep 0.05; done`); r.code != 42 {
				t.Errorf("SIGTERM sent to the init: exit %d, want 42 (the child's trap)", r.code)
			}
		})
	}
}
