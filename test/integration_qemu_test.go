package test

// The black-box suite on another architecture: with DUMB_INIT_TEST_ARCH set
// (arm64, ppc64le or s390x; scripts/test-arches.sh sets it), "ours" is the
// release build of that architecture and the oracle is Debian's C
// dumb-init of the same architecture, both run under qemu-user (the C one
// with its own libc, from the sysroot scripts/deps.sh unpacks). Every test
// that starts the init through the harness (itOurs, itOracle, itBuilds)
// then runs them without knowing it; what qemu-user cannot express is
// skipped in one place, itSkipUnderQemu, which says why.

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// itArch is the architecture under emulation, "" for a native run.
var itArch = os.Getenv("DUMB_INIT_TEST_ARCH")

// itQemu names the qemu-user binary of each architecture (Debian's
// qemu-user-static): run explicitly, so whether binfmt_misc is set up for
// it on the machine does not matter.
var itQemu = map[string]string{"arm64": "qemu-aarch64-static", "ppc64le": "qemu-ppc64le-static", "s390x": "qemu-s390x-static"}

// itSysrootDir holds one directory per architecture with Debian's dumb-init
// and libc6 of that architecture unpacked (scripts/deps.sh).
const itSysrootDir = "/var/cache/dumb-init-test"

// itSlowdown scales the harness's deadlines: everything the init does under
// qemu-user is translated code, and its start-up many times slower.
func itSlowdown() time.Duration {
	if itArch != "" {
		return 4
	}
	return 1
}

// itQemuRunner is the command that runs a binary of itArch.
func itQemuRunner(t *testing.T) string {
	t.Helper()
	q, ok := itQemu[itArch]
	if !ok {
		t.Fatalf("DUMB_INIT_TEST_ARCH=%s: no qemu-user known for it (one of arm64, ppc64le, s390x)", itArch)
	}
	p, err := exec.LookPath(q)
	if err != nil {
		t.Fatalf("DUMB_INIT_TEST_ARCH=%s: %v (scripts/deps.sh installs qemu-user-static)", itArch, err)
	}
	return p
}

// itQemuOurs is ours under emulation: the release build of itArch (or
// DUMB_INIT_BIN, a build of that architecture).
func itQemuOurs(t *testing.T) itInit {
	t.Helper()
	q := itQemuRunner(t)
	p := os.Getenv("DUMB_INIT_BIN")
	if p == "" {
		p = itRelease(t, itArch)
	}
	return itInit{name: "ours", path: p, runner: []string{q}, entered: true}
}

// itQemuOracle is Debian's C dumb-init of itArch, with its own dynamic
// loader and libc. The sysroot is given with -L, not QEMU_LD_PREFIX, which
// the child would inherit (and tests compare the environment).
func itQemuOracle(t *testing.T) itInit {
	t.Helper()
	q := itQemuRunner(t)
	root := filepath.Join(itSysrootDir, itArch)
	p := filepath.Join(root, "usr", "bin", "dumb-init")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("oracle C dumb-init of %s not usable (scripts/deps.sh unpacks it into %s): %v", itArch, root, err)
	}
	return itInit{name: "oracle", path: p, runner: []string{q, "-L", root}}
}

// argv is the command line that runs the init.
func (b itInit) argv() []string {
	return append(append([]string{}, b.runner...), b.path)
}

// exe is a file that runs the init when executed, for places that need one
// path (a #! line): the init itself, or under qemu-user a script that
// executes the runner, keeping the process (and so the pid) the same.
func (b itInit) exe(t *testing.T) string {
	t.Helper()
	if len(b.runner) == 0 {
		return b.path
	}
	script := "#!/bin/sh\nexec"
	for _, a := range b.argv() {
		script += " '" + a + "'"
	}
	p := filepath.Join(itTempDir(t), b.name)
	itWriteFile(t, p, script+` "$@"`+"\n", 0o755)
	return p
}

// itQemuDrop starts the line qemu-user prints on stderr when the guest dies
// of a signal that dumps core ("qemu: uncaught target signal 6 (Aborted) -
// core dumped"), where the kernel prints nothing: not the init's output,
// so the harness leaves it out of what the init wrote.
const itQemuDrop = "qemu: uncaught target signal "

// itDropLines is s without the lines that start with prefix.
func itDropLines(s, prefix string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(l, prefix) {
			b.WriteString(l)
		}
	}
	return b.String()
}

// itQemuGap is something a test needs that qemu-user does not provide.
type itQemuGap int

const (
	qemuThreads itQemuGap = iota
	qemuDescriptors
	qemuSubreaper
	qemuComm
	qemuStrace
	qemuSecureMode
	qemuInheritedIgnore
	qemuVforkIsFork
	qemuPID1Default
	qemuDeathNotAtomic
)

// itQemuGaps says why each gap cannot be tested under qemu-user; the tests
// that need them run natively, and on each architecture's own kernel
// under qemu-system.
var itQemuGaps = map[itQemuGap]string{
	qemuThreads: "qemu-user runs the guest in its own process, with threads of its own " +
		"(and one per guest thread): thread and pids-cgroup counts would count qemu",
	qemuDescriptors: "qemu-user keeps descriptors of its own open in the init's process",
	qemuSubreaper:   "qemu-user 7.2 answers prctl(PR_SET_CHILD_SUBREAPER) with EINVAL",
	qemuComm:        "under qemu-user the init's process name (/proc/PID/comm) is qemu's",
	qemuStrace:      "strace sees qemu-user's own system calls, not the guest's",
	qemuSecureMode:  "qemu-user is not setuid, so a setuid guest binary never runs in secure mode",
	qemuInheritedIgnore: "qemu-user puts its own handler in place of an inherited SIG_IGN on a real-time " +
		"signal (the guest is told it is ignored), so a command the guest leaves it to no longer inherits it",
	qemuVforkIsFork: "qemu-user turns vfork into fork, so the init runs on before its child has " +
		"executed the command, as the C init does",
	qemuPID1Default: "qemu-user has a handler of its own for every signal, so the kernel never drops one " +
		"that the guest leaves at its default action for PID 1 of a namespace, and qemu-user cannot die of it there",
	qemuDeathNotAtomic: "qemu-user acts out the death by a signal left at its default action (32, 33) in the thread " +
		"that took it, while the guest's other threads run on: the kernel ends all threads at once",
}

// Real-time signals: qemu-user 7.2 maps the guest's onto the host's from
// the host's SIGRTMIN (34) on, which its glibc does not reserve: guest 32
// is host 34, guest N host N+2, and guest 63 and 64 have no host signal.
// So the init sees signal N when the host sends N+2 (and forwards it as
// N+2): what the test sends and what the child records are host numbers,
// what the init prints (-v) and is told (-r) guest numbers.

// itHostSig is the signal to send for the init to receive n, 0 if none.
func itHostSig(n int) int {
	if itArch == "" || n < 32 {
		return n
	}
	if n+2 > 64 {
		return 0
	}
	return n + 2
}

// itTopSig is the highest signal number the init can receive.
func itTopSig() int {
	if itArch == "" {
		return 64
	}
	return 62
}

// itHostSigs is itHostSig of each of sigs, leaving out (and logging) those
// the init cannot receive.
func itHostSigs(t *testing.T, sigs []int) []int {
	t.Helper()
	var host, none []int
	for _, n := range sigs {
		if h := itHostSig(n); h != 0 {
			host = append(host, h)
		} else {
			none = append(none, n)
		}
	}
	if len(none) > 0 {
		t.Logf("not sent under qemu-user (%s): signals %v, which no host signal reaches in the guest", itArch, none)
	}
	return host
}

// itQemuFaultSigs are the signals that qemu-user 7.2 mishandles when kill
// sends them (SIGILL, SIGBUS, SIGFPE, SIGSEGV): to a guest that blocks them
// and sigwaits (the C init) it loses about one in three, and crashes (the
// emulator dies of SIGSEGV) on SIGILL and SIGFPE about as often; to one
// with handlers (ours) it crashes within a burst of a few hundred, and now
// and then on a single one. Measured on all three, 25 runs or more each;
// natively both inits take thousands.
var itQemuFaultSigs = []int{4, 7, 8, 11}

// itQemuSigs leaves out of sigs, under qemu-user, the ones it cannot be
// trusted to deliver (itQemuFaultSigs), saying so.
func itQemuSigs(t *testing.T, sigs []int) []int {
	t.Helper()
	if itArch == "" {
		return sigs
	}
	var kept, left []int
	for _, n := range sigs {
		if slices.Contains(itQemuFaultSigs, n) {
			left = append(left, n)
		} else {
			kept = append(kept, n)
		}
	}
	if len(left) > 0 {
		t.Logf("not sent under qemu-user (%s): signals %v, which qemu-user 7.2 loses or crashes on "+
			"when kill sends them", itArch, left)
	}
	return kept
}

// itSkipUnderQemu skips the test under qemu-user, saying why.
func itSkipUnderQemu(t *testing.T, gap itQemuGap) {
	t.Helper()
	if itArch != "" {
		t.Skipf("skipped under qemu-user (%s): %s", itArch, itQemuGaps[gap])
	}
}

// itSkipQemuStart skips a test that would start ours under qemu-user with
// extensions that need what qemu-user lacks: a child subreaper (asked for
// by DUMB_INIT_SUBREAPER=1 and DUMB_INIT_GRACE when not PID 1; the init
// would exit at once, saying so). The oracle ignores the variables.
func itSkipQemuStart(t *testing.T, b itInit, o itOpts) {
	t.Helper()
	if itArch == "" || b.name == "oracle" || o.pid1 {
		return
	}
	if itAsksSubreaper(o.env) {
		itSkipUnderQemu(t, qemuSubreaper)
	}
}

// itAsksSubreaper tells, from the documented grammar (docs/extensions.md),
// whether env makes ours ask for a child subreaper at start:
// DUMB_INIT_SUBREAPER=1, or a DUMB_INIT_GRACE of SECONDS (a decimal number
// above 0 and at most 86400). Another value is an error the init reports
// before asking. The suite never sets a bad value beside one of these.
func itAsksSubreaper(env []string) bool {
	subreaper, grace := false, false
	for _, e := range env {
		name, value, _ := strings.Cut(e, "=")
		switch name {
		case "DUMB_INIT_SUBREAPER":
			subreaper = value == "1"
		case "DUMB_INIT_GRACE":
			f, err := strconv.ParseFloat(value, 64)
			grace = err == nil && strings.Trim(value, "0123456789.") == "" && strings.Count(value, ".") <= 1 &&
				!strings.HasSuffix(value, ".") && f > 0 && f <= 86400
		}
	}
	return subreaper || grace
}
