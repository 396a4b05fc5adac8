package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestParseSeconds(t *testing.T) {
	for _, c := range []struct {
		in string
		ns int64
	}{
		{"10", 10e9}, {"2.5", 2.5e9}, {".5", 0.5e9}, {"0.001", 1e6}, {"86400", 86400e9},
		{"86400.000", 86400e9}, {"0010", 10e9}, {"0.0000000001", 1}, {"1.1234567899", 1123456789},
	} {
		if ns, ok := parseSeconds(c.in); !ok || ns != c.ns {
			t.Errorf("parseSeconds(%q) = %d, %v; want %d", c.in, ns, ok, c.ns)
		}
	}
	for _, in := range []string{"", "0", "0.0", ".", "5.", "-1", "+1", " 1", "1 ", "1e3", "86400.001",
		"99999999999999999999", "1,5", "inf", "NaN", "1s", "0x10"} {
		if ns, ok := parseSeconds(in); ok {
			t.Errorf("parseSeconds(%q) accepted as %d", in, ns)
		}
	}
}

func TestParseExtensions(t *testing.T) {
	ext, bad := parseExtensions([]string{
		"DUMB_INIT_GRACE=2.5", "DUMB_INIT_GRACE=ignored, as getenv takes the first",
		"DUMB_INIT_DELAY=15:10,34:0.5,15:20,64:1", "DUMB_INIT_EXIT_REMAP=143:0,0:255,143:1",
		"DUMB_INIT_PDEATHSIG=64", "DUMB_INIT_SUBREAPER=0", "DUMB_INIT_REPORT=1", "DUMB_INIT_EXIT_SIGNAL=1",
	})
	if bad != "" {
		t.Fatal(bad)
	}
	if ext.grace != 2.5e9 || ext.graceText != "2.5" || !ext.subreaper {
		t.Errorf("grace %d %q subreaper %v; want 2.5 s, implying the subreaper", ext.grace, ext.graceText, ext.subreaper)
	}
	if ext.delay[15] != 20e9 || ext.delayText[15] != "20" || ext.delay[34] != 0.5e9 || ext.delay[64] != 1e9 || ext.delay[2] != 0 {
		t.Errorf("delays: 15 %d %q, 34 %d, 64 %d, 2 %d", ext.delay[15], ext.delayText[15], ext.delay[34], ext.delay[64], ext.delay[2])
	}
	for from, want := range map[int]int{143: 1, 0: 255, 1: 1, 255: 255, 137: 137} {
		if got := ext.exitStatus(from); got != want {
			t.Errorf("exit status %d becomes %d, want %d", from, got, want)
		}
	}
	if ext.pdeathsig != 64 || !ext.report || !ext.exitSignal {
		t.Errorf("pdeathsig %d, report %v, exit signal %v", ext.pdeathsig, ext.report, ext.exitSignal)
	}

	none, bad := parseExtensions([]string{"DUMB_INIT_GRACE=", "DUMB_INIT_DELAY=", "DUMB_INIT_SUBREAPER=",
		"DUMB_INIT_EXIT_REMAP=", "DUMB_INIT_PDEATHSIG=", "DUMB_INIT_GRACEX=1", "DUMB_INIT_REPORT=0",
		"DUMB_INIT_EXIT_SIGNAL="})
	if bad != "" || none != (extensions{}) {
		t.Errorf("empty values: %+v, %q; want nothing set", none, bad)
	}

	for _, env := range []string{"DUMB_INIT_DELAY=15:1,,2:1", "DUMB_INIT_DELAY=15:1:2", "DUMB_INIT_DELAY=19:1",
		"DUMB_INIT_DELAY=33:1", "DUMB_INIT_DELAY=0:1", "DUMB_INIT_DELAY=15:0", "DUMB_INIT_EXIT_REMAP=:0",
		"DUMB_INIT_EXIT_REMAP=1:2,", "DUMB_INIT_EXIT_REMAP=-1:0", "DUMB_INIT_PDEATHSIG=17",
		"DUMB_INIT_PDEATHSIG=+15", "DUMB_INIT_PDEATHSIG=15 ", "DUMB_INIT_SUBREAPER=true", "DUMB_INIT_REPORT=2",
		"DUMB_INIT_EXIT_SIGNAL=on"} {
		name := env[:strings.IndexByte(env, '=')]
		if _, bad := parseExtensions([]string{env}); !strings.HasPrefix(bad, env+": expected ") {
			t.Errorf("%q: error %q, want one naming %s", env, bad, name)
		}
	}
}

func TestSignalName(t *testing.T) {
	for sig, want := range map[int]string{1: "SIGHUP", 6: "SIGABRT", 7: "SIGBUS", 11: "SIGSEGV", 16: "SIGSTKFLT",
		29: "SIGIO", 31: "SIGSYS", 32: "SIG32", 33: "SIG33", 34: "SIGRTMIN", 37: "SIGRTMIN+3", 64: "SIGRTMIN+30"} {
		if got := signalName(sig); got != want {
			t.Errorf("signalName(%d) = %q, want %q", sig, got, want)
		}
	}
}

// Every variable the init reads is described where users look: the manual
// page, docs/, and the README's table.
func TestEveryVariableDocumented(t *testing.T) {
	src, err := os.ReadFile("extensions.go")
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`"(DUMB_INIT_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(names) < 7 {
		t.Fatalf("found only %d variables in extensions.go", len(names))
	}
	for _, doc := range []string{"packaging/help2man.include", "docs/extensions.md", "README.md"} {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if !strings.Contains(string(text), n[1]+"=") {
				t.Errorf("%s does not describe %s", doc, n[1])
			}
		}
	}
}
