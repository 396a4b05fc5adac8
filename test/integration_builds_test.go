package test

// The builds users get: a plain `go build` / `go install` binary (itOurs,
// or DUMB_INIT_BIN) and the release build (scripts/build.sh), which enters
// at its own ELF entry point (entry.go) and so can do more before the Go
// runtime starts. Tests of the places where the runtime could show through
// run every build (under DUMB_INIT_TEST_ARCH, the one release build of
// that architecture: integration_qemu_test.go).

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

type itReleaseBuild struct {
	once sync.Once
	path string
	err  error
}

var (
	itReleaseDir    string
	itReleaseDirErr error
	itReleaseDirOne sync.Once
	itReleases      sync.Map // GOARCH -> *itReleaseBuild
	itKinds         sync.Map // path -> bool (entered at its own entry point)
)

// itRelease builds the release binary for goarch, once per test run.
func itRelease(t *testing.T, goarch string) string {
	t.Helper()
	itReleaseDirOne.Do(func() {
		itReleaseDir, itReleaseDirErr = os.MkdirTemp("", "dumb-init-release-")
		if itReleaseDirErr == nil {
			// Tests run the init as another user too: under qemu-user
			// that user must be able to open it.
			itReleaseDirErr = os.Chmod(itReleaseDir, 0o755)
		}
	})
	if itReleaseDirErr != nil {
		t.Fatal(itReleaseDirErr)
	}
	v, _ := itReleases.LoadOrStore(goarch, &itReleaseBuild{})
	rb := v.(*itReleaseBuild)
	rb.once.Do(func() {
		rb.path = filepath.Join(itReleaseDir, "dumb-init-"+goarch)
		cmd := exec.Command("sh", filepath.Join(itRoot, "scripts", "build.sh"), rb.path)
		cmd.Env = append(os.Environ(), "GOARCH="+goarch)
		if out, err := cmd.CombinedOutput(); err != nil {
			rb.err = fmt.Errorf("scripts/build.sh (GOARCH=%s): %v\n%s", goarch, err, out)
		}
	})
	if rb.err != nil {
		t.Fatal(rb.err)
	}
	return rb.path
}

// itBuilds is every build of ours to run: the integration suite's (plain
// unless DUMB_INIT_BIN says otherwise) and the native release build; under
// DUMB_INIT_TEST_ARCH, the release build of that architecture alone.
func itBuilds(t *testing.T) []itInit {
	t.Helper()
	if itArch != "" {
		b := itQemuOurs(t)
		b.name = "release-" + itArch
		return []itInit{b}
	}
	ours := itOurs(t)
	ours.name = "plain"
	if ours.entered = itEntered(t, ours); ours.entered {
		ours.name = "ours"
	}
	return []itInit{ours, {name: "release", path: itRelease(t, "amd64"), entered: true}}
}

// itEntered reports whether the native build b starts at its own entry
// point: only then does a GODEBUG in the environment leave the runtime
// silent from the very start.
func itEntered(t *testing.T, b itInit) bool {
	t.Helper()
	if v, ok := itKinds.Load(b.path); ok {
		return v.(bool)
	}
	cmd := exec.Command(b.path, "--version")
	cmd.Env = []string{"GODEBUG=inittrace=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", b.path, err, out)
	}
	entered := !bytes.Contains(out, []byte("\ninit ")) && !bytes.HasPrefix(out, []byte("init "))
	itKinds.Store(b.path, entered)
	return entered
}

// itDiffBuilds runs scenario under every build and the oracle, as
// subtests, and fails where a build's result differs from the oracle's.
// want, if not nil, says what a build must return instead (a documented
// difference).
func itDiffBuilds(t *testing.T, what string, scenario func(t *testing.T, b itInit) []string, want func(b itInit, oracle []string) []string) {
	t.Helper()
	c := itOracle(t)
	var oracle []string
	oracleOK := t.Run("oracle", func(t *testing.T) { oracle = scenario(t, c) })
	for _, b := range itBuilds(t) {
		t.Run(b.name, func(t *testing.T) {
			got := scenario(t, b)
			if !oracleOK {
				t.Logf("not compared: the oracle's run failed (%s: %q)", b.name, got)
				return
			}
			w := oracle
			if want != nil {
				w = want(b, oracle)
			}
			if !itEq(got, w) {
				t.Errorf("%s differs from what %s must give:\n  %s:\n%s\n  want:\n%s", what, b.name, b.name, itShow(got), itShow(w))
			}
		})
	}
}

// itExecve is the launcher that TestMain runs for DUMB_INIT_TEST_EXECVE:
// it executes args with exactly the environment in file (each entry ended
// by a NUL), duplicates and all, which os/exec would not pass on. With
// DUMB_INIT_TEST_JAIL=ROOT:DIR:UID in that environment it first chroots to
// ROOT, changes to DIR there and becomes UID (user and group).
func itExecve(file string, args []string) int {
	data, err := os.ReadFile(file)
	if err != nil || len(args) == 0 {
		fmt.Fprintln(os.Stderr, "itExecve:", err, args)
		return 127
	}
	env := strings.Split(string(data), "\x00")
	env = env[:len(env)-1]
	if jail := os.Getenv("DUMB_INIT_TEST_JAIL"); jail != "" {
		f := strings.Split(jail, ":")
		uid, _ := strconv.Atoi(f[2])
		for _, err := range []error{syscall.Chroot(f[0]), syscall.Chdir(f[1]), syscall.Setgroups(nil),
			syscall.Setgid(uid), syscall.Setuid(uid)} {
			if err != nil {
				fmt.Fprintln(os.Stderr, "itExecve: jail:", err)
				return 127
			}
		}
	}
	path := args[0]
	if !strings.Contains(path, "/") {
		if path, err = exec.LookPath(path); err != nil {
			fmt.Fprintln(os.Stderr, "itExecve:", err)
			return 127
		}
	}
	err = syscall.Exec(path, args, env)
	fmt.Fprintln(os.Stderr, "itExecve:", err)
	return 127
}

// itExactEnv is the itOpts that start the init with exactly env.
func itExactEnv(t *testing.T, env []string) itOpts {
	t.Helper()
	file := filepath.Join(t.TempDir(), "env")
	var b strings.Builder
	for _, kv := range env {
		b.WriteString(kv + "\x00")
	}
	itWriteFile(t, file, b.String(), 0o644)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return itOpts{wrap: []string{exe}, env: []string{"DUMB_INIT_TEST_EXECVE=" + file}}
}
