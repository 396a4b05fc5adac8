package main

import _ "unsafe" // for go:linkname

// The init does not import os, os/signal or runtime/debug: with what they
// pull in (time, reflect, fmt-free but still large) they cost about 180 KB,
// more than the whole footprint budget allows (docs/performance.md).
// Instead it calls the very runtime entry points those packages are built
// on. The runtime exports each of them by name for exactly these packages,
// so a future Go that renames one fails at link time, never silently.

// runtimeArgs returns argv as the kernel gave it (os.Args is a copy of it).
//
//go:linkname runtimeArgs os.runtime_args
func runtimeArgs() []string

// runtimeEnvs returns the environment exactly as received: syscall.Environ
// would drop duplicate keys and empty entries, and the C init passes
// environ through untouched.
//
//go:linkname runtimeEnvs syscall.runtime_envs
func runtimeEnvs() []string

// beforeFork and afterFork bracket a fork, as in syscall.ForkExec: the
// first blocks every signal on this thread and makes stack growth fatal
// (the child may not grow its stack), the second undoes both in the parent.
//
//go:linkname beforeFork syscall.runtime_BeforeFork
func beforeFork()

//go:linkname afterFork syscall.runtime_AfterFork
func afterFork()

// setGCPercent is debug.SetGCPercent.
//
//go:linkname setGCPercent runtime/debug.setGCPercent
func setGCPercent(percent int32) int32

// nanotime is the runtime's monotonic clock (time.Now's, without time).
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64
