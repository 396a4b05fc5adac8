package main

// DUMB_INIT_DELAY=SIG:SECONDS holds a received signal for SECONDS before
// handling it (the rewrite table and job control apply then), so that a
// load balancer can stop sending traffic while the service still runs.
// Other signals are handled meanwhile. The same signal arriving again ends
// the hold at once and is handled once with it: the operator's "now".

// hold starts holding sig, or ends its hold if it is already held.
func (p *proxy) hold(sig int) {
	if p.held[sig] != 0 {
		p.held[sig] = 0
		p.w.debugf("Received signal %d again: not delaying it any longer.", sig)
		p.act(sig)
		return
	}
	p.held[sig] = nanotime() + p.ext.delay[sig]
	p.w.debugf("Delaying signal %d for "+p.ext.delayText[sig]+" s.", sig)
}

// nextHeld is when the first held signal is due, 0 if none is held.
func (p *proxy) nextHeld() int64 {
	due := int64(0)
	for s := 1; s <= maxRTSig; s++ {
		due = earliest(due, p.held[s])
	}
	return due
}

// releaseHeld handles the held signals that are due, lowest number first.
func (p *proxy) releaseHeld(now int64) {
	for s := 1; s <= maxRTSig; s++ {
		if p.held[s] != 0 && p.held[s] <= now {
			p.held[s] = 0
			p.w.debugf("Delay of signal %d over.", s)
			p.act(s)
		}
	}
}

// dropHeld forgets the held signals: the child they were for is gone.
func (p *proxy) dropHeld() {
	for s := 1; s <= maxRTSig; s++ {
		if p.held[s] != 0 {
			p.held[s] = 0
			p.w.debugf("Child gone: dropping delayed signal %d.", s)
		}
	}
}
