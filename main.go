// Command dumb-init is a minimal init for containers, a drop-in Go
// replacement for Yelp's C dumb-init 1.2.5: it runs one command as its
// child, forwards every signal it receives to the child's process group (or
// to the child alone), reaps zombies, and exits with the child's status.
package main

import "syscall"

func main() {
	syscall.Exit(run(runtimeArgs()))
}

// run is the parent: it returns only for front-end outcomes (help, usage,
// errors); once the child runs, dumb-init exits from the reaper.
func run(args []string) int {
	w := &stderr{}
	cfg, out := parseArgs(args)
	if out != nil {
		w.writeString(out.message)
		if w.broken {
			dieOf(syscall.SIGPIPE) // as the C program dies, signals not yet blocked
		}
		return out.code
	}
	disablePreemption(args)
	w.debug = cfg.debug
	env := environ()
	applyEnv(&cfg, w, env)
	ext, bad := parseExtensions(env)
	if bad != "" {
		w.printf(bad)
	}
	if w.broken {
		dieOf(syscall.SIGPIPE) // "Running in debug mode." hit a dead pipe, as above
	}
	if bad != "" {
		return 1
	}
	ppid := 0
	if ext.pdeathsig != 0 {
		// As early as we can: a parent that dies before the kernel is
		// asked for the signal is caught by comparing with this.
		ppid = syscall.Getppid()
	}

	// The init allocates nothing once running, so the collector has nothing
	// to do; switched off, it never wakes an idle init up (the runtime would
	// otherwise force a collection every two minutes).
	setGCPercent(-1)

	keepIgnoredSignals()
	sigs := catchSignals(preemptionOff())
	p := &proxy{cfg: &cfg, ext: &ext, w: w}
	start := childStart{errno: syscall.EINVAL}
	if cfg.setsid {
		handOff, e := detachTTY(w)
		if e != 0 {
			start.errno = e
		}
		if handOff {
			p.handOff[syscall.SIGHUP] = true
			p.handOff[syscall.SIGCONT] = true
		}
	}
	if !p.startExtensions(ppid) {
		return 1
	}

	start.dir, start.chdirErr = leaveCwd()
	pid, failed, e := spawn(&cfg, env, w.debug, sigs, start, ext.remapping())
	if e != 0 {
		w.printf("Unable to fork. Exiting.")
		return 1
	}
	p.child, p.failed = pid, failed
	w.debugf("Child spawned with PID %d.", pid)

	if e := start.leftCwd(); e != 0 {
		w.debugf("Unable to chdir(\"/\") (errno=%d %m)", int(e), int(e))
	}
	p.loop()
	return 0 // not reached
}
