package test

// The randomized differential: cases drawn from a seed (random_case_test.go)
// run under ours and under Debian's C dumb-init, and what the child and its
// group receive, the init's exit status and its stderr must be the same.
// A second mode sets the opt-in extensions' variables at random and checks
// what the docs promise: unset or empty, the init is C; set, the exit
// status is the one docs/extensions.md gives.
//
// The processes under the init are recorders (test/helpers/recorder.c):
// each takes every signal with a signalfd and writes it down, in the
// kernel's order. After each step the harness waits until everything has
// settled (settle): the init waits for a signal with nothing pending, or is
// stopped, and each recorder waits in poll with nothing pending, or is
// stopped. Then it writes a marker into the output pipes, so that each
// step's lines can be told apart.
//
// DUMB_INIT_TEST_CASES is how many cases of each mode run (default 150
// natively, 40 under qemu-user), DUMB_INIT_TEST_SEED the first seed
// (default: a new one, printed), DUMB_INIT_TEST_CASE one case, as printed
// in JSON by a failure, DUMB_INIT_TEST_COUNT=1 counts the failing cases
// instead of stopping at the first. scripts/test-random.sh runs a longer
// campaign.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	rRecorderOnce sync.Once
	rRecorderPath string
	rRecorderErr  error
)

// rRecorder builds the recorder once, static, for the machine's own
// architecture (under qemu-user only the inits are emulated).
func rRecorder(t *testing.T) string {
	t.Helper()
	rRecorderOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dumb-init-recorder-")
		if err != nil {
			rRecorderErr = err
			return
		}
		os.Chmod(dir, 0o755)
		rRecorderPath = filepath.Join(dir, "recorder")
		out, err := exec.Command("gcc", "-static", "-O2", "-Wall", "-Werror", "-o", rRecorderPath,
			filepath.Join("helpers", "recorder.c")).CombinedOutput()
		if err != nil {
			rRecorderErr = fmt.Errorf("gcc (scripts/deps.sh installs it): %v\n%s", err, out)
		}
	})
	if rRecorderErr != nil {
		t.Fatal(rRecorderErr)
	}
	return rRecorderPath
}

// rSettings are the environment's: how many cases, from which seed.
func rSettings(t *testing.T) (cases int, seed uint64, one *rCase) {
	cases = 150
	if itArch != "" {
		cases = 40
	}
	if v := os.Getenv("DUMB_INIT_TEST_CASES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("DUMB_INIT_TEST_CASES=%q: want a number of cases", v)
		}
		cases = n
	}
	seed = uint64(time.Now().UnixNano())
	if v := os.Getenv("DUMB_INIT_TEST_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("DUMB_INIT_TEST_SEED=%q: want a number", v)
		}
		seed = n
	}
	if v := os.Getenv("DUMB_INIT_TEST_CASE"); v != "" {
		one = &rCase{}
		if err := json.Unmarshal([]byte(v), one); err != nil {
			t.Fatalf("DUMB_INIT_TEST_CASE: %v", err)
		}
	}
	return cases, seed, one
}

// TestRandomDifferential runs random cases under both inits, with the
// extensions off, and compares everything.
func TestRandomDifferential(t *testing.T) {
	t.Parallel()
	ours, oracle, rec := itOurs(t), itOracle(t), rRecorder(t)
	cases, seed, one := rSettings(t)
	compare := func(c rCase) (string, error) { return rCompare(ours, oracle, c, rec) }
	rCampaign(t, "differential", seed, cases, one, false, compare)
}

// TestRandomExtensions sets the extensions' variables at random: when all
// are unset or empty the init must be C's, and whatever they are, its
// exit status must be the one the docs give for the child's end.
func TestRandomExtensions(t *testing.T) {
	t.Parallel()
	ours, oracle, rec := itOurs(t), itOracle(t), rRecorder(t)
	cases, seed, one := rSettings(t)
	check := func(c rCase) (string, error) {
		if rExtensionsOff(c.Env) {
			return rCompare(ours, oracle, c, rec)
		}
		c.Args = append([]string{"-v"}, c.Args...) // the child's status is read off its debug lines
		a, err := rRun(ours, c, rec)
		if err != nil {
			return "", fmt.Errorf("ours: %w", err)
		}
		return rExitAsDocumented(c, a), nil
	}
	rCampaign(t, "extensions", seed+1, cases, one, true, check)
}

// rCompare runs c under both inits and says how they differ, or "".
func rCompare(ours, oracle itInit, c rCase, recorder string) (string, error) {
	a, err := rRun(ours, c, recorder)
	if err != nil {
		return "", fmt.Errorf("ours: %w", err)
	}
	b, err := rRun(oracle, c, recorder)
	if err != nil {
		return "", fmt.Errorf("C: %w", err)
	}
	if d := rDiff(a, b); d != "" {
		return "ours and C differ:\n" + d, nil
	}
	return "", nil
}

// rCampaign runs cases from seed on (or the one case given), and on the
// first failure shrinks it and reports the seed and the smallest case that
// still fails.
func rCampaign(t *testing.T, mode string, seed uint64, cases int, one *rCase, ext bool,
	run func(rCase) (string, error)) {
	if one != nil {
		if msg, err := run(*one); err != nil || msg != "" {
			t.Fatalf("case %s\n%s%v", one.JSON(), msg, errOrNil(err))
		}
		return
	}
	t.Logf("%s: seeds %d to %d (DUMB_INIT_TEST_SEED=%d repeats them)", mode, seed, seed+uint64(cases)-1, seed)
	// DUMB_INIT_TEST_COUNT=1: run them all and count those that fail
	// (to measure an init), instead of stopping at the first one.
	count := os.Getenv("DUMB_INIT_TEST_COUNT") == "1"
	var failed []uint64
	start := time.Now()
	for i := 0; i < cases; i++ {
		c := newRGen(seed+uint64(i), ext, itArch != "").gen()
		msg, err := run(c)
		if err != nil {
			t.Fatalf("seed %d: case %s\n%v", seed+uint64(i), c, err)
		}
		switch {
		case msg == "":
		case count:
			failed = append(failed, seed+uint64(i))
		default:
			small, smallMsg := rShrink(c, msg, run)
			t.Fatalf("seed %d (DUMB_INIT_TEST_SEED=%d DUMB_INIT_TEST_CASES=1) fails: %s\n\n"+
				"smallest case that still fails: %s\n%s\n\nrun it alone with DUMB_INIT_TEST_CASE='%s'",
				seed+uint64(i), seed+uint64(i), c, small, smallMsg, small.JSON())
		}
	}
	t.Logf("%s: %d cases in %.1f s (%.1f cases/s)", mode, cases, time.Since(start).Seconds(),
		float64(cases)/time.Since(start).Seconds())
	if len(failed) > 0 {
		t.Fatalf("%s: %d of %d cases fail, seeds %v", mode, len(failed), cases, failed)
	}
}

func errOrNil(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// rShrink tries simpler cases until none of them still fails.
func rShrink(c rCase, msg string, run func(rCase) (string, error)) (rCase, string) {
	for tries := 0; tries < 200; {
		better := false
		for _, d := range c.shrinks() {
			tries++
			if m, err := run(d); err == nil && m != "" {
				c, msg, better = d, m, true
				break
			}
		}
		if !better {
			break
		}
	}
	return c, msg
}

// rResult is what one run of a case showed.
type rResult struct {
	transcript []string
	status     string
	child      string // "killed" if the init said the child died of a signal
}

func rDiff(a, b rResult) string {
	x := append(slices.Clone(a.transcript), "status: "+a.status)
	y := append(slices.Clone(b.transcript), "status: "+b.status)
	if itEq(x, y) {
		return ""
	}
	var out []string
	for i := 0; i < max(len(x), len(y)); i++ {
		var l, r string
		if i < len(x) {
			l = x[i]
		}
		if i < len(y) {
			r = y[i]
		}
		mark := "  "
		if l != r {
			mark = "≠ "
		}
		out = append(out, fmt.Sprintf("%s%-60s | %s", mark, l, r))
	}
	return fmt.Sprintf("  %-60s | %s\n", "ours", "C") + strings.Join(out, "\n")
}

// rProcs are the recorders of a run, by name.
type rProcs struct {
	ctl map[string]*os.File // write ends of their command pipes
	pid map[string]int      // as they see themselves (in the init's namespace)
}

// rRun runs case c under init b and returns its transcript.
func rRun(b itInit, c rCase, recorder string) (res rResult, err error) {
	names := append([]string{"c"}, c.Procs...)
	procs := rProcs{ctl: map[string]*os.File{}, pid: map[string]int{}}
	var reads []*os.File
	args := append(append(slices.Clone(b.argv()), c.Args...), recorder, "c", "3", "0")
	for i, n := range names {
		r, w, err := os.Pipe()
		if err != nil {
			return res, err
		}
		defer w.Close()
		defer r.Close()
		procs.ctl[n] = w
		reads = append(reads, r)
		if n != "c" {
			how := map[string]string{"g": "group", "s": "session", "o": "orphan"}[n]
			args = append(args, fmt.Sprintf("%s:%d:%s", n, 3+i, how))
		}
	}
	if c.PID1 {
		args = append([]string{"unshare", "--pid", "--fork", "--kill-child", "--mount-proc"}, args...)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return res, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return res, err
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = itEnv(c.Env)
	cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = outW, errW, reads
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return res, err
	}
	for _, r := range reads {
		r.Close()
	}
	stdout, stderr := itNewLines(outR), itNewLines(errR)
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	h := &rHarness{b: b, c: c, procs: procs, cmd: cmd, exited: exited, outW: outW, errW: errW,
		stdout: stdout, stderr: stderr, recorder: recorder, started: cmd.Process.Pid,
		init: cmd.Process.Pid, ended: -1, killed: map[int][]string{}, stopped: map[int][]string{}}
	defer h.cleanup()
	if err := h.play(); err != nil {
		return res, fmt.Errorf("%v\nstdout so far:\n%s\nstderr so far:\n%s", err, stdout.String(), stderr.String())
	}
	return h.result(), nil
}

// rHarness plays one case.
type rHarness struct {
	b          itInit
	c          rCase
	procs      rProcs
	cmd        *exec.Cmd
	exited     chan struct{}
	outW, errW *os.File // the harness's own write ends, for the markers
	stdout     *itLines
	stderr     *itLines
	recorder   string   // the recorders' executable
	started    int      // the started process: unshare, or the init
	init       int      // the init, in our namespace
	steps      []string // what the harness did, one per marker
	notes      []string // what the harness had to do besides the case
	// ended is the step the init exited in (its marker's index), -1
	// before it exits.
	ended int
	// killed[i] are the recorders that ended in step i without being told
	// to: a forwarded SIGKILL (-r N:9) ends one at once, whether or not it
	// has written down what came just before, a race in C as in ours.
	killed map[int][]string
	// stopped[i] are the recorders stopped at the end of step i (by a
	// SIGSTOP the init forwarded, -r N:19). What the init forwarded just
	// before, such a recorder writes down before it stops or once it is
	// continued, as it gets to it: a race in C as in ours. So what it
	// writes while stopped counts in the step it goes on in.
	stopped map[int][]string
}

func (h *rHarness) play() error {
	for _, n := range append([]string{"c"}, h.c.Procs...) {
		line, err := h.stdout.WaitFor(func(l string) bool { return strings.HasPrefix(l, n+" ready ") }, itDeadline)
		if err != nil {
			return fmt.Errorf("recorder %s never became ready: %v", n, err)
		}
		h.procs.pid[n], _ = strconv.Atoi(strings.TrimPrefix(line, n+" ready "))
	}
	if h.c.PID1 {
		kids := itChildren(h.started)
		if len(kids) == 0 {
			return errors.New("unshare has no child")
		}
		h.init = kids[0]
	}
	if err := h.settle(); err != nil {
		return err
	}
	if err := h.mark("start"); err != nil {
		return err
	}
	for _, s := range h.c.Steps {
		if h.over() {
			break
		}
		if err := h.step(s); err != nil {
			return err
		}
	}
	return h.finish()
}

// over reports whether the init has exited, or is exiting: as PID 1 it
// then waits, asleep, for the kernel to end what is left of its namespace,
// and unshare notices its end only after that.
func (h *rHarness) over() bool {
	select {
	case <-h.exited:
		return true
	default:
		return rExiting(h.init)
	}
}

// rExiting reports whether pid is gone, a zombie, or exiting (PF_EXITING
// in the flags of /proc/PID/stat).
func rExiting(pid int) bool {
	f, err := itStat(pid)
	if err != nil || f[0] == "Z" {
		return true
	}
	flags, _ := strconv.ParseUint(f[6], 10, 64)
	return flags&0x4 != 0
}

func (h *rHarness) step(s rStep) error {
	before := h.alive()
	defer func() {
		after := h.alive()
		for _, n := range before {
			if (s.End == nil || s.End.Proc != n) && !slices.Contains(after, n) {
				h.killed[len(h.steps)-1] = append(h.killed[len(h.steps)-1], n)
			}
		}
	}()
	switch s.Kind {
	case "run":
		for _, sig := range s.Sigs {
			h.signal(h.init, sig)
			if err := h.settle(); err != nil {
				return err
			}
		}
	case "stop":
		syscall.Kill(h.init, syscall.SIGSTOP)
		if !itPoll(itDeadline, func() bool { st := itState(h.init); return itStopped(h.init) || st == "Z" || st == "" }) {
			return errors.New("the init did not stop")
		}
		if s.End != nil {
			if err := h.end(*s.End); err != nil {
				return err
			}
		}
		for _, sig := range s.Sigs {
			h.signal(h.init, sig)
		}
		syscall.Kill(h.init, syscall.SIGCONT)
	case "end":
		if err := h.end(*s.End); err != nil {
			return err
		}
	}
	if err := h.settle(); err != nil {
		return err
	}
	return h.mark(s.String())
}

// alive lists the recorders that have not ended.
func (h *rHarness) alive() []string {
	var names []string
	for _, n := range append([]string{"c"}, h.c.Procs...) {
		if pid := h.host(n); pid != 0 && h.isRecorder(pid) {
			names = append(names, n)
		}
	}
	return names
}

// signal sends the init's signal sig (another number under qemu-user).
func (h *rHarness) signal(pid, sig int) {
	syscall.Kill(pid, syscall.Signal(itHostSig(sig)))
}

// host finds the PID in our namespace of the recorder that calls itself
// pid in the init's (the same when not PID 1).
func (h *rHarness) host(proc string) int {
	pid := h.procs.pid[proc]
	if !h.c.PID1 {
		return pid
	}
	for _, d := range h.tree() {
		f := strings.Fields(itStatus(d, "NSpid"))
		if len(f) == 2 && f[1] == strconv.Itoa(pid) {
			return d
		}
	}
	return 0
}

// end makes a recorder end as e says, and waits until it has: a zombie,
// or gone. A recorder that is stopped cannot; the transcript says so.
func (h *rHarness) end(e rEnd) error {
	pid := h.host(e.Proc)
	if pid == 0 || itState(pid) == "Z" || itState(pid) == "" {
		h.notes = append(h.notes, e.Proc+" is gone already")
		return nil
	}
	if itState(pid) == "T" {
		h.notes = append(h.notes, e.Proc+" is stopped: it cannot end")
		return nil
	}
	cmd := []byte{'x', byte(e.Status)}
	if e.Signal != 0 {
		cmd = []byte{'k', byte(itHostSig(e.Signal))}
	}
	h.procs.ctl[e.Proc].Write(cmd)
	if !itPoll(itDeadline, func() bool { st := itState(pid); return st == "Z" || st == "" }) {
		return fmt.Errorf("%s (pid %d) did not end (%s)", e.Proc, pid, itState(pid))
	}
	return nil
}

// finish lets the child end as the case says, once the init runs and the
// child can, and waits for the init's end. Recorders that outlive a
// non-PID-1 init write down what they still have, then go.
func (h *rHarness) finish() error {
	// An init that has reaped its child is on its way out, even if it
	// does not look it yet: under qemu-user its exit can sleep a moment
	// before the kernel sees the process exiting.
	if pid := h.host("c"); !h.over() && (pid == 0 || itState(pid) != "Z" && !h.isRecorder(pid)) {
		if !itPoll(itDeadline, h.over) {
			return errors.New("the init reaped its child but did not exit")
		}
	}
	if !h.over() && itState(h.init) == "T" {
		syscall.Kill(h.init, syscall.SIGCONT)
		if err := h.settle(); err != nil {
			return err
		}
		if err := h.mark("the init is stopped: SIGCONT"); err != nil {
			return err
		}
	}
	if pid := h.host("c"); !h.over() && pid != 0 && itState(pid) == "T" {
		syscall.Kill(pid, syscall.SIGCONT)
		if err := h.settle(); err != nil {
			return err
		}
		if err := h.mark("the child is stopped: SIGCONT"); err != nil {
			return err
		}
	}
	what := "the init has exited"
	if !h.over() {
		what = "then " + h.c.End.String()
		if err := h.end(h.c.End); err != nil {
			return err
		}
	}
	select {
	case <-h.exited:
	case <-time.After(itDeadline):
		return errors.New("the init did not exit")
	}
	if !h.c.PID1 {
		for _, n := range append([]string{"c"}, h.c.Procs...) {
			pid := h.procs.pid[n]
			if st := itState(pid); st == "" || st == "Z" || !h.isRecorder(pid) {
				continue
			}
			if itState(pid) == "T" {
				h.notes = append(h.notes, n+" is stopped: SIGCONT")
				syscall.Kill(pid, syscall.SIGCONT)
			}
			h.procs.ctl[n].Write([]byte{'f', 0})
			if _, err := h.stdout.WaitFor(func(l string) bool { return l == n+" flushed" }, itDeadline); err != nil {
				return fmt.Errorf("%s did not flush: %v", n, err)
			}
		}
	}
	if err := h.mark(what); err != nil {
		return err
	}
	for _, w := range h.procs.ctl {
		w.Close() // the recorders left exit
	}
	h.outW.Close()
	h.errW.Close()
	if !h.stdout.WaitEOF(itDeadline) || !h.stderr.WaitEOF(itDeadline) {
		return errors.New("the output pipes stayed open")
	}
	return nil
}

// mark writes the marker of the step just done into both output pipes.
func (h *rHarness) mark(what string) error {
	if h.ended < 0 && h.over() {
		h.ended = len(h.steps)
	}
	h.steps = append(h.steps, what)
	for _, n := range h.alive() {
		if itState(h.host(n)) == "T" {
			h.stopped[len(h.steps)-1] = append(h.stopped[len(h.steps)-1], n)
		}
	}
	line := fmt.Sprintf("== %d\n", len(h.steps)-1)
	if _, err := h.outW.WriteString(line); err != nil {
		return err
	}
	_, err := h.errW.WriteString(line)
	return err
}

// tree is the init and every process under it, in our namespace, and
// the recorders that left it when their parent died (when not PID 1, where
// their PIDs are ours).
func (h *rHarness) tree() []int {
	all := []int{h.init}
	for i := 0; i < len(all); i++ {
		all = append(all, itChildren(all[i])...)
	}
	if !h.c.PID1 {
		for _, pid := range h.procs.pid {
			if h.isRecorder(pid) && !slices.Contains(all, pid) {
				all = append(all, pid)
			}
		}
	}
	return all
}

// isRecorder reports whether pid is still one of the recorders, not a
// process that got the PID of one that ended.
func (h *rHarness) isRecorder(pid int) bool {
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	return exe == h.recorder
}

// settle waits until nothing is left to happen: the init and every
// recorder are stopped or gone, or sleep with no signal pending (the init
// in its wait for the next signal, a recorder in poll: none of them sleeps
// anywhere else).
func (h *rHarness) settle() error {
	var why string
	// A case settles within milliseconds: look every one.
	if itPollEvery(itDeadline, time.Millisecond, func() bool {
		why = ""
		for _, pid := range h.tree() {
			if w := rBusy(pid, pid == h.init); w != "" {
				why = w
				return false
			}
		}
		return true
	}) {
		return nil
	}
	return errors.New("never settled: " + why)
}

var rStatusRe = regexp.MustCompile(`(?m)^(State|SigPnd|ShdPnd):\s*(\S+)`)

// rBusy says why process pid has not settled, or "": every thread of it
// sleeps (S) with no signal pending, and for the init one of them in its
// wait for the next signal; or it is stopped or gone; the init also once
// it is exiting (see over). A recorder that exits is not done
// before it is a zombie: only then has its parent been told.
func rBusy(pid int, init bool) string {
	if st := itState(pid); st == "" || st == "Z" || st == "T" || init && rExiting(pid) {
		return ""
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	waiting := false
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			continue // gone
		}
		for _, m := range rStatusRe.FindAllSubmatch(b, -1) {
			key, v := string(m[1]), string(m[2])
			switch {
			case key == "State" && v != "S" && v != "T" && v != "Z":
				return fmt.Sprintf("%s: state %s", task, v)
			case key != "State" && strings.Trim(v, "0") != "":
				return fmt.Sprintf("%s: %s %s", task, key, v)
			}
		}
		// Asleep is not enough for the init: under qemu-user a thread
		// also sleeps on qemu's own locks while the guest is at work.
		if init && !waiting {
			b, _ = os.ReadFile(filepath.Join(filepath.Dir(task), "syscall"))
			f := strings.Fields(string(b))
			waiting = len(f) > 0 && f[0] == strconv.Itoa(syscall.SYS_RT_SIGTIMEDWAIT)
		}
	}
	if init && !waiting {
		return fmt.Sprintf("%d: no thread waits for a signal (rt_sigtimedwait)", pid)
	}
	return ""
}

// cleanup ends whatever is left, stopped or not: a stopped recorder does
// not see its command pipe close, nor its own time limit pass.
func (h *rHarness) cleanup() {
	for _, w := range h.procs.ctl {
		w.Close()
	}
	h.outW.Close()
	h.errW.Close()
	for _, pid := range h.tree() {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if !h.over() {
		syscall.Kill(-h.started, syscall.SIGKILL)
	}
	<-h.exited
}

// result is the transcript: for each step, what the harness did, what
// each recorder wrote down, and the init's stderr; then the exit status.
func (h *rHarness) result() rResult {
	out := rSegments(h.stdout.Lines(), len(h.steps))
	errs := rSegments(h.stderr.Lines(), len(h.steps))
	var t []string
	carried := map[string][]string{} // a stopped recorder's lines, for the step it goes on in
	for i, what := range h.steps {
		t = append(t, "-- "+what)
		for _, n := range append([]string{"c"}, h.c.Procs...) {
			lines := append(carried[n], out[i]...)
			delete(carried, n)
			if slices.Contains(h.stopped[i], n) {
				carried[n] = lines
				continue
			}
			// As PID 1 the init's exit kills what is left at once: whether
			// a grandchild wrote down the last SIGTERM first is a race.
			if h.c.PID1 && n != "c" && i == h.ended {
				continue
			}
			if slices.Contains(h.killed[i], n) {
				t = append(t, n+": killed")
				continue
			}
			if got := rReceived(lines, n); len(got) > 0 {
				t = append(t, n+": "+strings.Join(got, " "))
			}
		}
		t = append(t, rStderr(errs[i], i == 0, slices.Contains(h.killed[i], "c"))...)
	}
	for _, n := range h.notes {
		t = append(t, "note: "+n)
	}
	ws := h.cmd.ProcessState.Sys().(syscall.WaitStatus)
	status := fmt.Sprint("exit ", ws.ExitStatus())
	if ws.Signaled() {
		status = fmt.Sprint("signal ", rGuestSig(int(ws.Signal())))
	}
	// Whether the child died of a signal, from the init's own line.
	killed := regexp.MustCompile(fmt.Sprintf(`^\[dumb-init\] A child with PID %d was terminated by signal \d+\.$`,
		h.procs.pid["c"]))
	child := "exited"
	for _, l := range h.stderr.Lines() {
		if killed.MatchString(l) {
			child = "killed"
		}
	}
	return rResult{transcript: t, status: status, child: child}
}

// rGuestSig is the signal the init knows as the host's n (itHostSig).
func rGuestSig(n int) int {
	if itArch == "" || n < 34 {
		return n
	}
	return n - 2
}

// rReceived is what recorder n wrote down in one step: which standard
// signals it received, and how many of each real-time one. Not their order,
// nor how many of a standard one: two signals the init forwards one after
// the other are both pending in the recorder or not, as the recorder gets
// to them, a race in C as in ours; two of the same standard signal are
// then one. For the same reason SIGCONT and the stop signals (TSTP, TTIN,
// TTOU) are one "jobctl": the kernel discards a pending one of them when
// the other comes. The order the init forwarded them in is in its stderr
// (-v).
func rReceived(lines []string, n string) []string {
	var got []string
	for _, l := range lines {
		v, ok := strings.CutPrefix(l, n+" ")
		if !ok || strings.HasPrefix(v, "ready ") || v == "flushed" {
			continue
		}
		sig, _ := strconv.Atoi(strings.TrimSuffix(v, "*"))
		if sig == 18 || sig >= 20 && sig <= 22 {
			v = strings.Replace(v, strconv.Itoa(sig), "jobctl", 1)
		}
		if sig < 32 && slices.Contains(got, v) {
			continue
		}
		got = append(got, v)
	}
	sort.Slice(got, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimSuffix(got[i], "*"))
		b, _ := strconv.Atoi(strings.TrimSuffix(got[j], "*"))
		return a < b || a == b && got[i] < got[j]
	})
	return got
}

// rSegments splits lines at the markers "== K".
func rSegments(lines []string, n int) [][]string {
	segs := make([][]string, n)
	k := 0
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "== "); ok {
			if i, err := strconv.Atoi(v); err == nil && i < n {
				k = i + 1
				continue
			}
		}
		if k < n {
			segs[k] = append(segs[k], l)
		}
	}
	return segs
}

// rStderr normalises one step's stderr: PIDs replaced, and a SIGCHLD that
// reaped nothing left out: it comes when a child stopped or continued, as
// soon as that child gets to it, a race in C as in ours. The start-up
// step is sorted: in C the child's first lines race the parent's.
//
// killed says the child died in this step of a SIGKILL the init forwarded
// (-r N:9). Its SIGCHLD joins the init's pending signals when the kernel
// has ended it, a race in C as in ours: the signals the kernel hands over
// after SIGCHLD (those above 17 but SIGSYS) that the init took once it
// had forwarded the SIGKILL are left out, each with the lines it caused.
func rStderr(lines []string, first, killed bool) []string {
	var out []string
	forwardedKill, skip := false, false
	for i, l := range lines {
		l = itPIDRe.ReplaceAllString(l, "PID N")
		if v, ok := strings.CutPrefix(l, "[dumb-init] Received signal "); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(v, "."))
			skip = killed && forwardedKill && n > 17 && n != 31
		}
		if l == "[dumb-init] Forwarded signal 9 to children." {
			forwardedKill = true
		}
		if skip {
			continue
		}
		if l == "[dumb-init] Received signal 17." &&
			(i+1 == len(lines) || !strings.HasPrefix(lines[i+1], "[dumb-init] A child with PID")) {
			continue
		}
		out = append(out, "stderr: "+l)
	}
	if first {
		sort.Strings(out)
	}
	return out
}

// rExtensionsOff reports whether every opt-in variable in env is unset or
// off.
func rExtensionsOff(env []string) bool {
	for _, e := range env {
		name, value, _ := strings.Cut(e, "=")
		if strings.HasPrefix(name, "DUMB_INIT_") && name != "DUMB_INIT_SETSID" && name != "DUMB_INIT_DEBUG" &&
			value != "" && value != "0" {
			return false
		}
	}
	return true
}

var rGoodbyeRe = regexp.MustCompile(`^\[dumb-init\] Child exited with status (\d+)\. Goodbye\.$`)

// rExitAsDocumented checks the exit status against docs/extensions.md:
// the child's status (N, or 128+N for signal N), remapped when
// DUMB_INIT_EXIT_REMAP lists it; else, with DUMB_INIT_EXIT_SIGNAL=1 and not
// as PID 1, death by the child's signal. It returns what is wrong, or "".
func rExitAsDocumented(c rCase, r rResult) string {
	child := -1
	for _, l := range r.transcript {
		if m := rGoodbyeRe.FindStringSubmatch(strings.TrimPrefix(l, "stderr: ")); m != nil {
			child, _ = strconv.Atoi(m[1])
		}
	}
	if child < 0 {
		if strings.HasPrefix(r.status, "signal 32") || strings.HasPrefix(r.status, "signal 33") {
			return "" // glibc's own two end the init, as they end C's
		}
		return fmt.Sprintf("no Goodbye line; status %s; transcript:\n%s", r.status, strings.Join(r.transcript, "\n"))
	}
	want := fmt.Sprint("exit ", child)
	remapped := false
	for _, e := range c.Env {
		if v, ok := strings.CutPrefix(e, "DUMB_INIT_EXIT_REMAP="); ok && v != "" {
			for _, pair := range strings.Split(v, ",") {
				from, to, _ := strings.Cut(pair, ":")
				if f, _ := strconv.Atoi(from); f == child {
					want, remapped = "exit "+to, true
				}
			}
		}
	}
	if !remapped && !c.PID1 && r.child == "killed" && slices.Contains(c.Env, "DUMB_INIT_EXIT_SIGNAL=1") {
		want = fmt.Sprint("signal ", child-128)
	}
	if r.status != want {
		return fmt.Sprintf("the child's status was %d: want %s, got %s; transcript:\n%s", child, want, r.status,
			strings.Join(r.transcript, "\n"))
	}
	return ""
}
