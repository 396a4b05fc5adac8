package test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// itResultLines is what two runs must agree on: exit code, stdout and
// stderr (pids normalised; sorted where parent and child lines race).
func itResultLines(r itResult, sorted bool) []string {
	l := []string{fmt.Sprintf("exit %d", r.code)}
	for _, x := range itNorm(r.stdout) {
		l = append(l, "stdout: "+x)
	}
	errLines := itNorm(r.stderr)
	if sorted {
		errLines = itSortedList(errLines)
	}
	for _, x := range errLines {
		l = append(l, "stderr: "+x)
	}
	return l
}

func TestDifferentialExitCodes(t *testing.T) {
	t.Parallel()
	type tc struct {
		name string
		args []string
		want int
	}
	var cases []tc
	for _, code := range []int{0, 1, 2, 32, 64, 127, 254, 255} {
		cases = append(cases, tc{fmt.Sprintf("exit-%d", code), []string{"sh", "-c", fmt.Sprintf("exit %d", code)}, code})
	}
	for _, sig := range []struct {
		name string
		want int
	}{{"HUP", 129}, {"QUIT", 131}, {"KILL", 137}, {"TERM", 143}} {
		cases = append(cases, tc{"killed-by-" + sig.name, []string{"sh", "-c", "kill -" + sig.name + " $$"}, sig.want})
	}
	for _, c := range cases {
		for _, mode := range [][]string{nil, {"-c"}} {
			name := c.name
			if mode != nil {
				name += "-single-child"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				ours, oracle := itDiff(t, func(t *testing.T, b itInit) []string {
					r := itRun(t, b, itOpts{}, append(append([]string{}, mode...), c.args...)...)
					if r.code != c.want || r.stderr != "" || r.stdout != "" {
						t.Errorf("got exit %d stdout %q stderr %q; want exit %d and no output", r.code, r.stdout, r.stderr, c.want)
					}
					return itResultLines(r, false)
				})
				itCompare(t, "result", ours, oracle)
			})
		}
	}
}

func TestDifferentialExecFailures(t *testing.T) {
	t.Parallel()
	dir := itTempDir(t)
	noexec := filepath.Join(dir, "noexec")
	itWriteFile(t, noexec, "#!/bin/sh\necho should not run\n", 0o644)
	cases := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"missing", []string{"/doesnotexist"}, "[dumb-init] /doesnotexist: No such file or directory\n"},
		{"missing-after-dashdash", []string{"--", "/doesnotexist"}, "[dumb-init] /doesnotexist: No such file or directory\n"},
		{"missing-single-child", []string{"-c", "/doesnotexist"}, "[dumb-init] /doesnotexist: No such file or directory\n"},
		{"missing-long-single-child", []string{"--single-child", "--", "/doesnotexist"}, "[dumb-init] /doesnotexist: No such file or directory\n"},
		{"directory", []string{"/etc"}, "[dumb-init] /etc: Permission denied\n"},
		{"not-executable", []string{noexec}, "[dumb-init] " + noexec + ": Permission denied\n"},
		{"empty-string", []string{""}, "[dumb-init] : No such file or directory\n"},
		{"name-too-long", []string{strings.Repeat("x", 256)}, "[dumb-init] " + strings.Repeat("x", 256) + ": File name too long\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ours, oracle := itDiff(t, func(t *testing.T, b itInit) []string {
				r := itRun(t, b, itOpts{}, c.args...)
				if r.code != 2 || r.stderr != c.stderr || r.stdout != "" {
					t.Errorf("got exit %d stderr %q stdout %q; want exit 2 stderr %q", r.code, r.stderr, r.stdout, c.stderr)
				}
				return itResultLines(r, false)
			})
			itCompare(t, "result", ours, oracle)
		})
	}
}

// PATH search follows glibc execvp, not Go's exec.LookPath.
func TestDifferentialPathSearch(t *testing.T) {
	t.Parallel()
	root := itTempDir(t)
	denied := filepath.Join(root, "denied")
	empty := filepath.Join(root, "empty")
	cwd := filepath.Join(root, "cwd")
	bare := filepath.Join(root, "bare")
	for _, d := range []string{denied, empty, cwd, bare} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	itWriteFile(t, filepath.Join(denied, "prog"), "#!/bin/sh\necho denied ran\n", 0o644)
	itWriteFile(t, filepath.Join(cwd, "cwdprog"), "#!/bin/sh\necho cwdprog ran\nexit 4\n", 0o755)
	itWriteFile(t, filepath.Join(bare, "noshebang"), "echo \"noshebang $0 $1\"\nexit 3\n", 0o755)
	cases := []struct {
		name   string
		path   string
		dir    string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"eacces-then-enoent", denied + ":" + empty, "", []string{"prog"}, 2, "", "[dumb-init] prog: Permission denied\n"},
		{"enoent", empty, "", []string{"prog"}, 2, "", "[dumb-init] prog: No such file or directory\n"},
		{"empty-path-searches-cwd-only", "", cwd, []string{"ls"}, 2, "", "[dumb-init] ls: No such file or directory\n"},
		{"trailing-empty-element-is-cwd", empty + ":", cwd, []string{"cwdprog"}, 4, "cwdprog ran\n", ""},
		{"leading-empty-element-is-cwd", ":" + empty, cwd, []string{"cwdprog"}, 4, "cwdprog ran\n", ""},
		{"no-shebang-runs-via-sh", bare + ":/usr/bin:/bin", "", []string{"noshebang", "a"}, 3, "noshebang " + filepath.Join(bare, "noshebang") + " a\n", ""},
		{"no-shebang-without-args", bare + ":/usr/bin:/bin", "", []string{"noshebang"}, 3, "noshebang " + filepath.Join(bare, "noshebang") + " \n", ""},
		{"no-shebang-by-path", "/usr/bin:/bin", "", []string{filepath.Join(bare, "noshebang"), "b", "c"}, 3, "noshebang " + filepath.Join(bare, "noshebang") + " b\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ours, oracle := itDiff(t, func(t *testing.T, b itInit) []string {
				r := itRun(t, b, itOpts{env: []string{"PATH=" + c.path}, dir: c.dir}, c.args...)
				if r.code != c.code || r.stdout != c.stdout || r.stderr != c.stderr {
					t.Errorf("got exit %d stdout %q stderr %q; want exit %d stdout %q stderr %q",
						r.code, r.stdout, r.stderr, c.code, c.stdout, c.stderr)
				}
				return itResultLines(r, false)
			})
			itCompare(t, "result", ours, oracle)
		})
	}
}

// A script whose #! line names the init: the kernel runs
// `init /bin/sh script args`, the init not being PID 1.
func TestDifferentialShebang(t *testing.T) {
	t.Parallel()
	ours, oracle := itDiff(t, func(t *testing.T, b itInit) []string {
		dir := itTempDir(t)
		script := filepath.Join(dir, "script")
		itWriteFile(t, script, "#!"+b.exe(t)+" /bin/sh\necho \"shebang $1 pid1=$(test $PPID = 1 && echo yes || echo no)\"\nexit 5\n", 0o755)
		r := itRun(t, b, itOpts{raw: true}, script, "arg1")
		if r.code != 5 || r.stdout != "shebang arg1 pid1=no\n" || r.stderr != "" {
			t.Errorf("got exit %d stdout %q stderr %q; want exit 5 and stdout %q", r.code, r.stdout, r.stderr, "shebang arg1 pid1=no\n")
		}
		return itResultLines(r, false)
	})
	itCompare(t, "result", ours, oracle)
}

// The init's cwd becomes / (so it does not pin a mount); the child keeps
// the caller's.
func TestDifferentialCwd(t *testing.T) {
	t.Parallel()
	for _, pid1 := range []bool{false, true} {
		t.Run(fmt.Sprintf("pid1=%v", pid1), func(t *testing.T) {
			t.Parallel()
			ours, oracle := itDiff(t, func(t *testing.T, b itInit) []string {
				dir := itTempDir(t)
				s := itStartSigs(t, b, itOpts{pid1: pid1, dir: dir}, nil, false)
				var initCwd string
				itPoll(itDeadline, func() bool {
					initCwd, _ = os.Readlink(fmt.Sprintf("/proc/%d/cwd", s.pid))
					return initCwd == "/"
				})
				childCwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", s.child))
				if initCwd != "/" || childCwd != dir {
					t.Errorf("init cwd %q (want /), child cwd %q (want %q)", initCwd, childCwd, dir)
				}
				return []string{"init=" + initCwd, "child=" + strings.ReplaceAll(childCwd, dir, "DIR")}
			})
			itCompare(t, "cwds", ours, oracle)
		})
	}
}

// Environment switches: only the exact values "1" / "0" count, they never
// undo -v / -c, and the child inherits them unchanged.
func TestDifferentialEnvironment(t *testing.T) {
	t.Parallel()
	const (
		detach  = "[dumb-init] Unable to detach from controlling tty (errno=25 Inappropriate ioctl for device)."
		spawned = "[dumb-init] Child spawned with PID N."
		attach  = "[dumb-init] Unable to attach to controlling tty (errno=25 Inappropriate ioctl for device)."
		setsid  = "[dumb-init] setsid complete."
		debugOn = "[dumb-init] Running in debug mode."
		noSetsd = "[dumb-init] Not running in setsid mode."
		recv17  = "[dumb-init] Received signal 17."
		exited  = "[dumb-init] A child with PID N exited with exit status 0."
		fwd15   = "[dumb-init] Forwarded signal 15 to children."
		bye     = "[dumb-init] Child exited with status 0. Goodbye."
	)
	setsidDebug := []string{detach, spawned, attach, setsid, recv17, exited, fwd15, bye}
	singleDebug := []string{spawned, recv17, exited, fwd15, bye}
	type tc struct {
		name    string
		args    []string
		env     []string
		stderr  []string
		session bool // child leads its own session (setsid mode)
	}
	cases := []tc{
		{"debug-1", nil, []string{"DUMB_INIT_DEBUG=1"}, append([]string{debugOn}, setsidDebug...), true},
		{"debug-1-and-v", []string{"-v"}, []string{"DUMB_INIT_DEBUG=1"}, append([]string{debugOn}, setsidDebug...), true},
		{"v-not-undone-by-debug-0", []string{"-v"}, []string{"DUMB_INIT_DEBUG=0"}, setsidDebug, true},
		{"setsid-0-debug-1", nil, []string{"DUMB_INIT_DEBUG=1", "DUMB_INIT_SETSID=0"}, append([]string{debugOn, noSetsd}, singleDebug...), false},
		{"setsid-0-with-v", []string{"-v"}, []string{"DUMB_INIT_SETSID=0"}, append([]string{noSetsd}, singleDebug...), false},
		{"c-with-v", []string{"-cv"}, nil, singleDebug, false},
		{"c-not-undone-by-setsid-1", []string{"-c"}, []string{"DUMB_INIT_SETSID=1"}, nil, false},
		{"setsid-0-quiet", nil, []string{"DUMB_INIT_SETSID=0"}, nil, false},
	}
	for _, v := range []string{"0", "true", "yes", "01", " 1", "1 ", ""} {
		cases = append(cases, tc{fmt.Sprintf("debug-%q-ignored", v), nil, []string{"DUMB_INIT_DEBUG=" + v}, nil, true})
	}
	for _, v := range []string{"1", "00", "false", " 0", ""} {
		cases = append(cases, tc{fmt.Sprintf("setsid-%q-ignored", v), []string{"-v"}, []string{"DUMB_INIT_SETSID=" + v}, setsidDebug, true})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ours, oracle := itDiff(t, func(t *testing.T, b itInit) []string {
				r := itRun(t, b, itOpts{env: c.env}, append(append([]string{}, c.args...), itHelperCmd(t, "info")...)...)
				got := itSorted(r.stderr)
				itExpectLines(t, "stderr (sorted)", got, itSortedList(c.stderr))
				// The parent's own lines come in a fixed order; only the
				// child's two lines race with them.
				var parent []string
				for _, l := range itNorm(r.stderr) {
					if l != attach && l != setsid {
						parent = append(parent, l)
					}
				}
				var wantParent []string
				for _, l := range c.stderr {
					if l != attach && l != setsid {
						wantParent = append(wantParent, l)
					}
				}
				itExpectLines(t, "parent's stderr lines in order", parent, wantParent)
				info := map[string]string{}
				for _, l := range itNorm(r.stdout) {
					if k, v, ok := strings.Cut(l, "="); ok {
						info[k] = v
					}
				}
				wantEnv := map[string]string{"DUMB_INIT_DEBUG": "None", "DUMB_INIT_SETSID": "None"}
				for _, kv := range c.env {
					k, v, _ := strings.Cut(kv, "=")
					wantEnv[k] = "'" + v + "'"
				}
				for k, v := range wantEnv {
					if info[k] != v {
						t.Errorf("child sees %s=%s, want %s", k, info[k], v)
					}
				}
				if want := map[bool]string{true: "1", false: "0"}[c.session]; info["sid_is_pid"] != want {
					t.Errorf("child leads its own session: %s, want %s", info["sid_is_pid"], want)
				}
				if r.code != 0 {
					t.Errorf("exit code %d, want 0", r.code)
				}
				return itResultLines(r, true)
			})
			itCompare(t, "result", ours, oracle)
		})
	}
}

// Debug transcripts 4.8.1, 4.8.3 and 4.8.5 of the spec (4.8.4 is in the
// signal tests).
func TestDifferentialDebugTranscripts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		code int
		// want is the exact stderr; racy says the child's lines may come
		// anywhere after the first line, so compare sorted.
		want  []string
		racy  bool
		exact bool
	}{
		{"4.8.1", []string{"-v", "true"}, 0, []string{
			"[dumb-init] Unable to detach from controlling tty (errno=25 Inappropriate ioctl for device).",
			"[dumb-init] Child spawned with PID N.",
			"[dumb-init] Unable to attach to controlling tty (errno=25 Inappropriate ioctl for device).",
			"[dumb-init] setsid complete.",
			"[dumb-init] Received signal 17.",
			"[dumb-init] A child with PID N exited with exit status 0.",
			"[dumb-init] Forwarded signal 15 to children.",
			"[dumb-init] Child exited with status 0. Goodbye.",
		}, true, false},
		{"4.8.1-single-child", []string{"-c", "-v", "true"}, 0, []string{
			"[dumb-init] Child spawned with PID N.",
			"[dumb-init] Received signal 17.",
			"[dumb-init] A child with PID N exited with exit status 0.",
			"[dumb-init] Forwarded signal 15 to children.",
			"[dumb-init] Child exited with status 0. Goodbye.",
		}, false, true},
		{"4.8.3", []string{"-vc", "/etc/passwd"}, 2, []string{
			"[dumb-init] Child spawned with PID N.",
			"[dumb-init] /etc/passwd: Permission denied",
			"[dumb-init] Received signal 17.",
			"[dumb-init] A child with PID N exited with exit status 2.",
			"[dumb-init] Forwarded signal 15 to children.",
			"[dumb-init] Child exited with status 2. Goodbye.",
		}, true, false},
		{"4.8.5", []string{"-r15:3", "-cv", "true"}, 0, []string{
			"[dumb-init] Child spawned with PID N.",
			"[dumb-init] Received signal 17.",
			"[dumb-init] A child with PID N exited with exit status 0.",
			"[dumb-init] Translating signal 15 to 3.",
			"[dumb-init] Forwarded signal 3 to children.",
			"[dumb-init] Child exited with status 0. Goodbye.",
		}, false, true},
		{"drop-exit-signal", []string{"-r15:0", "-v", "sh", "-c", "exit 9"}, 9, []string{
			"[dumb-init] Unable to detach from controlling tty (errno=25 Inappropriate ioctl for device).",
			"[dumb-init] Child spawned with PID N.",
			"[dumb-init] Unable to attach to controlling tty (errno=25 Inappropriate ioctl for device).",
			"[dumb-init] setsid complete.",
			"[dumb-init] Received signal 17.",
			"[dumb-init] A child with PID N exited with exit status 9.",
			"[dumb-init] Translating signal 15 to 0.",
			"[dumb-init] Not forwarding signal 0 to children (ignored).",
			"[dumb-init] Child exited with status 9. Goodbye.",
		}, true, false},
		{"killed-child", []string{"-cv", "sh", "-c", "kill -TERM $$"}, 143, []string{
			"[dumb-init] Child spawned with PID N.",
			"[dumb-init] Received signal 17.",
			"[dumb-init] A child with PID N was terminated by signal 15.",
			"[dumb-init] Forwarded signal 15 to children.",
			"[dumb-init] Child exited with status 143. Goodbye.",
		}, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ours, oracle := itDiff(t, func(t *testing.T, b itInit) []string {
				r := itRun(t, b, itOpts{}, c.args...)
				if r.code != c.code {
					t.Errorf("exit code %d, want %d", r.code, c.code)
				}
				if c.exact {
					itExpectLines(t, "stderr", itNorm(r.stderr), c.want)
				} else {
					itExpectLines(t, "stderr (sorted)", itSorted(r.stderr), itSortedList(c.want))
					// Lines printed before the fork cannot race.
					if got := itNorm(r.stderr); len(got) > 0 && !strings.HasPrefix(c.want[0], "[dumb-init] Child spawned") && got[0] != c.want[0] {
						t.Errorf("first stderr line %q, want %q", got[0], c.want[0])
					}
				}
				return itResultLines(r, c.racy)
			})
			itCompare(t, "result", ours, oracle)
		})
	}
}

// A PATH element too long for glibc's execvp buffer (4096 bytes or more,
// in a PATH longer than 4095) is skipped, not an error: glibc then tries
// the current directory in its place when more elements follow, and when
// nothing at all was tried it reports errno as it happened to be (ENOTTY
// from the terminal calls in setsid mode, EINVAL from the C init's signal
// set-up with -c).
func TestDifferentialLongPathElements(t *testing.T) {
	t.Parallel()
	root := itTempDir(t)
	bin, cwd, empty := filepath.Join(root, "bin"), filepath.Join(root, "cwd"), filepath.Join(root, "empty")
	for _, d := range []string{bin, cwd, empty} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	itWriteFile(t, filepath.Join(bin, "prog"), "#!/bin/sh\necho bin prog\nexit 4\n", 0o755)
	itWriteFile(t, filepath.Join(cwd, "prog"), "#!/bin/sh\necho cwd prog\nexit 5\n", 0o755)
	long := "/" + strings.Repeat("x", 4999)
	slashes := func(n int) string { return "/bin" + strings.Repeat("/", n-4) } // a real directory, n bytes
	cases := []struct {
		name, path, dir string
	}{
		{"long-then-dir-in-cwd", long + ":" + bin, cwd},
		{"long-then-dir", long + ":" + bin, empty},
		{"dir-then-long", bin + ":" + long, cwd},
		{"missing-then-long", "/nonexistent:" + long, cwd},
		{"long-only", long, cwd},
		{"long-long", long + ":" + long, cwd},
		{"4096-bytes-only", slashes(4096), cwd},
		{"4095-bytes-only", slashes(4095), cwd},
		{"4095-bytes-then-dir", slashes(4095) + ":" + bin, cwd},
	}
	for _, c := range cases {
		for _, m := range []itMode{itModes[0], itModes[1], itModes[2]} {
			t.Run(c.name+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				itDiffBuilds(t, "result", func(t *testing.T, b itInit) []string {
					o := itOpts{pid1: m.pid1, env: []string{"PATH=" + c.path}, dir: c.dir}
					r := itRun(t, b, o, append(append([]string{}, m.initArgs...), "prog")...)
					return itResultLines(r, false)
				}, nil)
			})
		}
	}
}
