package main

import "syscall"

// Finding the processes a grace period is about (DUMB_INIT_GRACE): the
// kernel offers no system call that lists a process's children, so this
// reads /proc, which must be the one of our own PID namespace. Only the
// grace period uses it, and only once the child has exited.

// procScan is scratch space for reading /proc, reused across scans.
type procScan struct {
	buf   []byte
	names []string
}

// ours reports whether /proc shows our PID namespace (a container's /proc,
// not the host's that a bare `unshare -p` leaves in place).
func (r *procScan) ours(self int) bool {
	var b [16]byte
	n, err := syscall.Readlink("/proc/self", b[:])
	if err != nil {
		return false
	}
	pid, ok := parseDecimal(string(b[:n]), 1<<30)
	return ok && pid == self
}

// all lists every process of the namespace but the caller (PID 1).
func (r *procScan) all(self int) []int {
	var pids []int
	for _, name := range r.dir("/proc") {
		if pid, ok := parseDecimal(name, 1<<30); ok && pid != self {
			pids = append(pids, pid)
		}
	}
	return pids
}

// descendants lists every process below root, each once. The children of
// a process are listed per thread: an orphan handed to a subreaper can
// land on any of its threads.
func (r *procScan) descendants(root int) []int {
	var found []int
	todo := []int{root}
	for len(todo) > 0 {
		pid := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		task := "/proc/" + itoa(pid) + "/task/"
		for _, tid := range r.dir(task) {
			for _, child := range r.numbers(task + tid + "/children") {
				// A process re-parented while we walk can show up twice.
				if child != root && !contains(found, child) {
					found = append(found, child)
					todo = append(todo, child)
				}
			}
		}
	}
	return found
}

// pgid is the process group of pid, or 0 if it is gone.
func (r *procScan) pgid(pid int) int {
	stat := r.read("/proc/" + itoa(pid) + "/stat")
	// "pid (comm) state ppid pgrp ...": comm may hold anything, even ") ".
	end := -1
	for i := range stat {
		if stat[i] == ')' {
			end = i
		}
	}
	if end < 0 {
		return 0
	}
	fields := r.fieldsOf(stat[end+1:])
	if len(fields) < 3 {
		return 0
	}
	pgid, _ := parseDecimal(fields[2], 1<<30)
	return pgid
}

// dir lists the names in a directory (none if it cannot be read).
func (r *procScan) dir(path string) []string {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer syscall.Close(fd)
	r.names = r.names[:0]
	r.grow()
	for {
		n, err := syscall.ReadDirent(fd, r.buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return r.names
		}
		_, _, r.names = syscall.ParseDirent(r.buf[:n], -1, r.names)
	}
}

// numbers reads a file of space-separated decimal numbers.
func (r *procScan) numbers(path string) []int {
	var out []int
	for _, f := range r.fieldsOf(r.read(path)) {
		if n, ok := parseDecimal(f, 1<<30); ok {
			out = append(out, n)
		}
	}
	return out
}

// read returns the start of a small file (4 KiB is plenty for what /proc
// gives here; a longer children list is read whole).
func (r *procScan) read(path string) []byte {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer syscall.Close(fd)
	r.grow()
	n := 0
	for {
		if n == len(r.buf) {
			r.buf = append(r.buf, make([]byte, len(r.buf))...)
		}
		m, err := syscall.Read(fd, r.buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil || m <= 0 {
			return r.buf[:n]
		}
		n += m
	}
}

func (r *procScan) grow() {
	if r.buf == nil {
		r.buf = make([]byte, 4096)
	}
}

// fieldsOf splits on spaces and newlines. The strings are copies: the
// buffer is reused by the next read.
func (r *procScan) fieldsOf(b []byte) []string {
	var out []string
	start := -1
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == ' ' || b[i] == '\n' {
			if start >= 0 {
				out = append(out, string(b[start:i]))
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	return out
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func itoa(n int) string {
	return string(appendInt(nil, n))
}
