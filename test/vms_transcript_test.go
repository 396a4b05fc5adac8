package test

// Reading the test VMs' transcripts (vms_test.go) off the serial console,
// and comparing ours with C's after the declared differences
// (vm/differences) are applied to C's.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

var (
	vmPanicRe  = regexp.MustCompile(`Kernel panic - not syncing: (Attempted to kill init! exitcode=0x[0-9a-f]+)`)
	vmKernelRe = regexp.MustCompile(`^\[ *[0-9]+\.[0-9]+\] `)
	vmPIDRe    = regexp.MustCompile(`PID \d+`)
)

// vmTranscript extracts the transcript from what the console showed, from
// init's first line to the kernel's report of the init's exit: the text
// after each "@@ " marker (the kernel's early output may stand before one
// on the same line), any other line but the kernel's (time-stamped: at
// loglevel=1 it prints nothing else until it panics) as "console: LINE"
// (dumb-init's own lines, or anything the Go runtime might print), pids
// in dumb-init's lines replaced, and last the kernel's line, as
// "kernel: ...".
func vmTranscript(console []byte) []string {
	var lines []string
	for _, l := range strings.Split(string(console), "\n") {
		l = strings.TrimRight(l, "\r")
		if m := vmPanicRe.FindStringSubmatch(l); m != nil {
			return append(lines, "kernel: "+m[1])
		}
		if i := strings.Index(l, "@@ "); i >= 0 {
			l = l[i+3:]
		} else if lines == nil || l == "" || vmKernelRe.MatchString(l) {
			continue
		} else {
			l = "console: " + l
		}
		if strings.Contains(l, "[dumb-init]") {
			l = vmPIDRe.ReplaceAllString(l, "PID N")
		}
		lines = append(lines, l)
	}
	return lines
}

// vmHunk is one declared difference: lines of C's transcript (old) that
// ours replaces with new.
type vmHunk struct {
	title    string
	old, new []string
}

// vmDifferences reads vm/differences: hunks separated by blank lines,
// each line "-" (C's only), "+" (ours only) or " " (both) and the line;
// "#" lines before a hunk say why.
func vmDifferences(path string) ([]vmHunk, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var hunks []vmHunk
	var h vmHunk
	flush := func() {
		if len(h.old)+len(h.new) > 0 {
			hunks = append(hunks, h)
		}
		h = vmHunk{}
	}
	for i, l := range strings.Split(string(data), "\n") {
		switch {
		case l == "":
			flush()
		case strings.HasPrefix(l, "#"):
			if h.title == "" {
				h.title = strings.TrimSpace(l[1:])
			}
		case l[0] == '-':
			h.old = append(h.old, l[1:])
		case l[0] == '+':
			h.new = append(h.new, l[1:])
		case l[0] == ' ':
			h.old = append(h.old, l[1:])
			h.new = append(h.new, l[1:])
		default:
			return nil, fmt.Errorf("%s:%d: a line starts with '-', '+', ' ' or '#'", path, i+1)
		}
	}
	flush()
	return hunks, nil
}

// vmApply turns C's transcript into the one ours must print. Each hunk's
// old lines must occur exactly once in C's, or C did not do what the
// declared difference says it does.
func vmApply(c []string, hunks []vmHunk) ([]string, error) {
	out := append([]string(nil), c...)
	for _, h := range hunks {
		at, n := -1, 0
		for i := 0; i+len(h.old) <= len(out); i++ {
			if itEq(out[i:i+len(h.old)], h.old) {
				at, n = i, n+1
			}
		}
		if n != 1 {
			return nil, fmt.Errorf("C's transcript shows the lines of the declared difference %q %d times, not once:\n  %s",
				h.title, n, strings.Join(h.old, "\n  "))
		}
		out = append(append(append([]string(nil), out[:at]...), h.new...), out[at+len(h.old):]...)
	}
	return out, nil
}

// vmDiff is a unified diff of want and got ("" if they are equal).
func vmDiff(dir, wantLabel string, want []string, gotLabel string, got []string) (string, error) {
	if itEq(want, got) {
		return "", nil
	}
	w, g := filepath.Join(dir, "want.txt"), filepath.Join(dir, "got.txt")
	if err := os.WriteFile(w, []byte(strings.Join(want, "\n")+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(g, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
		return "", err
	}
	out, err := exec.Command("diff", "-u", "--label", wantLabel, "--label", gotLabel, w, g).Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		err = nil
	}
	return string(bytes.TrimRight(out, "\n")), err
}
