package main

import (
	"runtime"
	"syscall"
	"unsafe"
)

// The C child does real work between fork and exec, and Go's
// syscall.ForkExec cannot run code there. So the init forks by itself
// (child.go), the way syscall.ForkExec does inside: everything the child
// needs is built beforehand (execPlan), and the child makes only raw system
// calls, as the child of a multi-threaded Go program must: it may not
// allocate, take a lock or grow its stack.

// execPlan is everything the child needs, made before the fork.
type execPlan struct {
	setsid, debug bool

	// paths are the files execvp would try, in its order; search is
	// false when the command names a file (contains '/'). noPath is the
	// error when there is nothing to try.
	paths  []*byte
	search bool
	noPath syscall.Errno

	argv    []*byte   // the command, NULL-terminated
	shArgvs [][]*byte // per path: /bin/sh, path, args..., for ENOEXEC
	envv    []*byte   // the environment, as the caller gave it

	execFailure string   // "CMD0: ", what the exec error message starts with
	msg         []byte   // room for the child's longest message
	sigs        *signals // what to reset before exec
	start       childStart

	// failed[0] is set by the child when it exits without running the
	// command; the parent reads it once it has reaped the child.
	failed []byte
}

// childStart is what the parent did before the fork that the child
// carries on from.
type childStart struct {
	// dir is the caller's working directory (see leaveCwd), which the
	// child returns to; -1 if the init is still in it. chdirErr is the
	// init's own failure to leave it.
	dir      int
	chdirErr syscall.Errno

	// errno is the value errno has in the C child when it starts: that of
	// the last failed call of the C parent. execvp reports it when it
	// tries no file at all (see execvpPaths).
	errno syscall.Errno
}

// leaveCwd opens the caller's working directory for the child and moves
// the init to /, before the fork: the C init does so after it, and loses
// the race to a command that looks at once (/proc/PPID/cwd). If the
// directory cannot be opened, the init stays there until after the fork
// (leftCwd), as in C.
func leaveCwd() (dir int, err syscall.Errno) {
	const oPath = 0x200000 // O_PATH: no permission needed, nothing read
	fd, e := syscall.Open(".", oPath|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if e != nil {
		return -1, 0
	}
	return fd, errnoOf(syscall.Chdir("/"))
}

// leftCwd finishes leaveCwd once the child runs: it closes the directory,
// or moves the init to / now if leaveCwd could not. It returns the error of
// the chdir.
func (st childStart) leftCwd() syscall.Errno {
	if st.dir < 0 {
		return errnoOf(syscall.Chdir("/"))
	}
	syscall.Close(st.dir)
	return st.chdirErr
}

func newExecPlan(cfg *config, env []string, debug bool, sigs *signals, start childStart) *execPlan {
	file := cfg.cmd[0]
	pl := &execPlan{
		setsid:      cfg.setsid,
		debug:       debug,
		argv:        cStrings(cfg.cmd),
		envv:        cStrings(env),
		execFailure: file + ": ",
		msg:         make([]byte, len(prefix)+len(file)+256),
		sigs:        sigs,
		start:       start,
	}
	paths, search, noPath := execvpPaths(file, env)
	pl.search, pl.noPath = search, noPath
	binSh := cString("/bin/sh")
	for _, path := range paths {
		p := cString(path)
		pl.paths = append(pl.paths, p)
		// The arguments themselves are shared with argv.
		sh := make([]*byte, len(pl.argv)+1)
		sh[0], sh[1] = binSh, p
		copy(sh[2:], pl.argv[1:])
		pl.shArgvs = append(pl.shArgvs, sh)
	}
	return pl
}

// spawn starts the child that runs the command and returns its PID, or the
// errno of a failed fork. Once the child has been reaped, failed[0] != 0
// means it could not run the command (its status is dumb-init's error).
// shared asks for that answer even where vfork is a plain fork (qemu-user
// makes it one), in which the child's writes stay in its own copy of our
// memory: then failed is a page shared with the child.
func spawn(cfg *config, env []string, debug bool, sigs *signals, start childStart, shared bool) (pid int, failed []byte, e syscall.Errno) {
	pl := newExecPlan(cfg, env, debug, sigs, start)
	pl.failed = make([]byte, 1)
	if shared {
		if pl.failed, e = sharedByte(); e != 0 {
			return 0, nil, e
		}
	}
	// A vfork, as syscall.ForkExec does: the child borrows our memory
	// until it execs, instead of a copy of every page table and a
	// copy-on-write fault for each page we touch afterwards (measured:
	// 0.1-0.25 ms for a plain fork, a sixth of the whole C dumb-init
	// start-up). clone(2) takes the flags first everywhere but on s390x.
	flags := uintptr(cloneVM | cloneVfork | syscall.SIGCHLD)
	a1, a2 := flags, uintptr(0)
	if runtime.GOARCH == "s390x" {
		a1, a2 = 0, flags
	}
	pid, e = forkChild(pl, a1, a2)
	return pid, pl.failed, e
}

// sharedByte maps a page that a forked child shares with us (syscall.Mmap
// would cost 8 KB of binary for its bookkeeping) and returns its first byte.
func sharedByte() ([]byte, syscall.Errno) {
	args := [6]uintptr{0, 1, syscall.PROT_READ | syscall.PROT_WRITE, syscall.MAP_SHARED | syscall.MAP_ANONYMOUS, ^uintptr(0), 0}
	var addr uintptr
	var e syscall.Errno
	if runtime.GOARCH == "s390x" {
		// The old mmap: the arguments in memory.
		addr, _, e = syscall.RawSyscall(syscall.SYS_MMAP, uintptr(unsafe.Pointer(&args[0])), 0, 0)
	} else {
		addr, _, e = syscall.RawSyscall6(syscall.SYS_MMAP, args[0], args[1], args[2], args[3], args[4], args[5])
	}
	if e != 0 {
		return nil, e
	}
	// The page is not Go's: read the address as a pointer.
	return unsafe.Slice(*(**byte)(unsafe.Pointer(&addr)), 1), 0
}

const (
	cloneVM    = 0x100
	cloneVfork = 0x4000
)

// rawVfork is clone(a1, a2, 0, 0, 0) in assembly: the child returns from it
// on our stack, so it must not keep its return address there.
func rawVfork(a1, a2 uintptr) (pid, errno uintptr)

// cString returns s as a NUL-terminated C string. Arguments and
// environment entries come from the kernel and cannot contain a NUL.
func cString(s string) *byte {
	b := make([]byte, len(s)+1)
	copy(b, s)
	return &b[0]
}

// cStrings returns a NULL-terminated array of C strings, all in one
// allocation.
func cStrings(ss []string) []*byte {
	size := 0
	for _, s := range ss {
		size += len(s) + 1
	}
	buf := make([]byte, size)
	p := make([]*byte, len(ss)+1)
	n := 0
	for i, s := range ss {
		p[i] = &buf[n]
		n += copy(buf[n:], s) + 1
	}
	return p
}
