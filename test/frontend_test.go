package test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The front end (options, environment, messages, exit codes) is compared
// with the C program as a black box: same argv, same environment, same
// stdin, and the outcome must be byte for byte the same.

type feResult struct {
	code   int
	stderr string
	stdout string
}

// feRun runs the init with argv[0] "dumb-init", so messages that quote it
// compare equal, in an empty directory where no command can be found.
func feRun(t testing.TB, b itInit, dir string, env []string, args ...string) feResult {
	ctx, cancel := context.WithTimeout(context.Background(), itDeadline)
	defer cancel()
	bin := b.path
	if len(b.runner) > 0 {
		// qemu-user's -0 sets the guest's argv[0].
		bin = b.runner[0]
		args = append(append(append([]string{}, b.runner[1:]...), "-0", "dumb-init", b.path), args...)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Args[0] = "dumb-init"
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s %q: %v", bin, args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %q: timed out", bin, args)
	}
	return feResult{code, stderr.String(), stdout.String()}
}

var fePID = regexp.MustCompile(`PID \d+`)

// feNormal makes runs comparable: PIDs differ, and the child's debug lines
// race with the parent's (spec 4.8.1), so when a child ran, line order is
// not compared.
func feNormal(r feResult) feResult {
	r.stderr = fePID.ReplaceAllString(r.stderr, "PID N")
	if strings.Contains(r.stderr, "Child spawned") {
		lines := strings.SplitAfter(r.stderr, "\n")
		sort.Strings(lines)
		r.stderr = strings.Join(lines, "")
	}
	return r
}

func feCompare(t *testing.T, env []string, args ...string) {
	t.Helper()
	dir := t.TempDir()
	// The same binaries as the integration suite: one plain build of ours.
	ours := feNormal(feRun(t, itOurs(t), dir, env, args...))
	oracle := feNormal(feRun(t, itOracle(t), dir, env, args...))
	if ours != oracle {
		t.Errorf("dumb-init %q (env %q):\nours:   exit %d stdout %q stderr %q\noracle: exit %d stdout %q stderr %q",
			args, env, ours.code, ours.stdout, ours.stderr, oracle.code, oracle.stdout, oracle.stderr)
	}
}

// feSeeds are command lines from the spec's tables; fuzzing starts from them.
var feSeeds = []string{
	"", "-h", "--help", "-V", "--version", "-hV", "-Vh", "-v", "--", "-c --", "-r 15:3",
	"-r 99:1 -h", "-h -r 99:1", "-h --bogus", "--yolo", "--yolo=1", "-x", "-W", "-?",
	"-r", "--rewrite", "--help=x", "--single-child=1", "--ver", "--ver=1", "--=x", "--v",
	"--he", "--s x", "--r 15:3 x", "--rew 15:3 x", "--verb x", "--vers", "-vc x", "-cv x",
	"-vr15:3 x", "-cr 15:3 x", "-r echo hi", "echo -v", "true --help", "-- -v", "- x",
	"-r 15:3 -r 15:0 x", "-v x", "-c -v x", "-v -r 2:0 -r 3:3 x", "-r +15:+3 x",
	"-r 015:03 x", "-r 4294967311:3 x", "-r 99999999999999999999:1 x", "-r 15:3abc x",
	"-r 0:1 x", "-r 32:1 x", "-r 1:32 x", "-r 15:-1 x", "-r :3 x", "-r 15: x", "x",
	"--rewrite= x", "-c", "-vV", "-v -V x", "-rx", "-r=15:3 x",
}

func feArgs(line string) []string {
	if line == "" {
		return nil
	}
	return strings.Split(line, " ")
}

func TestFrontEndMatchesOracle(t *testing.T) {
	base := []string{"PATH=/nonexistent"}
	for _, line := range feSeeds {
		feCompare(t, base, feArgs(line)...)
	}
	// The environment (spec 2): only the exact values count, and only when
	// there is a command.
	for _, env := range [][]string{
		{"DUMB_INIT_DEBUG=1"}, {"DUMB_INIT_DEBUG=0"}, {"DUMB_INIT_DEBUG=true"}, {"DUMB_INIT_DEBUG= 1"},
		{"DUMB_INIT_DEBUG=01"}, {"DUMB_INIT_DEBUG="}, {"DUMB_INIT_SETSID=0"}, {"DUMB_INIT_SETSID=00"},
		{"DUMB_INIT_SETSID=1"}, {"DUMB_INIT_SETSID="}, {"DUMB_INIT_DEBUG=1", "DUMB_INIT_SETSID=0"},
		{"DUMB_INIT_DEBUG=1", "DUMB_INIT_SETSID=false"},
	} {
		for _, line := range []string{"x", "-v x", "-c x", "", "-h", "-V", "--bogus", "-r 99:1 x"} {
			feCompare(t, append(append([]string{}, base...), env...), feArgs(line)...)
		}
	}
}

// FuzzFrontEnd feeds both programs the same argv: words split at spaces.
// No word contains '/' and PATH names no directory, so whatever ends up as
// the command cannot run: only the front end and the exec error path are
// exercised.
func FuzzFrontEnd(f *testing.F) {
	for _, s := range feSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if len(line) > 200 || strings.ContainsAny(line, "/\x00") {
			t.Skip()
		}
		args := feArgs(line)
		if len(args) > 8 {
			t.Skip()
		}
		feCompare(t, []string{"PATH=/nonexistent"}, args...)
	})
}
