package main

import "syscall"

// execvp replaces the process with file, found the way glibc's execvp(3)
// finds it, and returns only the error when that failed:
//   - a name containing '/' is used as is; otherwise each PATH element is
//     tried in turn, PATH unset meaning "/bin:/usr/bin" and an empty element
//     meaning the current directory (relative results are fine, unlike
//     Go's exec.LookPath);
//   - a file the kernel refuses with ENOEXEC (no #! line) is run by /bin/sh;
//   - EACCES from one candidate does not stop the search, but is what is
//     reported if nothing could be run.
func execvp(file string, argv, env []string) syscall.Errno {
	return searchPath(file, func(path string) syscall.Errno {
		return orShell(path, argv, func(path string, argv []string) syscall.Errno {
			return errnoOf(syscall.Exec(path, argv, env))
		})
	})
}

// searchPath calls try with each candidate path for file, in execvp's
// order, until one succeeds (try returns 0) or fails for a reason other than
// "not here", and returns the error execvp would report.
func searchPath(file string, try func(path string) syscall.Errno) syscall.Errno {
	if file == "" {
		return syscall.ENOENT
	}
	if hasByte(file, '/') {
		return try(file)
	}
	path, ok := syscall.Getenv("PATH")
	if !ok {
		path = "/bin:/usr/bin"
	}
	gotEACCES := false
	err := syscall.ENOENT
	for {
		elem := path
		rest, more := "", false
		for i := 0; i < len(path); i++ {
			if path[i] == ':' {
				elem, rest, more = path[:i], path[i+1:], true
				break
			}
		}
		candidate := file
		if elem != "" {
			candidate = elem + "/" + file
		}
		err = try(candidate)
		switch err {
		case syscall.EACCES:
			gotEACCES = true
		case syscall.ENOENT, syscall.ESTALE, syscall.ENOTDIR, syscall.ENODEV, syscall.ETIMEDOUT:
			// Not here: try the next directory.
		default:
			return err // found and run (0), or found but it cannot run
		}
		if !more {
			break
		}
		path = rest
	}
	if gotEACCES {
		return syscall.EACCES
	}
	return err
}

// orShell runs path with run (an exec, or a fork and exec), and when the
// kernel does not recognise the file's format runs "/bin/sh path args..."
// instead, as glibc's execvp does for scripts without a #! line.
func orShell(path string, argv []string, run func(path string, argv []string) syscall.Errno) syscall.Errno {
	err := run(path, argv)
	if err != syscall.ENOEXEC {
		return err
	}
	shArgv := make([]string, 0, len(argv)+1)
	shArgv = append(shArgv, "/bin/sh", path)
	if len(argv) > 1 {
		shArgv = append(shArgv, argv[1:]...)
	}
	return run("/bin/sh", shArgv)
}

func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if e, ok := err.(syscall.Errno); ok {
		return e
	}
	return syscall.EINVAL // a NUL byte in an argument: execve(2) never saw it
}
