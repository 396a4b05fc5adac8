package test

// Harness for the integration and differential suites: every scenario runs
// the init as a real process (optionally as PID 1 of a fresh PID namespace)
// and observes it only from the outside (exit status, stderr, the signals a
// helper child records, /proc).

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const itPython = "/usr/bin/python3"

// itRoot is the repository root: go test runs this package in test/, and the
// init it tests is the root package.
const itRoot = ".."

// itDeadline is generous: the whole suite shares two cores with other
// jobs (and under qemu-user, with the translation of every instruction).
var itDeadline = 10 * time.Second * itSlowdown()

var (
	itBuildOnce sync.Once
	itBuildDir  string
	itBuildPath string
	itBuildErr  error
)

func TestMain(m *testing.M) {
	if f := os.Getenv("DUMB_INIT_TEST_EXECVE"); f != "" {
		os.Exit(itExecve(f, os.Args[1:]))
	}
	code := m.Run()
	if itBuildDir != "" {
		os.RemoveAll(itBuildDir)
	}
	if itReleaseDir != "" {
		os.RemoveAll(itReleaseDir)
	}
	os.Exit(code)
}

// itInit is one init implementation under test.
type itInit struct {
	name string
	path string
	// runner runs path (qemu-user for another architecture's build); it
	// must run it in its own process, so that its pid is the init's.
	runner []string
	// entered: the build starts at its own entry point (a release build,
	// see entry.go; set by itBuilds).
	entered bool
}

// itOurs builds the port once, the way `go install` users get it (plain
// build, no ldflags), so runtime defaults such as async preemption are the
// ones real users run with.
func itOurs(t *testing.T) itInit {
	t.Helper()
	if itArch != "" {
		return itQemuOurs(t)
	}
	if p := os.Getenv("DUMB_INIT_BIN"); p != "" {
		return itInit{name: "ours", path: p}
	}
	itBuildOnce.Do(func() {
		itBuildDir, itBuildErr = os.MkdirTemp("", "dumb-init-itest-")
		if itBuildErr != nil {
			return
		}
		itBuildPath = filepath.Join(itBuildDir, "dumb-init")
		cmd := exec.Command("go", "build", "-trimpath", "-o", itBuildPath, ".")
		cmd.Dir = itRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			itBuildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if itBuildErr != nil {
		t.Fatal(itBuildErr)
	}
	return itInit{name: "ours", path: itBuildPath}
}

// itOracle fails (never skips) when the C dumb-init is missing: CI installs
// it, so a missing oracle means the differential suite silently proved
// nothing.
func itOracle(t *testing.T) itInit {
	t.Helper()
	if itArch != "" {
		return itQemuOracle(t)
	}
	p := os.Getenv("DUMB_INIT_ORACLE")
	if p == "" {
		p = "/usr/bin/dumb-init"
	}
	if st, err := os.Stat(p); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		t.Fatalf("oracle C dumb-init not usable at %s (install Debian's dumb-init or set DUMB_INIT_ORACLE): %v", p, err)
	}
	return itInit{name: "oracle", path: p}
}

func itHelper(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("helpers", "helper.py"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(itPython); err != nil {
		t.Fatalf("%s is required by the integration tests: %v", itPython, err)
	}
	return p
}

// itHelperCmd is the argv that runs helper.py in the given mode.
func itHelperCmd(t *testing.T, mode string, args ...string) []string {
	return append([]string{itPython, itHelper(t), mode}, args...)
}

// itLines accumulates what a process writes to one pipe and lets tests
// wait for a line with a deadline.
type itLines struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	eof    bool
	change chan struct{}
	inode  uint64 // the pipe's, to find who holds it open
	drop   string // lines starting with it are not the process's (itQemuDrop)
}

func itNewLines(r *os.File) *itLines {
	l := &itLines{change: make(chan struct{})}
	// (Not r.Fd(): it would make the reads block a thread each.)
	if fi, err := r.Stat(); err == nil {
		l.inode = fi.Sys().(*syscall.Stat_t).Ino
	}
	go func() {
		defer r.Close()
		b := make([]byte, 64<<10)
		for {
			n, err := r.Read(b)
			l.mu.Lock()
			l.buf.Write(b[:n])
			if err != nil {
				l.eof = true
			}
			close(l.change)
			l.change = make(chan struct{})
			l.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return l
}

func (l *itLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.drop != "" {
		return itDropLines(l.buf.String(), l.drop)
	}
	return l.buf.String()
}

// Lines returns the complete lines seen so far, with pty carriage returns
// removed.
func (l *itLines) Lines() []string {
	s := strings.ReplaceAll(l.String(), "\r", "")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	} else {
		return nil
	}
	return strings.Split(s, "\n")
}

// WaitFor blocks until some complete line satisfies pred.
func (l *itLines) WaitFor(pred func(string) bool, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		l.mu.Lock()
		ch, eof := l.change, l.eof
		l.mu.Unlock()
		for _, line := range l.Lines() {
			if pred(line) {
				return line, nil
			}
		}
		if eof {
			return "", errors.New("EOF before the expected line")
		}
		left := time.Until(deadline)
		if left <= 0 {
			return "", errors.New("timed out")
		}
		select {
		case <-ch:
		case <-time.After(left):
		}
	}
}

// WaitLine waits for an exact line.
func (l *itLines) WaitLine(t *testing.T, want string) {
	t.Helper()
	if _, err := l.WaitFor(func(s string) bool { return s == want }, itDeadline); err != nil {
		t.Fatalf("waiting for line %q: %v; got so far:\n%s", want, err, l.String())
	}
}

// Count is the number of complete lines equal to want.
func (l *itLines) Count(want string) int {
	n := 0
	for _, line := range l.Lines() {
		if line == want {
			n++
		}
	}
	return n
}

// WaitCount waits until the line want has been seen at least n times.
func (l *itLines) WaitCount(t *testing.T, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(itDeadline)
	for {
		l.mu.Lock()
		ch, eof := l.change, l.eof
		l.mu.Unlock()
		if l.Count(want) >= n {
			return
		}
		if eof || time.Now().After(deadline) {
			t.Fatalf("waiting for line %q to appear %d times (eof=%v); got:\n%s", want, n, eof, l.String())
		}
		select {
		case <-ch:
		case <-time.After(time.Until(deadline)):
		}
	}
}

// WaitLines waits until n complete lines have come, each within
// itDeadline of the one before: for a command that reports as it goes, the
// deadline bounds a stall, not the whole run, which takes as long as the
// machine's load makes it take.
func (l *itLines) WaitLines(t *testing.T, n int) {
	t.Helper()
	have, deadline := -1, time.Time{}
	for {
		l.mu.Lock()
		ch, eof := l.change, l.eof
		got := bytes.Count(l.buf.Bytes(), []byte{'\n'})
		l.mu.Unlock()
		if got >= n {
			return
		}
		if got != have {
			have, deadline = got, time.Now().Add(itDeadline)
		}
		if eof || time.Now().After(deadline) {
			t.Fatalf("waiting for %d lines: %d came (eof=%v), then none for %v", n, got, eof, itDeadline)
		}
		select {
		case <-ch:
		case <-time.After(time.Until(deadline)):
		}
	}
}

// WaitEOF waits until every writer closed the pipe; false on timeout.
func (l *itLines) WaitEOF(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		l.mu.Lock()
		ch, eof := l.change, l.eof
		l.mu.Unlock()
		if eof {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		select {
		case <-ch:
		case <-time.After(left):
		}
	}
}

type itOpts struct {
	pid1   bool     // run under unshare as PID 1 of a new PID namespace
	env    []string // added to a copy of the test's environment
	dir    string
	stdin  *os.File // default /dev/null
	stderr *os.File // default: a pipe captured into itProc.stderr
	// wrap is prepended to the init's argv; it must exec the init (so the
	// started process's pid is the init's pid), e.g. the launch helper.
	wrap []string
	// raw: argv is the whole command line; the init pid is the started
	// process (scripts with a #! line pointing at the init).
	raw bool
	// survivors: descendants may outlive the init and keep its stdout and
	// stderr open, so Wait does not wait for their end (see itProc).
	survivors bool
}

type itProc struct {
	t      *testing.T
	name   string
	argv   []string
	cmd    *exec.Cmd
	stdout *itLines
	stderr *itLines
	pid    int // the init's pid in the host namespace
	exited chan struct{}
	state  *os.ProcessState
	// survivors: see itOpts; a test may also set it once it knows.
	survivors bool
}

// itEnv is the test's environment without DUMB_INIT_* variables, so a
// developer's shell settings cannot change the results.
func itEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DUMB_INIT_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// itStart starts `init args...` and arranges for it and every descendant to
// be killed when the test ends, whatever happens.
func itStart(t *testing.T, b itInit, o itOpts, args ...string) *itProc {
	t.Helper()
	var argv []string
	switch {
	case o.raw:
		argv = args
	default:
		itSkipQemuStart(t, b, o)
		argv = append(append(append([]string{}, o.wrap...), b.argv()...), args...)
	}
	if o.pid1 {
		argv = append([]string{"unshare", "--pid", "--fork", "--kill-child", "--mount-proc"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = itEnv(o.env)
	cmd.Dir = o.dir
	// A group of its own lets cleanup kill stragglers without touching
	// the test process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &itProc{t: t, name: b.name, argv: argv, cmd: cmd, exited: make(chan struct{}), survivors: o.survivors}

	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = outW
	var errR, errW *os.File
	if o.stderr != nil {
		cmd.Stderr = o.stderr
	} else {
		if errR, errW, err = os.Pipe(); err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = errW
	}
	if o.stdin != nil {
		cmd.Stdin = o.stdin
	}
	err = cmd.Start()
	outW.Close()
	if errW != nil {
		errW.Close()
	}
	if err != nil {
		outR.Close()
		if errR != nil {
			errR.Close()
		}
		t.Fatalf("start %v: %v", argv, err)
	}
	p.stdout = itNewLines(outR)
	if errR != nil {
		p.stderr = itNewLines(errR)
		if len(b.runner) > 0 {
			p.stderr.mu.Lock()
			p.stderr.drop = itQemuDrop
			p.stderr.mu.Unlock()
		}
	} else {
		p.stderr = &itLines{change: make(chan struct{}), eof: true}
	}
	go func() {
		cmd.Wait()
		p.state = cmd.ProcessState
		close(p.exited)
	}()
	// Cleanups run last-registered first: the report comes after the kill,
	// with everything the processes wrote.
	t.Cleanup(p.report)
	t.Cleanup(p.kill)
	p.pid = cmd.Process.Pid
	if o.pid1 {
		// The init is unshare's child. One that exits at once (a
		// front-end error) may be gone before it is seen: pid 0 then.
		var kids []int
		if !itPoll(itDeadline, func() bool {
			kids = itChildren(p.pid)
			return len(kids) > 0 || p.Exited()
		}) {
			t.Fatalf("unshare (pid %d) started no init", p.pid)
		}
		p.pid = 0
		if len(kids) > 0 {
			p.pid = kids[0]
		}
	}
	return p
}

// kill SIGKILLs the started process and all its descendants (collected
// before killing, since orphans get re-parented away).
func (p *itProc) kill() {
	root := p.cmd.Process.Pid
	all := []int{root}
	for i := 0; i < len(all); i++ {
		all = append(all, itChildren(all[i])...)
	}
	for _, pid := range all {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	select {
	case <-p.exited:
	case <-time.After(itDeadline):
		p.t.Errorf("%s: process %d did not die after SIGKILL", p.name, root)
	}
}

// itReportBytes is how much of each stream a failure report shows (the
// end of it: a fork storm's debug output runs to megabytes).
const itReportBytes = 8 << 10

// report shows, when the test failed, what the process and its
// descendants wrote, so that a failure explains itself. It runs after
// kill: every writer is gone (or escaped the kill, then the report says
// the pipe is still open).
func (p *itProc) report() {
	if !p.t.Failed() {
		return
	}
	tail := func(l *itLines) string {
		open := ""
		if !l.WaitEOF(time.Second) {
			open = " (still open)"
		}
		s := l.String()
		if len(s) > itReportBytes {
			s = fmt.Sprintf("[%d bytes before]\n", len(s)-itReportBytes) + s[len(s)-itReportBytes:]
		}
		if s == "" {
			s = "(nothing)\n"
		}
		return open + ":\n" + s
	}
	status := "still running"
	if p.Exited() {
		status = p.state.String()
	}
	argv := make([]string, len(p.argv))
	for i, a := range p.argv {
		if len(a) > 60 {
			a = a[:60] + "..."
		}
		argv[i] = a
	}
	p.t.Logf("%s: %q (pid %d, init pid %d): %s\nits stderr%s\nits stdout%s",
		p.name, argv, p.cmd.Process.Pid, p.pid, status, tail(p.stderr), tail(p.stdout))
}

// Wait returns the exit code (128+N for a signal death, as a shell would
// report it) once the process has exited within timeout, and everything
// written to its stdout and stderr has been read: each pipe is at EOF
// (unless the test said descendants survive it). A line written just
// before the last writer exits can still be in the pipe when the exit is
// seen. A pipe still open itDeadline after the exit fails the test: a
// descendant that keeps it has leaked.
func (p *itProc) Wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(timeout):
		p.t.Fatalf("%s: did not exit within %v", p.name, timeout)
	}
	if !p.survivors {
		deadline := time.Now().Add(itDeadline)
		for _, s := range []struct {
			name string
			l    *itLines
		}{{"stdout", p.stdout}, {"stderr", p.stderr}} {
			if !s.l.WaitEOF(time.Until(deadline)) {
				p.t.Fatalf("%s: exited, but its %s was still open %v later (held by %v)",
					p.name, s.name, itDeadline, itPipeHolders(s.l.inode))
			}
		}
	}
	ws := p.state.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// itPipeHolders lists the processes ("pid comm") that have the pipe inode
// open.
func itPipeHolders(inode uint64) []string {
	if inode == 0 {
		return nil
	}
	want := fmt.Sprintf("pipe:[%d]", inode)
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	var holders []string
	seen := map[string]bool{}
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err != nil || l != want {
			continue
		}
		pid := strings.Split(fd, "/")[2]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		comm, _ := os.ReadFile("/proc/" + pid + "/comm")
		holders = append(holders, pid+" "+strings.TrimSpace(string(comm)))
	}
	return holders
}

// Exited reports whether the process has exited.
func (p *itProc) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Signal sends sig to the init.
func (p *itProc) Signal(sig syscall.Signal) {
	p.t.Helper()
	if p.pid == 0 {
		p.t.Fatalf("%s: the init exited before it could be seen", p.name)
	}
	if err := syscall.Kill(p.pid, sig); err != nil {
		p.t.Fatalf("%s: kill(%d, %d): %v", p.name, p.pid, sig, err)
	}
}

// Child waits for the init's (single) direct child and returns its pid.
func (p *itProc) Child() int {
	p.t.Helper()
	return itWaitChildren(p.t, p.pid, 1)[0]
}

type itResult struct {
	code   int
	stdout string
	stderr string
}

// itRun runs the init to completion.
func itRun(t *testing.T, b itInit, o itOpts, args ...string) itResult {
	t.Helper()
	return itRunFor(t, b, o, itDeadline, args...)
}

// itRunFor is itRun for runs that may take longer than itDeadline.
func itRunFor(t *testing.T, b itInit, o itOpts, deadline time.Duration, args ...string) itResult {
	t.Helper()
	p := itStart(t, b, o, args...)
	code := p.Wait(max(deadline, itDeadline))
	return itResult{code, p.stdout.String(), p.stderr.String()}
}

// itChildren lists the children of pid (all threads: a Go init forks from
// whichever thread it happens to run on).
func itChildren(pid int) []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var kids []int
	for _, f := range tasks {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, field := range strings.Fields(string(data)) {
			if n, err := strconv.Atoi(field); err == nil {
				kids = append(kids, n)
			}
		}
	}
	sort.Ints(kids)
	return kids
}

func itWaitChildren(t *testing.T, pid, atLeast int) []int {
	t.Helper()
	var kids []int
	ok := itPoll(itDeadline, func() bool {
		kids = itChildren(pid)
		return len(kids) >= atLeast
	})
	if !ok {
		t.Fatalf("process %d did not get %d children (has %v)", pid, atLeast, kids)
	}
	return kids
}

// itPoll evaluates cond until it is true or the timeout expires.
func itPoll(timeout time.Duration, cond func() bool) bool {
	return itPollEvery(timeout, 5*time.Millisecond, cond)
}

// itPollEvery is itPoll, looking every interval.
func itPollEvery(timeout, interval time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
}

// itStat returns the fields of /proc/PID/stat after the command name;
// index 0 is the state letter (field 3 in proc(5)).
func itStat(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, fmt.Errorf("bad stat %q", s)
	}
	return strings.Fields(s[i+1:]), nil
}

// itState is the process state letter (R, S, T, Z, ...) or "" if gone.
func itState(pid int) string {
	f, err := itStat(pid)
	if err != nil {
		return ""
	}
	return f[0]
}

// itStopped reports whether every thread of pid is stopped. /proc/PID/stat
// says T once the main thread is; until the last one is, the group stop
// is under way, and a thread of ours that is still running can take a
// signal sent meanwhile (its wait for the next one ends with it), where
// the C init, one thread, is stopped whole.
func itStopped(pid int) bool {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			return false
		}
		s := string(b)
		if f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]); len(f) == 0 || f[0] != "T" {
			return false
		}
	}
	return len(tasks) > 0
}

// itWaitStopped waits until every thread of pid is stopped (itStopped).
func itWaitStopped(t *testing.T, what string, pid int) {
	t.Helper()
	if !itPoll(itDeadline, func() bool { return itStopped(pid) }) {
		t.Fatalf("%s (pid %d) never stopped whole; state %q", what, pid, itState(pid))
	}
}

func itWaitState(t *testing.T, what string, pid int, want func(string) bool, desc string) {
	t.Helper()
	var st string
	if !itPoll(itDeadline, func() bool { st = itState(pid); return want(st) }) {
		t.Fatalf("%s (pid %d) never became %s; state %q", what, pid, desc, st)
	}
}

// itStatus reads one "Key:" line of /proc/PID/status.
func itStatus(pid int, key string) string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

var itPIDRe = regexp.MustCompile(`PID \d+`)

// itNorm splits output into lines with pids replaced, so runs of different
// inits (and different runs) compare equal.
func itNorm(s string) []string {
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = itPIDRe.ReplaceAllString(l, "PID N")
	}
	return lines
}

// itSorted is itNorm in sorted order: for output where the spec says the
// parent's and the child's lines race.
func itSorted(s string) []string {
	l := itNorm(s)
	sort.Strings(l)
	return l
}

func itSortedList(l []string) []string {
	c := append([]string(nil), l...)
	sort.Strings(c)
	return c
}

func itEq(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itShow(l []string) string {
	if len(l) == 0 {
		return "    (nothing)"
	}
	return "    " + strings.Join(l, "\n    ")
}

// itExpectLines fails unless got equals want.
func itExpectLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !itEq(got, want) {
		t.Errorf("%s:\n  got:\n%s\n  want:\n%s", what, itShow(got), itShow(want))
	}
}

// itDiff runs scenario under our init and the oracle (as subtests, so a
// failure says which one) and returns both results for comparison.
func itDiff[R any](t *testing.T, scenario func(t *testing.T, b itInit) R) (ours, oracle R) {
	t.Helper()
	o, c := itOurs(t), itOracle(t)
	t.Run("ours", func(t *testing.T) { ours = scenario(t, o) })
	t.Run("oracle", func(t *testing.T) { oracle = scenario(t, c) })
	return ours, oracle
}

// itCompare reports a difference between ours and the oracle.
func itCompare(t *testing.T, what string, ours, oracle []string) {
	t.Helper()
	if !itEq(ours, oracle) {
		t.Errorf("%s differs from the oracle:\n  ours:\n%s\n  oracle:\n%s", what, itShow(ours), itShow(oracle))
	}
}

// itTempDir is a world-readable temporary directory for scripts.
func itTempDir(t *testing.T) string {
	d := t.TempDir()
	os.Chmod(d, 0o755)
	return d
}

func itWriteFile(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}
