package test

// The cases of the randomized differential (random_test.go): what one is,
// how it is generated from a seed, shown, and shrunk.

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// rCase is one scenario: the init's options and environment, the processes
// under it, what the harness does to them, and how the child ends.
type rCase struct {
	PID1 bool     `json:"pid1,omitempty"`
	Args []string `json:"args,omitempty"` // the init's options, before the command
	Env  []string `json:"env,omitempty"`
	// The recorders (test/helpers/recorder.c) besides the child "c": "g"
	// in the child's process group, "s" in a session of its own, "o" an
	// orphan of the child's (PID 1 only: the init is its parent).
	Procs []string `json:"procs,omitempty"`
	Steps []rStep  `json:"steps"`
	End   rEnd     `json:"end"` // how the child ends
}

// rStep is one thing the harness does, after which it waits until every
// process has done what follows from it (random_test.go, settle).
type rStep struct {
	// "run": the signals, one at a time, to the running init;
	// "stop": SIGSTOP the init, then (End, if set) a process ends, then
	// the signals all at once, then SIGCONT: what the init finds pending;
	// "end": a process ends.
	Kind string `json:"kind"`
	Sigs []int  `json:"sigs,omitempty"` // the init's signal numbers
	End  *rEnd  `json:"end,omitempty"`
}

// rEnd is a process ending: exiting with Status, or dying of Signal.
type rEnd struct {
	Proc   string `json:"proc"`
	Status int    `json:"status,omitempty"`
	Signal int    `json:"signal,omitempty"`
}

func (e rEnd) String() string {
	if e.Signal != 0 {
		return fmt.Sprintf("%s dies of %d", e.Proc, e.Signal)
	}
	return fmt.Sprintf("%s exits %d", e.Proc, e.Status)
}

func (s rStep) String() string {
	var b strings.Builder
	b.WriteString(s.Kind)
	if len(s.Sigs) > 0 {
		fmt.Fprint(&b, " ", s.Sigs)
	}
	if s.End != nil {
		b.WriteString(", " + s.End.String())
	}
	return b.String()
}

func (c rCase) String() string {
	var parts []string
	if c.PID1 {
		parts = append(parts, "PID 1")
	}
	if len(c.Args) > 0 {
		parts = append(parts, strings.Join(c.Args, " "))
	}
	if len(c.Env) > 0 {
		parts = append(parts, strings.Join(c.Env, " "))
	}
	if len(c.Procs) > 0 {
		parts = append(parts, "+"+strings.Join(c.Procs, " +"))
	}
	for _, s := range c.Steps {
		parts = append(parts, s.String())
	}
	parts = append(parts, "then "+c.End.String())
	return strings.Join(parts, " | ")
}

// JSON is what DUMB_INIT_TEST_CASE takes to run the case again.
func (c rCase) JSON() string {
	b, _ := json.Marshal(c)
	return string(b)
}

func (c rCase) has(proc string) bool { return proc == "c" || slices.Contains(c.Procs, proc) }

// rGen draws cases from a seed. ext adds the opt-in extensions' variables
// (the invariants mode); qemu leaves out what qemu-user cannot express.
type rGen struct {
	r    *rand.Rand
	ext  bool
	qemu bool
	pid1 bool // the case being drawn runs the init as PID 1
}

func newRGen(seed uint64, ext, qemu bool) *rGen {
	return &rGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), ext: ext, qemu: qemu}
}

func (g *rGen) chance(p float64) bool { return g.r.Float64() < p }

func (g *rGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// signal draws a signal the harness may send: any the init can receive but
// SIGKILL and SIGSTOP, weighted towards those whose handling differs (job
// control, SIGCHLD, the synchronous ones, real-time ones with repeats).
func (g *rGen) signal() int {
	for {
		var s int
		switch n := g.r.IntN(100); {
		case n < 25:
			s = []int{1, 2, 3, 10, 12, 14, 15, 28}[g.r.IntN(8)]
		case n < 40:
			s = []int{18, 20, 21, 22}[g.r.IntN(4)]
		case n < 52:
			s = []int{4, 5, 7, 8, 11, 31}[g.r.IntN(6)]
		case n < 80:
			s = 34 + g.r.IntN(31)
		case n < 99:
			s = 1 + g.r.IntN(31)
		default:
			s = 32 + g.r.IntN(2) // ends the init (not as PID 1)
		}
		if s == 9 || s == 19 {
			continue
		}
		if g.qemu && (s == 4 || s == 7 || s == 8 || s == 11 || s >= 63) {
			continue // see itQemuGaps: qemu-user loses or crashes on these
		}
		if g.qemu && g.pid1 && (s == 32 || s == 33) {
			continue // itQemuGaps, qemuPID1Default: PID 1's dropped signals
		}
		return s
	}
}

// held draws a signal DUMB_INIT_DELAY takes: not SIGCHLD, nor those the
// init never receives.
func (g *rGen) held() int {
	for {
		if s := g.signal(); s != 17 && s != 32 && s != 33 {
			return s
		}
	}
}

// deadly draws a signal whose default action ends a process.
func (g *rGen) deadly() int {
	for {
		s := 1 + g.r.IntN(64)
		switch {
		case s == 17 || s == 18 || s == 19 || s == 20 || s == 21 || s == 22 || s == 23 || s == 28:
		case s == 32 || s == 33:
		case g.qemu && s >= 63:
		default:
			return s
		}
	}
}

func (g *rGen) end(proc string) rEnd {
	if g.chance(0.4) {
		return rEnd{Proc: proc, Signal: g.deadly()}
	}
	return rEnd{Proc: proc, Status: g.r.IntN(256)}
}

func (g *rGen) sigs(min, max int) []int {
	n := min + g.r.IntN(max-min+1)
	var s []int
	for i := 0; i < n; i++ {
		if len(s) > 0 && g.chance(0.2) {
			s = append(s, s[g.r.IntN(len(s))]) // a repeat
			continue
		}
		s = append(s, g.signal())
	}
	return s
}

func (g *rGen) gen() rCase {
	var c rCase
	c.PID1 = g.chance(0.5)
	g.pid1 = c.PID1
	switch n := g.r.IntN(100); {
	case n < 15:
		c.Args = append(c.Args, "-c")
	case n < 18:
		c.Args = append(c.Args, "--single-child")
	case n < 33:
		c.Env = append(c.Env, "DUMB_INIT_SETSID=0")
	case n < 38:
		c.Env = append(c.Env, "DUMB_INIT_SETSID="+g.pick("1", "", "00", "no"))
	}
	switch n := g.r.IntN(100); {
	case n < 50:
		c.Args = append(c.Args, "-v")
	case n < 70:
		c.Env = append(c.Env, "DUMB_INIT_DEBUG=1")
	case n < 75:
		c.Env = append(c.Env, "DUMB_INIT_DEBUG="+g.pick("0", "true", ""))
	}
	for i := g.r.IntN(4) - 1; i > 0; i-- {
		from := 1 + g.r.IntN(31)
		to := g.r.IntN(32)
		if to == 9 && g.chance(0.8) {
			to = 0
		}
		c.Args = append(c.Args, "-r", fmt.Sprintf("%d:%d", from, to))
	}
	if g.chance(0.4) {
		c.Procs = append(c.Procs, "g")
	}
	if g.chance(0.3) {
		c.Procs = append(c.Procs, "s")
	}
	if c.PID1 && g.chance(0.3) {
		c.Procs = append(c.Procs, "o")
	}
	c.End = g.end("c")
	if g.ext {
		c.Env = append(c.Env, g.extensions(c.End)...)
	}
	alive := append([]string{}, c.Procs...)
	for n := 1 + g.r.IntN(4); n > 0; n-- {
		var s rStep
		switch k := g.r.IntN(100); {
		case k < 40:
			s = rStep{Kind: "run", Sigs: g.sigs(1, 3)}
		case k < 85:
			// Not SIGCONT: it would continue the init before the harness
			// has sent the rest (the harness's own SIGCONT ends the step).
			// Nor, under qemu-user, 32 or 33 (itQemuGaps, qemuDeathNotAtomic):
			// ours would forward what waits beside them while qemu
			// dies in another thread, where the kernel ends it at once.
			s = rStep{Kind: "stop", Sigs: slices.DeleteFunc(g.sigs(1, 8), func(s int) bool {
				return s == 18 || g.qemu && (s == 32 || s == 33)
			})}
			if g.chance(0.35) {
				who := append([]string{"c"}, alive...)
				e := g.end(who[g.r.IntN(len(who))])
				s.End = &e
			}
		default:
			if len(alive) == 0 {
				continue
			}
			e := g.end(alive[g.r.IntN(len(alive))])
			s = rStep{Kind: "end", End: &e}
		}
		c.Steps = append(c.Steps, s)
		if s.End != nil {
			if s.End.Proc == "c" {
				break // the init exits once it has reaped the child
			}
			alive = slices.DeleteFunc(alive, func(p string) bool { return p == s.End.Proc })
		}
	}
	return c
}

// extensions draws values for the opt-in variables, each unset, empty or
// set; small durations keep a case short. The remap often names the
// status the child is to end with.
func (g *rGen) extensions(end rEnd) []string {
	status := end.Status
	if end.Signal != 0 {
		status = 128 + end.Signal
	}
	var env []string
	add := func(name string, values ...string) {
		switch n := g.r.IntN(3); n {
		case 0:
		case 1:
			env = append(env, name+"=")
		default:
			env = append(env, name+"="+values[g.r.IntN(len(values))])
		}
	}
	if g.qemu && !g.pid1 {
		// qemu-user refuses the subreaper both ask for (itQemuGaps).
		add("DUMB_INIT_GRACE", "")
		add("DUMB_INIT_SUBREAPER", "0")
	} else {
		add("DUMB_INIT_GRACE", "0.3", "1", "0.05")
		add("DUMB_INIT_SUBREAPER", "1", "0")
	}
	add("DUMB_INIT_DELAY", fmt.Sprintf("%d:0.05", g.held()), "15:0.1", fmt.Sprintf("%d:0.02,%d:0.05", g.held(), g.held()))
	add("DUMB_INIT_EXIT_REMAP", fmt.Sprintf("%d:%d", status, g.r.IntN(256)), fmt.Sprintf("%d:%d", g.r.IntN(256), g.r.IntN(256)), "143:0",
		fmt.Sprintf("%d:%d,%d:%d", 128+g.deadly(), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256)))
	add("DUMB_INIT_PDEATHSIG", "15", "10")
	add("DUMB_INIT_REPORT", "1", "0")
	add("DUMB_INIT_EXIT_SIGNAL", "1", "0")
	return env
}

// shrinks lists the cases one simplification away from c, simplest first.
func (c rCase) shrinks() []rCase {
	var out []rCase
	clone := func() rCase {
		d := c
		d.Args = slices.Clone(c.Args)
		d.Env = slices.Clone(c.Env)
		d.Procs = slices.Clone(c.Procs)
		d.Steps = make([]rStep, len(c.Steps))
		for i, s := range c.Steps {
			d.Steps[i] = s
			d.Steps[i].Sigs = slices.Clone(s.Sigs)
			if s.End != nil {
				e := *s.End
				d.Steps[i].End = &e
			}
		}
		return d
	}
	for i := range c.Steps {
		d := clone()
		d.Steps = slices.Delete(d.Steps, i, i+1)
		out = append(out, d)
	}
	for i, p := range c.Procs {
		d := clone()
		d.Procs = slices.Delete(d.Procs, i, i+1)
		if d.usesProc(p) {
			continue
		}
		out = append(out, d)
	}
	for i := range c.Steps {
		for j := range c.Steps[i].Sigs {
			d := clone()
			d.Steps[i].Sigs = slices.Delete(d.Steps[i].Sigs, j, j+1)
			if len(d.Steps[i].Sigs) > 0 || d.Steps[i].Kind != "run" {
				out = append(out, d)
			}
		}
		if c.Steps[i].End != nil && c.Steps[i].Kind == "stop" {
			d := clone()
			d.Steps[i].End = nil
			out = append(out, d)
		}
	}
	for i := 0; i < len(c.Args); i++ {
		d := clone()
		n := 1
		if c.Args[i] == "-r" {
			n = 2
		}
		d.Args = slices.Delete(d.Args, i, i+n)
		out = append(out, d)
		i += n - 1
	}
	for i := range c.Env {
		d := clone()
		d.Env = slices.Delete(d.Env, i, i+1)
		out = append(out, d)
	}
	if c.PID1 && !c.has("o") {
		d := clone()
		d.PID1 = false
		out = append(out, d)
	}
	if c.End.Signal != 0 || c.End.Status != 0 {
		d := clone()
		d.End = rEnd{Proc: "c"}
		out = append(out, d)
	}
	return out
}

func (c rCase) usesProc(p string) bool {
	for _, s := range c.Steps {
		if s.End != nil && s.End.Proc == p {
			return true
		}
	}
	return false
}
