package main

import "syscall"

func ioctl(fd int, req uintptr, arg uintptr) syscall.Errno {
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, arg)
	return e
}

// detachTTY gives up the controlling terminal of stdin, so that the child
// can take it in its own session. It reports whether the kernel will now send
// SIGHUP and SIGCONT to our process group (we were its session leader):
// those two are not meant for the child; and the error if it failed.
func detachTTY(w *stderr) (handOffSignals bool, err syscall.Errno) {
	if e := ioctl(0, syscall.TIOCNOTTY, 0); e != 0 {
		w.debugf("Unable to detach from controlling tty (errno=%d %m).", int(e), int(e))
		return false, e
	}
	sid, _, _ := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
	if int(sid) == syscall.Getpid() {
		w.debugf("Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive.")
		return true, 0
	}
	w.debugf("Detached from controlling tty, but was not session leader.")
	return false, 0
}
