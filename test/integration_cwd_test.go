package test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The init leaves the caller's directory for / (so that it pins no mount),
// the command starts in the caller's directory. The C init moves after the
// fork, and a command that looks at once finds it still in the caller's
// directory in some runs; ours moves before, so never: 0 in 1000.
func TestIntegrationInitLeftCwdBeforeCommand(t *testing.T) {
	for _, b := range itBuilds(t) {
		for _, pid1 := range []bool{false, true} {
			runs := 1000
			if pid1 {
				runs = 300 // a PID namespace each costs more
			}
			if len(b.runner) > 0 {
				// A start under qemu-user costs ten times as much; the
				// order checked is the same Go code's on every architecture.
				runs /= 10
			}
			t.Run(fmt.Sprintf("%s/pid1=%v", b.name, pid1), func(t *testing.T) {
				dir := itTempDir(t)
				// The command reads the init's cwd and its own right after
				// exec: /proc/$$ is the init once the shell has exec'd it,
				// /proc/1 the init as PID 1. One shell runs them all: a
				// process per run from here would cost ten times as much.
				init := strings.Join(b.argv(), " ")
				run := `sh -c 'exec ` + init + ` readlink /proc/$$/cwd /proc/self/cwd'`
				if pid1 {
					run = "unshare --pid --fork --kill-child --mount-proc " + init + " readlink /proc/1/cwd /proc/self/cwd"
				}
				script := fmt.Sprintf(`for i in $(seq %d); do %s | paste -sd ' '; done`, runs, run)
				// Each run prints its line: the deadline is per run (a loaded
				// machine takes several times as long for all of them).
				p := itStart(t, b, itOpts{raw: true, dir: dir}, "sh", "-c", script)
				p.stdout.WaitLines(t, runs)
				code := p.Wait(itDeadline)
				counts := map[string]int{}
				for _, l := range itNorm(p.stdout.String()) {
					counts[strings.ReplaceAll(l, dir, "DIR")]++
				}
				want := map[string]int{"/ DIR": runs}
				if code != 0 || fmt.Sprint(counts) != fmt.Sprint(want) {
					t.Errorf("exit %d; init's and command's directories as the command saw them: %v, want %v; stderr %q",
						code, counts, want, p.stderr.String())
				}
			})
		}
	}
}

// If the init cannot move to / (no search permission on a chroot's root),
// it says so after "Child spawned" as the C init does, without the final
// period of its other messages, and runs on; the command starts where the
// init was started (the root has no /proc to look at the init's). The C init is dynamically linked, and its loader is
// out of reach in such a root, so only ours runs here.
func TestIntegrationChdirFailure(t *testing.T) {
	t.Parallel()
	const busybox = "/bin/busybox" // static: runs in the empty root
	if _, err := os.Stat(busybox); err != nil {
		t.Fatalf("%s (Debian's busybox-static) is needed: %v", busybox, err)
	}
	for _, b := range itBuilds(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			if err := os.Chmod(root, 0o700); err != nil { // root's: nobody may search it
				t.Fatal(err)
			}
			sub := filepath.Join(root, "sub")
			if err := os.Mkdir(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			init := itInit{name: b.name, path: "./init"}
			files := map[string]string{b.path: "init", busybox: "busybox"}
			if len(b.runner) > 0 {
				// qemu-user is static as well: the guest runs in the root.
				files[b.runner[0]] = "qemu"
				init.runner = []string{"./qemu"}
			}
			for src, dst := range files {
				data, err := os.ReadFile(src)
				if err != nil {
					t.Fatal(err)
				}
				itWriteFile(t, filepath.Join(sub, dst), string(data), 0o755)
			}
			o := itExactEnv(t, []string{"PATH=/sub"})
			o.env = append(o.env, "DUMB_INIT_TEST_JAIL="+root+":/sub:65534")
			r := itRun(t, init, o, "-v", "./busybox", "pwd")
			wantParent := []string{
				"[dumb-init] Unable to detach from controlling tty (errno=25 Inappropriate ioctl for device).",
				"[dumb-init] Child spawned with PID N.",
				`[dumb-init] Unable to chdir("/") (errno=13 Permission denied)`,
				"[dumb-init] Received signal 17.",
				"[dumb-init] A child with PID N exited with exit status 0.",
				"[dumb-init] Forwarded signal 15 to children.",
				"[dumb-init] Child exited with status 0. Goodbye.",
			}
			childLines := []string{
				"[dumb-init] Unable to attach to controlling tty (errno=25 Inappropriate ioctl for device).",
				"[dumb-init] setsid complete.",
			}
			var parent []string
			for _, l := range itNorm(r.stderr) {
				if l != childLines[0] && l != childLines[1] {
					parent = append(parent, l)
				}
			}
			itExpectLines(t, "the init's messages, in order", parent, wantParent)
			itExpectLines(t, "all messages (sorted)", itSorted(r.stderr), itSortedList(append(wantParent, childLines...)))
			if r.code != 0 || r.stdout != "/sub\n" {
				t.Errorf("exit %d, the command's directory %q; want 0 and /sub", r.code, r.stdout)
			}
		})
	}
}
