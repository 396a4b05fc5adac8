package main

import "syscall"

// reap collects every child that has exited: ours, and as PID 1 (or a
// subreaper) every orphan the kernel hands us. When our child is among
// them, grace.go decides what happens next: as in C, the rest of its group
// gets SIGTERM (through the rewrite table) and dumb-init exits with the
// child's status, without waiting for anything else.
func (p *proxy) reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid < 0 {
			p.nothingLeft() // no children at all
			return
		}
		if pid == 0 {
			if p.killing {
				p.killRest()
			}
			return // nothing more has exited
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
			p.childExited(status, ws)
		}
	}
}
