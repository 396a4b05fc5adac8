package main

import (
	"runtime"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// The loop takes signals with rt_sigtimedwait, and the kernel keeps them
// pending for it only while no thread of the init lets them through: a
// thread that does would take one out of turn. The Go runtime starts each
// thread with the mask dumb-init was started with, minus the signals it
// insists on (SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, the fault signals,
// ...), and a thread's mask can only be changed by the thread itself. So
// fixThreads makes the thread it runs on block them, and queues the fix
// signal to the process until every other thread has taken it: the kernel
// hands it to a thread that does not block it yet, whose handler blocks
// them there (sighandler.go). The runtime starts its threads during its own
// start-up; the loop checks before each wait whether it started another.

// fixer counts the threads known to block the waited signals.
type fixer struct {
	tids [len(sigFixed)]int32 // distinct entries of sigFixed
	n    int
	acks uint32 // sigAcks when sigFixed was last read
	// threads is how many threads there were when fixThreads last
	// returned: until the runtime starts another, there is no new one to
	// fix (nor, after a timeout, another second to wait).
	threads int
}

// fixThreads returns once every thread of the init blocks the waited
// signals, or after a second if one never takes the fix signal: the loop
// then goes on, and that thread's handler still puts back what it takes.
func (f *fixer) fixThreads() {
	if threadCount() <= f.threads && atomic.LoadUint32(&sigAcks) == f.acks {
		return // nothing new since the last look
	}
	deadline := nanotime() + 1e9
	for {
		blockHere()
		f.acks = atomic.LoadUint32(&sigAcks)
		for i := range sigFixed {
			f.add(atomic.LoadInt32(&sigFixed[i]))
		}
		if n := threadCount(); f.n >= n || nanotime() > deadline {
			f.threads = n
			return
		}
		queueSignal(int(sigSelf), sigFix, fixValue)
		futexWait(&sigAcks, f.acks, 100e6)
	}
}

// blockHere blocks the waited signals on this thread and records it in
// sigFixed, as the handler does on the threads it runs on.
func blockHere() {
	blockSignals(sigBlock)
	tid := int32(syscall.Gettid())
	for i := range sigFixed {
		if atomic.LoadInt32(&sigFixed[i]) == tid {
			return
		}
	}
	if i := atomic.AddUint32(&sigSlots, 1) - 1; i < uint32(len(sigFixed)) {
		atomic.StoreInt32(&sigFixed[i], tid)
	}
	atomic.AddUint32(&sigAcks, 1)
}

// add counts thread tid (0: none) once.
func (f *fixer) add(tid int32) {
	if tid == 0 {
		return
	}
	for _, t := range f.tids[:f.n] {
		if t == tid {
			return
		}
	}
	f.tids[f.n] = tid
	f.n++
}

// threadCount is the number of threads of the init: the runtime keeps one
// M for each, and its thread creation profile has one record per M.
func threadCount() int {
	n, _ := runtime.ThreadCreateProfile(nil)
	return n
}

// queueSignal queues sig to pid with rt_sigqueueinfo, as SI_QUEUE carrying
// value: told apart from a kill(2) by its siginfo.
func queueSignal(pid, sig int, value uint64) {
	var info [128]byte
	*(*int32)(unsafe.Pointer(&info[0])) = int32(sig)
	*(*int32)(unsafe.Pointer(&info[8])) = siQueue
	*(*int32)(unsafe.Pointer(&info[16])) = int32(syscall.Getpid())
	*(*uint32)(unsafe.Pointer(&info[20])) = uint32(syscall.Getuid())
	*(*uint64)(unsafe.Pointer(&info[24])) = value
	syscall.RawSyscall(syscall.SYS_RT_SIGQUEUEINFO, uintptr(pid), uintptr(sig), uintptr(unsafe.Pointer(&info[0])))
}

// futexWait sleeps until *addr is no longer val, a wake-up, or timeout ns.
func futexWait(addr *uint32, val uint32, timeout int64) {
	const futexWaitPrivate = 128
	ts := syscall.NsecToTimespec(timeout)
	syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWaitPrivate, uintptr(val),
		uintptr(unsafe.Pointer(&ts)), 0, 0)
}
