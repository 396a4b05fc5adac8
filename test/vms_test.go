package test

// Each release build as PID 1 of its own architecture's kernel: Debian's
// kernel of that architecture boots under qemu-system (TCG, one CPU) from
// an initramfs made here of Debian's busybox-static, the scenario
// (vm/scenario.sh) and the init, which vm/init execs as PID 1.
// The same boot with Debian's C dumb-init of that architecture (and its
// glibc) is the oracle: ours must print C's transcript, but where an
// extension is set (vm/differences declares what each changes).
// qemu-user cannot show this: it has no kernel of the guest's own (no
// subreaper, its own vfork and signal frames, no PID 1).
//
// DUMB_INIT_TEST_VMS selects the architectures ("all", or GOARCH names);
// without it the test is skipped. The packages come from
// scripts/deps.sh, unpacked under DUMB_INIT_TEST_CACHE
// (/var/cache/dumb-init-test), one directory per architecture.
// DUMB_INIT_TEST_VM_LIMIT is the time limit of one boot in seconds.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type vmArch struct {
	goarch  string
	qemu    []string // the emulator and its machine
	console string   // the serial console's name in the guest
}

var vmArches = []vmArch{
	{"amd64", []string{"qemu-system-x86_64"}, "ttyS0"},
	{"arm64", []string{"qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57"}, "ttyAMA0"},
	// TCG cannot give pseries the Spectre workarounds the machine asks for
	// by default; without these it boots all the same, with warnings.
	{"ppc64le", []string{"qemu-system-ppc64", "-M",
		"pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off"}, "hvc0"},
	{"s390x", []string{"qemu-system-s390x", "-M", "s390-ccw-virtio"}, "ttysclp0"},
}

func TestVMs(t *testing.T) {
	sel := strings.Fields(os.Getenv("DUMB_INIT_TEST_VMS"))
	if len(sel) == 0 {
		t.Skip("DUMB_INIT_TEST_VMS is not set (scripts/test-vms.sh sets it)")
	}
	for _, s := range sel {
		if s != "all" && !slices.ContainsFunc(vmArches, func(a vmArch) bool { return a.goarch == s }) {
			t.Fatalf("DUMB_INIT_TEST_VMS: no VM for %q (all, amd64, arm64, ppc64le, s390x)", s)
		}
	}
	cache := os.Getenv("DUMB_INIT_TEST_CACHE")
	if cache == "" {
		cache = "/var/cache/dumb-init-test"
	}
	limit := 180 * time.Second
	if v := os.Getenv("DUMB_INIT_TEST_VM_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("DUMB_INIT_TEST_VM_LIMIT=%q: want seconds", v)
		}
		limit = time.Duration(n) * time.Second
	}
	hunks, err := vmDifferences("vm/differences")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range vmArches {
		if slices.Contains(sel, "all") || slices.Contains(sel, a.goarch) {
			t.Run(a.goarch, func(t *testing.T) { vmCompare(t, a, filepath.Join(cache, a.goarch), limit, hunks) })
		}
	}
}

// vmCompare boots ours and C's (at the same time: one CPU each) and
// compares their transcripts.
func vmCompare(t *testing.T, a vmArch, pkgs string, limit time.Duration, hunks []vmHunk) {
	kernels, _ := filepath.Glob(filepath.Join(pkgs, "boot", "vmlinu[xz]-*"))
	busybox, oracle := filepath.Join(pkgs, "bin", "busybox"), filepath.Join(pkgs, "usr", "bin", "dumb-init")
	for _, f := range []string{busybox, oracle} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%s: %v (scripts/deps.sh puts Debian's packages there)", a.goarch, err)
		}
	}
	if len(kernels) != 1 {
		t.Fatalf("%s: want one kernel in %s/boot, found %d (scripts/deps.sh puts it there)", a.goarch, pkgs, len(kernels))
	}
	if _, err := exec.LookPath(a.qemu[0]); err != nil {
		t.Fatalf("%s: %v (scripts/deps.sh installs it)", a.goarch, err)
	}
	dir := t.TempDir()
	inits := []struct{ name, bin string }{{"ours", itRelease(t, a.goarch)}, {"C", oracle}}
	defer vmKeep(t, a.goarch, dir)
	results := make([]vmResult, len(inits))
	var wg sync.WaitGroup
	for i, in := range inits {
		initrd := filepath.Join(dir, in.name+".cpio")
		// C's glibc (lib, and lib64 where the loader is).
		var libs []string
		if in.name == "C" {
			libs, _ = filepath.Glob(filepath.Join(pkgs, "lib*"))
		}
		if err := vmInitramfs(initrd, busybox, in.bin, libs); err != nil {
			t.Fatalf("%s: initramfs: %v", a.goarch, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = vmBoot(a, kernels[0], initrd, filepath.Join(dir, in.name+".console"), limit)
		}()
	}
	wg.Wait()

	transcripts := make([][]string, len(inits))
	failed := false
	for i, in := range inits {
		r := results[i]
		what := fmt.Sprintf("%s (%s)", a.goarch, in.name)
		tr := vmTranscript(r.console)
		transcripts[i] = tr
		switch {
		case r.err != nil:
			t.Errorf("%s: %v\nthe end of its console:\n%s", what, r.err, vmTail(r.console, 30))
		case len(tr) == 0 || !strings.HasPrefix(tr[0], "boot: "):
			t.Errorf("%s: init never ran; the end of its console:\n%s", what, vmTail(r.console, 30))
		case !strings.HasPrefix(tr[len(tr)-1], "kernel: "):
			t.Errorf("%s: no report from the kernel of the init's exit; the end of its console:\n%s", what, vmTail(r.console, 30))
		default:
			for _, l := range tr {
				if strings.HasSuffix(l, "timeout") {
					t.Errorf("%s: a step of the scenario timed out: %s", what, l)
				}
			}
			continue
		}
		failed = true
	}
	if failed {
		return
	}
	ours, c := transcripts[0], transcripts[1]
	want, err := vmApply(c, hunks)
	if err != nil {
		t.Fatalf("%s (C): %v", a.goarch, err)
	}
	diff, err := vmDiff(dir, "C, with the declared differences", want, "ours", ours)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Errorf("%s: ours differs from C as PID 1 of the %s kernel:\n%s", a.goarch, a.goarch, diff)
		return
	}
	t.Logf("%s: ours %.1f s, C %.1f s; %d lines, the same but for %d declared differences",
		a.goarch, results[0].took.Seconds(), results[1].took.Seconds(), len(ours), len(hunks))
}

// vmInitramfs writes the initramfs: busybox, the scenario, and init as
// /sbin/dumb-init, with the library directories it needs.
func vmInitramfs(path, busybox, init string, libs []string) error {
	c, err := vmNewCpio(path)
	if err != nil {
		return err
	}
	for _, d := range []string{"bin", "sbin", "dev", "proc", "run"} {
		c.dir(d)
	}
	c.charDev("dev/console", 5, 1)
	c.file("bin/busybox", busybox, 0o755)
	c.symlink("bin/sh", "busybox")
	c.file("init", "vm/init", 0o755)
	c.file("scenario.sh", "vm/scenario.sh", 0o644)
	c.file("sbin/dumb-init", init, 0o755)
	for _, l := range libs {
		c.tree(filepath.Base(l), l)
	}
	return c.close()
}

type vmResult struct {
	console []byte
	took    time.Duration
	err     error
}

// vmBoot runs the VM until its init exits (the kernel panics and, with
// panic=-1 and -no-reboot, qemu exits) or the limit passes (qemu is
// killed). The console goes to a file.
func vmBoot(a vmArch, kernel, initrd, console string, limit time.Duration) vmResult {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	args := append(append([]string(nil), a.qemu[1:]...),
		"-m", "512", "-smp", "1", "-nodefaults", "-display", "none",
		"-serial", "file:"+console, "-no-reboot", "-kernel", kernel, "-initrd", initrd,
		"-append", "console="+a.console+" panic=-1 loglevel=1")
	cmd := exec.CommandContext(ctx, a.qemu[0], args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := vmResult{took: time.Since(start)}
	r.console, _ = os.ReadFile(console)
	switch {
	case ctx.Err() != nil:
		r.err = fmt.Errorf("the VM did not finish within %v (qemu killed)", limit)
	case err != nil:
		r.err = fmt.Errorf("%s: %v\n%s", a.qemu[0], err, out.String())
	}
	return r
}

// vmKeep keeps the consoles of a failed run, for a look at all they show.
func vmKeep(t *testing.T, arch, dir string) {
	if !t.Failed() {
		return
	}
	keep, err := os.MkdirTemp("", "dumb-init-vm-"+arch+"-")
	if err != nil {
		t.Log(err)
		return
	}
	consoles, _ := filepath.Glob(filepath.Join(dir, "*.console"))
	for _, f := range consoles {
		if data, err := os.ReadFile(f); err == nil {
			os.WriteFile(filepath.Join(keep, filepath.Base(f)), data, 0o644)
		}
	}
	t.Logf("%s: the consoles are kept in %s", arch, keep)
}

// vmTail is the last n lines of a console.
func vmTail(console []byte, n int) string {
	if len(bytes.TrimSpace(console)) == 0 {
		return "  (nothing)"
	}
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(console), "\r", ""), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}
