package main

import "syscall"

// spawn starts the command as our child and returns its PID. The child
// inherits everything a C fork would pass on: cwd, environment, every file
// descriptor, umask, rlimits, credentials.
//
// Normally the child is a re-executed copy of this binary (see child.go). If
// that copy cannot be started (no /proc, or a foreign-architecture binary run
// by qemu-user without binfmt_misc), the command is started directly instead,
// which only loses what needs code between fork and exec: the terminal
// hand-off, and the exact signal state of the child.
func spawn(cfg *config, w *stderr) (int, error) {
	// Go closes fds 0-2 of a child unless told to pass them on.
	attr := &syscall.ProcAttr{Env: environ(), Files: []uintptr{0, 1, 2}}
	pid, err := syscall.ForkExec("/proc/self/exe", childArgs(cfg), attr)
	if err == nil {
		return pid, nil
	}
	if err == syscall.EAGAIN || err == syscall.ENOMEM {
		return 0, err // fork itself failed
	}
	attr.Sys = &syscall.SysProcAttr{Setsid: cfg.setsid}
	return spawnDirect(cfg, attr, w)
}

// spawnDirect forks and execs the command itself, searching PATH the way
// execvp does (see execvp.go). When nothing can be run it prints the error as
// the child would have and returns errExec.
func spawnDirect(cfg *config, attr *syscall.ProcAttr, w *stderr) (int, error) {
	var pid int
	err := searchPath(cfg.cmd[0], func(path string) syscall.Errno {
		return orShell(path, cfg.cmd, func(path string, argv []string) syscall.Errno {
			var err error
			pid, err = syscall.ForkExec(path, argv, attr)
			return errnoOf(err)
		})
	})
	if err == 0 {
		if cfg.setsid {
			w.debugf("setsid complete.")
		}
		return pid, nil
	}
	if err == syscall.EAGAIN || err == syscall.ENOMEM {
		return 0, err
	}
	w.writeString(prefix + cfg.cmd[0] + ": " + strerror(err) + "\n")
	return 0, errExec
}

// errExec means the command could not be executed: dumb-init exits 2.
var errExec = syscall.Errno(0x10000)
