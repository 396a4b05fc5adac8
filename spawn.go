package main

import "syscall"

// spawn starts the command as our child, through a re-executed copy of this
// binary (see child.go), and returns its PID. The child inherits everything
// a C fork would pass on: cwd, environment, every file descriptor, umask,
// rlimits, credentials.
func spawn(cfg *config, argv0 string) (int, error) {
	argv := childArgs(cfg)
	// Go closes fds 0-2 of a child unless told to pass them on.
	attr := &syscall.ProcAttr{Env: environ(), Files: []uintptr{0, 1, 2}}
	pid, err := syscall.ForkExec("/proc/self/exe", argv, attr)
	if err == nil {
		return pid, nil
	}
	// Without /proc, fall back to the name we were started by.
	if self, ok := findSelf(argv0); ok {
		if pid, err2 := syscall.ForkExec(self, argv, attr); err2 == nil {
			return pid, nil
		}
	}
	return 0, err
}

// findSelf resolves argv[0] the way the shell or the container runtime that
// started us resolved it: as a path if it has a slash, else through PATH.
func findSelf(argv0 string) (string, bool) {
	if containsSlash(argv0) {
		return argv0, true
	}
	path, _ := syscall.Getenv("PATH")
	for len(path) > 0 || argv0 != "" {
		elem := path
		for i := 0; i < len(path); i++ {
			if path[i] == ':' {
				elem, path = path[:i], path[i+1:]
				break
			}
		}
		if elem == path {
			path = ""
		}
		candidate := argv0
		if elem != "" {
			candidate = elem + "/" + argv0
		}
		if syscall.Access(candidate, 1 /* X_OK */) == nil {
			return candidate, true
		}
		if path == "" {
			break
		}
	}
	return "", false
}
