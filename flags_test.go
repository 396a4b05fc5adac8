package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

// The front end's texts and codes, from the spec's sections 1.3-1.6 and
// checked against the C program by the differential fuzz test.
func TestParseArgsOutcomes(t *testing.T) {
	const a0 = "./dumb-init"
	usage := "Usage: ./dumb-init [option] program [args]\nTry ./dumb-init --help for full usage.\n"
	version := "dumb-init v1.2.5\n"
	help := helpText(a0)
	cases := []struct {
		args []string
		msg  string
		code int
	}{
		{nil, usage, 1},
		{[]string{"-v"}, usage, 1},
		{[]string{"--"}, usage, 1},
		{[]string{"-c", "--"}, usage, 1},
		{[]string{"-r", "15:3"}, usage, 1},
		{[]string{"-h"}, help, 0},
		{[]string{"--help"}, help, 0},
		{[]string{"--he"}, help, 0},
		{[]string{"--h"}, help, 0},
		{[]string{"-hV"}, help, 0},
		{[]string{"-Vh"}, version, 0},
		{[]string{"-V"}, version, 0},
		{[]string{"--version"}, version, 0},
		{[]string{"--vers"}, version, 0},
		{[]string{"-h", "-r", "99:1"}, help, 0},
		{[]string{"-h", "--bogus"}, help, 0},
		{[]string{"-r", "99:1", "-h"}, rewriteError, 1},
		{[]string{"-r", "echo", "hi"}, rewriteError, 1},
		{[]string{"--rewrite=15"}, rewriteError, 1},
		{[]string{"--rewrite="}, rewriteError, 1},
		{[]string{"--yolo"}, a0 + ": unrecognized option '--yolo'\n", 1},
		{[]string{"--yolo=1"}, a0 + ": unrecognized option '--yolo=1'\n", 1},
		{[]string{"-x"}, a0 + ": invalid option -- 'x'\n", 1},
		{[]string{"-W"}, a0 + ": invalid option -- 'W'\n", 1},
		{[]string{"-?"}, a0 + ": invalid option -- '?'\n", 1},
		{[]string{"-+"}, a0 + ": invalid option -- '+'\n", 1},
		{[]string{"-:"}, a0 + ": invalid option -- ':'\n", 1},
		{[]string{"-vx", "true"}, a0 + ": invalid option -- 'x'\n", 1},
		{[]string{"-r"}, a0 + ": option requires an argument -- 'r'\n", 1},
		{[]string{"-c", "-r"}, a0 + ": option requires an argument -- 'r'\n", 1},
		{[]string{"--rewrite"}, a0 + ": option '--rewrite' requires an argument\n", 1},
		{[]string{"--rew"}, a0 + ": option '--rewrite' requires an argument\n", 1},
		{[]string{"--help=x"}, a0 + ": option '--help' doesn't allow an argument\n", 1},
		{[]string{"--he=x"}, a0 + ": option '--help' doesn't allow an argument\n", 1},
		{[]string{"--single-child=1"}, a0 + ": option '--single-child' doesn't allow an argument\n", 1},
		{[]string{"--ver"}, a0 + ": option '--ver' is ambiguous; possibilities: '--verbose' '--version'\n", 1},
		{[]string{"--v"}, a0 + ": option '--v' is ambiguous; possibilities: '--verbose' '--version'\n", 1},
		{[]string{"--ver=1"}, a0 + ": option '--ver=1' is ambiguous; possibilities: '--verbose' '--version'\n", 1},
		{[]string{"--=x"}, a0 + ": option '--=x' is ambiguous; possibilities: '--help' '--single-child' '--rewrite' '--verbose' '--version'\n", 1},
		{[]string{"--yolo", "-h"}, a0 + ": unrecognized option '--yolo'\n", 1},
	}
	for _, c := range cases {
		args := append([]string{a0}, c.args...)
		_, out := parseArgs(args)
		if out == nil {
			t.Errorf("%q: parsed a command, want exit %d", c.args, c.code)
			continue
		}
		if out.message != c.msg || out.code != c.code {
			t.Errorf("%q:\n got %d %q\nwant %d %q", c.args, out.code, out.message, c.code, c.msg)
		}
	}
}

func TestParseArgsCommand(t *testing.T) {
	cases := []struct {
		args    []string
		cmd     []string
		debug   bool
		setsid  bool
		rewrite map[int]int
	}{
		{[]string{"echo", "-v"}, []string{"echo", "-v"}, false, true, nil},
		{[]string{"true", "--help"}, []string{"true", "--help"}, false, true, nil},
		{[]string{"--", "-v"}, []string{"-v"}, false, true, nil},
		{[]string{"-", "x"}, []string{"-", "x"}, false, true, nil},
		{[]string{"-vc", "x"}, []string{"x"}, true, false, nil},
		{[]string{"-cv", "x"}, []string{"x"}, true, false, nil},
		{[]string{"--s", "--verb", "x"}, []string{"x"}, true, false, nil},
		{[]string{"-vr15:3", "x"}, []string{"x"}, true, true, map[int]int{15: 3}},
		{[]string{"-cr", "15:3", "x"}, []string{"x"}, false, false, map[int]int{15: 3}},
		{[]string{"--rewrite=15:3", "x"}, []string{"x"}, false, true, map[int]int{15: 3}},
		{[]string{"--rewrite", "15:3", "--", "x"}, []string{"x"}, false, true, map[int]int{15: 3}},
		{[]string{"--r", "2:0", "x"}, []string{"x"}, false, true, map[int]int{2: 0}},
		{[]string{"-r", "15:3", "-r", "15:0", "x"}, []string{"x"}, false, true, map[int]int{15: 0}},
		{[]string{"-r", "-v", "x"}, nil, false, true, nil}, // "-v" is the rewrite value: an error
	}
	for _, c := range cases {
		cfg, out := parseArgs(append([]string{"dumb-init"}, c.args...))
		if c.cmd == nil {
			if out == nil || out.code != 1 {
				t.Errorf("%q: want an error, got %v", c.args, out)
			}
			continue
		}
		if out != nil {
			t.Errorf("%q: unexpected exit %d %q", c.args, out.code, out.message)
			continue
		}
		if strings.Join(cfg.cmd, "\x00") != strings.Join(c.cmd, "\x00") || cfg.debug != c.debug || cfg.setsid != c.setsid {
			t.Errorf("%q: got cmd %q debug %v setsid %v", c.args, cfg.cmd, cfg.debug, cfg.setsid)
		}
		for s := 1; s <= maxSig; s++ {
			want, ok := c.rewrite[s]
			if !ok {
				want = -1
			}
			if cfg.rewrite[s] != want {
				t.Errorf("%q: rewrite[%d] = %d, want %d", c.args, s, cfg.rewrite[s], want)
			}
		}
	}
}

func TestParseRewrite(t *testing.T) {
	accepted := map[string][2]int{
		"15:3": {15, 3}, "+15:+3": {15, 3}, "015:03": {15, 3}, "15: 3": {15, 3},
		"\t15:\n3": {15, 3}, " 15:3": {15, 3}, "15:-0": {15, 0}, "1:0": {1, 0}, "31:31": {31, 31},
		"9:1": {9, 1}, "17:1": {17, 1}, "20:20": {20, 20}, "2:19": {2, 19}, "15:9": {15, 9},
		"15:3abc": {15, 3}, "15:3:4": {15, 3}, "15:3 ": {15, 3},
		"4294967311:3": {15, 3}, // scanf keeps the low 32 bits, like the C program
	}
	for in, want := range accepted {
		from, to, ok := parseRewrite(in)
		if !ok || from != want[0] || to != want[1] {
			t.Errorf("parseRewrite(%q) = %d, %d, %v; want %d, %d", in, from, to, ok, want[0], want[1])
		}
	}
	for _, in := range []string{"", "herp", "herp:derp", "15", "15:", ":3", "15::12", "15:derp",
		" 15 :3", "0:1", "32:1", "1:32", "-15:3", "15:-1", "0x5:3", "1.5:3",
		"99999999999999999999:1", "-9223372036854775808:1", "+:3", "15:+"} {
		if from, to, ok := parseRewrite(in); ok {
			t.Errorf("parseRewrite(%q) = %d, %d, accepted; want rejected", in, from, to)
		}
	}
}

func TestHelpTextBytes(t *testing.T) {
	h := helpText("./dumb-init")
	if len(h) != 891 || strings.Count(h, "\n") != 18 || strings.Contains(h, "\t") || strings.Contains(h, " \n") {
		t.Errorf("help text: %d bytes, %d lines; want 891 bytes, 18 lines, no tabs or trailing spaces", len(h), strings.Count(h, "\n"))
	}
}

func TestVersionMatchesFile(t *testing.T) {
	b, err := os.ReadFile("VERSION")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != versionDefault {
		t.Errorf("VERSION says %q but versionDefault is %q", got, versionDefault)
	}
}

func TestStrerrorGlibcTexts(t *testing.T) {
	for e, want := range map[int]string{
		2: "No such file or directory", 5: "Input/output error", 12: "Cannot allocate memory",
		13: "Permission denied", 25: "Inappropriate ioctl for device", 36: "File name too long",
		40: "Too many levels of symbolic links", 999: "Unknown error 999", 0: "Success",
	} {
		if got := strerror(syscallErrno(e)); got != want {
			t.Errorf("strerror(%d) = %q, want %q", e, got, want)
		}
	}
}

func syscallErrno(n int) syscall.Errno { return syscall.Errno(n) }
