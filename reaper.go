package main

import "syscall"

// reap collects every child that has exited: ours, and as PID 1 every
// orphan the kernel hands us. When our child is among them, the rest of its
// group gets SIGTERM (through the rewrite table) and dumb-init exits with
// the child's status, without waiting for anything else.
func (p *proxy) reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid <= 0 {
			return // nothing more has exited (0), or no children at all
		}
		status := 0
		if ws.Exited() {
			status = ws.ExitStatus()
			p.w.debugf("A child with PID %d exited with exit status %d.", pid, status)
		} else {
			status = 128 + int(ws.Signal())
			p.w.debugf("A child with PID %d was terminated by signal %d.", pid, status-128)
		}
		if pid == p.child {
			p.forward(int(syscall.SIGTERM))
			p.w.debugf("Child exited with status %d. Goodbye.", status)
			syscall.Exit(status)
		}
	}
}
