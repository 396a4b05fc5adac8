package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// As PID 1 of a machine (not of a container), /proc lists the kernel's own
// threads too; a grace period is about the processes users started, so it
// must neither signal nor count those (systemd and killall5 skip them as
// well). Found by the test VMs, where ours as the machine's init reported
// "Forwarded signal 15 to 46 other processes." for 2 services.
func TestProcsSkipKernelThreads(t *testing.T) {
	kthreads := map[int]bool{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp session tty_nr tpgid flags ...
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if flags, err := strconv.ParseUint(f[6], 10, 64); err == nil && flags&0x00200000 != 0 { // PF_KTHREAD
			kthreads[pid] = true
		}
	}
	if len(kthreads) == 0 {
		t.Skip("no kernel thread in this /proc (a container's PID namespace)")
	}
	var r procScan
	others := r.others(os.Getpid(), true)
	if len(others) == 0 {
		t.Fatal("no process found in /proc")
	}
	for _, p := range others {
		if kthreads[p.pid] {
			t.Errorf("others lists the kernel thread %d", p.pid)
		}
	}
}
