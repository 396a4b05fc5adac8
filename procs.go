package main

import (
	"syscall"
	"unsafe"
)

// Finding the processes a grace period is about (DUMB_INIT_GRACE): the
// kernel offers no system call that lists processes, so this reads /proc,
// which must be the one of our own PID namespace. Only the grace period
// uses it, and only once the child has exited.

// proc is one process as /proc/PID/stat shows it. A kernel thread, which
// /proc shows to the init of a machine (not of a container), is none of the
// processes left: it is neither signalled nor counted, as systemd and
// killall5 leave them alone too.
type proc struct {
	pid, ppid, pgid int
	kthread         bool
}

// procScan is scratch space for reading /proc, reused across scans.
type procScan struct {
	buf []byte
}

// ours reports whether /proc shows our PID namespace (a container's /proc,
// not the host's that a bare `unshare -p` leaves in place).
func (r *procScan) ours(self int) bool {
	var b [16]byte
	n, err := syscall.Readlink("/proc/self", b[:])
	pid, ok := parseDecimal(string(b[:n]), 1<<30)
	return err == nil && ok && pid == self
}

// others lists the processes of the namespace but self: with all, every
// one of them (for PID 1); otherwise self's descendants, found through
// their parents, which are ours as a subreaper.
func (r *procScan) others(self int, all bool) []proc {
	var procs []proc
	for _, pid := range r.pids() {
		if p, ok := r.stat(pid); ok && pid != self && !p.kthread {
			procs = append(procs, p)
		}
	}
	if all {
		return procs
	}
	// Keep those whose parent is self or kept, until nothing changes.
	var kept []proc
	isKept := func(pid int) bool {
		for _, k := range kept {
			if k.pid == pid {
				return true
			}
		}
		return pid == self
	}
	for grew := true; grew; {
		grew = false
		for i := 0; i < len(procs); i++ {
			if isKept(procs[i].ppid) {
				kept = append(kept, procs[i])
				procs[i] = procs[len(procs)-1]
				procs = procs[:len(procs)-1]
				i--
				grew = true
			}
		}
	}
	return kept
}

// pids lists the numeric entries of /proc.
func (r *procScan) pids() []int {
	fd, err := syscall.Open("/proc", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer syscall.Close(fd)
	r.grow()
	var pids []int
	for {
		n, err := syscall.ReadDirent(fd, r.buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return pids
		}
		// struct linux_dirent64: ino (8), off (8), reclen (2), type (1),
		// then the name, NUL-terminated.
		for off := 0; off+19 < n; {
			reclen := int(*(*uint16)(unsafe.Pointer(&r.buf[off+16])))
			name := r.buf[off+19 : off+reclen]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			if pid, ok := parseDecimal(string(name), 1<<30); ok {
				pids = append(pids, pid)
			}
			off += reclen
		}
	}
}

// stat reads pid, ppid, pgid and flags from /proc/PID/stat: "pid (comm)
// state ppid pgrp session tty_nr tpgid flags ...", where comm may hold
// anything, even ") ".
func (r *procScan) stat(pid int) (proc, bool) {
	b := r.read("/proc/" + itoa(pid) + "/stat")
	end := -1
	for i := range b {
		if b[i] == ')' {
			end = i
		}
	}
	var f [7][]byte // state, ppid, pgrp, session, tty_nr, tpgid, flags
	n := 0
	for i := end + 1; end >= 0 && i < len(b) && n < len(f); i++ {
		if b[i] == ' ' {
			continue
		}
		j := i
		for j < len(b) && b[j] != ' ' {
			j++
		}
		f[n], n, i = b[i:j], n+1, j
	}
	if n < len(f) {
		return proc{}, false
	}
	ppid, _ := parseDecimal(string(f[1]), 1<<30)
	pgid, _ := parseDecimal(string(f[2]), 1<<30)
	flags, _ := parseDecimal(string(f[6]), 1<<32)
	const pfKthread = 0x00200000
	return proc{pid, ppid, pgid, flags&pfKthread != 0}, true
}

// read returns what a small file holds (4 KiB is plenty for a stat line).
func (r *procScan) read(path string) []byte {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer syscall.Close(fd)
	r.grow()
	n, err := syscall.Read(fd, r.buf)
	if err != nil || n < 0 {
		return nil
	}
	return r.buf[:n]
}

func (r *procScan) grow() {
	if r.buf == nil {
		r.buf = make([]byte, 4096)
	}
}

func itoa(n int) string {
	return string(appendInt(nil, n))
}
