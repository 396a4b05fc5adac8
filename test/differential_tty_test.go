package test

import (
	"strings"
	"testing"
)

// On a pty the init gives the terminal to its child: as session leader it
// swallows the SIGHUP/SIGCONT that giving it up causes (spec 4.8.2); as a
// plain member of the session it cannot, and the child ends up without a
// terminal.
func TestDifferentialTTY(t *testing.T) {
	t.Parallel()
	const (
		spawned = "[dumb-init] Child spawned with PID N."
		setsid  = "[dumb-init] setsid complete."
		recv17  = "[dumb-init] Received signal 17."
		exited  = "[dumb-init] A child with PID N exited with exit status 0."
		fwd15   = "[dumb-init] Forwarded signal 15 to children."
		bye     = "[dumb-init] Child exited with status 0. Goodbye."
	)
	cases := []struct {
		name      string
		notLeader bool
		initArgs  []string
		want      []string
	}{
		{"session-leader", false, []string{"-v"}, []string{
			"[dumb-init] Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive.",
			spawned,
			"[dumb-init] Received signal 1.",
			"[dumb-init] Ignoring tty hand-off signal 1.",
			"[dumb-init] Received signal 18.",
			"[dumb-init] Ignoring tty hand-off signal 18.",
			setsid,
			// The child leads a new session and owns the terminal; the init
			// no longer has one.
			"sid_is_pid=1", "pgid_is_pid=1", "has_ctty=1", "parent_ctty=0", "tty_fg_is_own=1",
			"DUMB_INIT_DEBUG=None", "DUMB_INIT_SETSID=None",
			recv17, exited, fwd15, bye,
		}},
		{"not-session-leader", true, []string{"-v"}, []string{
			"[dumb-init] Detached from controlling tty, but was not session leader.",
			spawned,
			"[dumb-init] Unable to attach to controlling tty (errno=1 Operation not permitted).",
			setsid,
			"sid_is_pid=1", "pgid_is_pid=1", "has_ctty=0", "parent_ctty=0", "tty_fg_is_own=err25",
			"DUMB_INIT_DEBUG=None", "DUMB_INIT_SETSID=None",
			recv17, exited, fwd15, bye,
		}},
		// Single-child mode leaves the terminal alone: the child shares the
		// init's session and foreground group.
		{"single-child-session-leader", false, []string{"-cv"}, []string{
			spawned,
			"sid_is_pid=0", "pgid_is_pid=0", "has_ctty=1", "parent_ctty=1", "tty_fg_is_own=1",
			"DUMB_INIT_DEBUG=None", "DUMB_INIT_SETSID=None",
			recv17, exited, fwd15, bye,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ours, oracle := itDiff(t, func(t *testing.T, b itInit) []string {
				args := []string{"--"}
				if c.notLeader {
					args = []string{"--not-leader", "--"}
				}
				args = append(append(append(args, b.argv()...), c.initArgs...), itHelperCmd(t, "info")...)
				r := itRun(t, b, itOpts{raw: true}, itHelperCmd(t, "ptyrun", args...)...)
				if r.code != 0 {
					t.Errorf("exit code %d, want 0", r.code)
				}
				got := itSorted(r.stdout)
				itExpectLines(t, "terminal output (sorted)", got, itSortedList(c.want))
				// Lines before the fork cannot race with the child's.
				if lines := itNorm(r.stdout); len(lines) > 0 && !strings.HasPrefix(c.want[0], "[dumb-init] Child") && lines[0] != c.want[0] {
					t.Errorf("first line %q, want %q", lines[0], c.want[0])
				}
				return append([]string{r.stderr}, got...)
			})
			itCompare(t, "result", ours, oracle)
		})
	}
}
