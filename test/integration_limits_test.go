package test

import (
	"fmt"
	"strings"
	"testing"
)

// Descriptors: the C init opens none (Debian's, dynamically linked, needs
// one more while its loader opens libc), and neither does ours: its signal
// handler wakes the loop with a futex, not a pipe, and the caller's
// directory, which it keeps open while it starts the command, it can do
// without (it then moves to / after the fork, as C does). The Go runtime
// kept the cgroup CPU limit's files open (two descriptors on cgroup v1),
// which the shield's GODEBUG turns off. So RLIMIT_NOFILE 4 gives both the
// same result, and 3 still runs ours (with a static command: sh itself
// needs a descriptor for libc).
func TestDifferentialLowNofile(t *testing.T) {
	t.Parallel()
	for _, pid1 := range []bool{false, true} {
		t.Run(fmt.Sprintf("pid1=%v", pid1), func(t *testing.T) {
			t.Parallel()
			itDiffBuilds(t, "result", func(t *testing.T, b itInit) []string {
				// 3 and 4 closed first: they may be inherited (flock's lock),
				// and dash cannot close them once the limit is below them.
				o := itOpts{pid1: pid1, wrap: []string{"sh", "-c", `exec 3>&- 4>&-; ulimit -n 4 && exec "$@"`, "sh"}}
				r := itRun(t, b, o, "-v", "sh", "-c", "exit 3")
				return itResultLines(r, true)
			}, nil)
			for _, b := range itBuilds(t) {
				if len(b.runner) > 0 {
					continue
				}
				o := itOpts{pid1: pid1, wrap: []string{"sh", "-c", `exec 3>&- 4>&-; ulimit -n 3 && exec "$@"`, "sh"}}
				if r := itRun(t, b, o, "/bin/busybox", "sh", "-c", "exit 3"); r.code != 3 || r.stderr != "" {
					t.Errorf("%s with RLIMIT_NOFILE 3: exit %d, stderr %q; want 3 and nothing", b.name, r.code, r.stderr)
				}
			}
		})
	}
}

// The runtime keeps no descriptor of its own open in the init (it kept the
// cgroup CPU limit's files, where there is one).
func TestIntegrationNoRuntimeDescriptors(t *testing.T) {
	t.Parallel()
	itSkipUnderQemu(t, qemuDescriptors)
	for _, b := range itBuilds(t) {
		for _, pid1 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/pid1=%v", b.name, pid1), func(t *testing.T) {
				t.Parallel()
				r := itRun(t, b, itOpts{pid1: pid1}, "sh", "-c", "ls -l /proc/$PPID/fd")
				if r.code != 0 || strings.Contains(r.stdout, "/sys/fs/cgroup") {
					t.Errorf("exit %d, the init's descriptors:\n%s", r.code, r.stdout)
				}
			})
		}
	}
}

// An unprivileged user and a read-only root file system change nothing:
// the init writes no file and needs no privilege.
func TestDifferentialUnprivilegedReadOnly(t *testing.T) {
	t.Parallel()
	nobody := []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}
	readOnly := []string{"unshare", "--mount", "sh", "-c", `mount -o remount,bind,ro / && exec "$@"`, "sh"}
	cases := []struct {
		name string
		wrap []string
	}{
		{"nobody", nobody},
		{"read-only-root", readOnly},
		{"both", append(append([]string{}, readOnly...), nobody...)},
	}
	for _, c := range cases {
		for _, m := range []itMode{itModes[0], itModes[1], itModes[2]} {
			t.Run(c.name+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				itDiffBuilds(t, "result", func(t *testing.T, b itInit) []string {
					args := append(append([]string{"-v"}, m.initArgs...), "sh", "-c", "id -u; exit 3")
					return itResultLines(itRun(t, b, itOpts{pid1: m.pid1, wrap: c.wrap}, args...), true)
				}, nil)
			})
		}
	}
}
