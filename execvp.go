package main

import (
	"syscall"
	"unsafe"
)

// execvp's search, as glibc's execvp(3) does it, in two halves: the files
// to try are worked out before the fork (execvpPaths), the tries happen in
// the child (childExecvp).
//   - a name containing '/' is used as is; otherwise each PATH element is
//     tried in turn, PATH unset meaning "/bin:/usr/bin" and an empty element
//     meaning the current directory (relative results are fine, unlike
//     Go's exec.LookPath);
//   - a file the kernel refuses with ENOEXEC (no #! line) is run by /bin/sh;
//   - EACCES from one candidate does not stop the search, but is what is
//     reported if nothing could be run;
//   - an element too long for its buffer (see elemMax) is not tried: if
//     more follow, the current directory is tried in its place (glibc
//     restarts its scan at the ':'), if it is the last one the search ends
//     there. If that leaves nothing tried at all, the error reported is
//     whatever errno held before (see childStart.errno).

// nameMax is NAME_MAX: glibc refuses longer names before searching.
const nameMax = 255

// elemMax is the shortest PATH element glibc's execvp skips, given the
// length of PATH: it sizes its buffer from PATH's length, counted up to
// PATH_MAX-1 (4095) bytes, plus the name; an element that does not fit in
// that count is skipped.
func elemMax(path string) int {
	return min(len(path), 4095) + 1
}

// execvpPaths returns the files execvp tries for file, whether they come
// from a PATH search, and the error to report if there are none (0: errno
// as it was).
func execvpPaths(file string, env []string) (paths []string, search bool, none syscall.Errno) {
	switch {
	case file == "":
		return nil, false, syscall.ENOENT
	case hasByte(file, '/'):
		return []string{file}, false, 0
	case len(file) > nameMax:
		return nil, true, syscall.ENAMETOOLONG
	}
	path, ok := lookupEnv(env, "PATH")
	if !ok {
		path = "/bin:/usr/bin"
	}
	tooLong := elemMax(path)
	for {
		elem, rest, more := cut(path, ':')
		switch {
		case len(elem) >= tooLong && !more:
			return paths, true, 0
		case elem == "", len(elem) >= tooLong:
			paths = append(paths, file)
		default:
			paths = append(paths, elem+"/"+file)
		}
		if !more {
			return paths, true, syscall.ENOENT
		}
		path = rest
	}
}

// lookupEnv is getenv(3): the first entry for key wins.
func lookupEnv(env []string, key string) (string, bool) {
	for _, kv := range env {
		if len(kv) > len(key) && kv[len(key)] == '=' && kv[:len(key)] == key {
			return kv[len(key)+1:], true
		}
	}
	return "", false
}

// childExecvp runs in the child (see child.go): it execs the first file that
// runs, and returns the error execvp would set when none does; errno is
// the child's errno before the call.
//
//go:nosplit
func childExecvp(pl *execPlan, errno syscall.Errno) syscall.Errno {
	err := pl.noPath
	if err == 0 {
		err = errno
	}
	gotEACCES := false
	for i := range pl.paths {
		err = execve(pl.paths[i], pl.argv, pl.envv)
		if err == syscall.ENOEXEC {
			err = execve(pl.shArgvs[i][0], pl.shArgvs[i], pl.envv)
		}
		if !pl.search {
			return err
		}
		switch err {
		case syscall.EACCES:
			gotEACCES = true
		case syscall.ENOENT, syscall.ESTALE, syscall.ENOTDIR, syscall.ENODEV, syscall.ETIMEDOUT:
			// Not here: try the next directory.
		default:
			return err // found, but it cannot run
		}
	}
	if gotEACCES {
		return syscall.EACCES
	}
	return err
}

//go:nosplit
func execve(path *byte, argv, envv []*byte) syscall.Errno {
	_, _, err := syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(path)),
		uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&envv[0])))
	return err
}

func hasByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}

func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if e, ok := err.(syscall.Errno); ok {
		return e
	}
	return syscall.EINVAL
}
