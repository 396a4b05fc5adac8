package main

import _ "unsafe" // for go:linkname

// The init does not import os, os/signal or runtime/debug: with what they
// pull in (time, reflect, fmt-free but still large) they cost about 180 KB,
// more than the whole footprint budget allows (README, "Footprint").
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

// signalEnable makes the runtime queue signal sig for signalRecv instead of
// applying Go's default action.
//
//go:linkname signalEnable os/signal.signal_enable
func signalEnable(sig uint32)

// signalRecv blocks until a queued signal is available and returns the
// lowest-numbered one: the same contract as sigwait(3) in the C init. While
// blocked the goroutine is in a system call, so the runtime never needs to
// preempt it (no SIGURG of its own is ever aimed at it).
//
//go:linkname signalRecv os/signal.signal_recv
func signalRecv() uint32

// setGCPercent is debug.SetGCPercent.
//
//go:linkname setGCPercent runtime/debug.setGCPercent
func setGCPercent(percent int32) int32
