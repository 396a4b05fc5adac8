#!/bin/sh
# The scenario of the test VMs (vms_test.go): the child of the init under
# test, which is PID 1 of the machine (see init). It prints its transcript
# on the console, one "@@ BLOCK: TEXT" line at a time, and the host compares
# the transcript under our init with the one under C's. Only this shell
# prints, except where a block says otherwise; helpers report to it through
# the FIFO /run/ack. Every wait has a deadline and then reports "timeout".
#
# Each block is one function. A block for an extension shows what the
# extension does under ours; C ignores the variable, and test/vm/differences
# declares what C prints there instead.
#
# Run with arguments, it is one of the helpers (jobctl, subreaper_child, ...)
# that the blocks start as separate programs.

say() { echo "@@ $*"; }

# ack: the next line a helper wrote to /run/ack, in $line.
ack() { read -r -t 30 line <&3 || line=timeout; }

# waitfor SECONDS CMD...: run CMD until it succeeds; 1 if it never did.
waitfor() {
	limit=$1
	shift
	read -r t0 _ </proc/uptime
	until "$@"; do
		read -r t _ </proc/uptime
		[ $((${t%.*} - ${t0%.*})) -lt "$limit" ] || return 1
		sleep 0.01
	done
}

# idle: what a helper does between signals: their traps run when one
# interrupts "wait". Not "read": busybox's read can miss a signal that comes
# between the last trap and its poll(), and then sleeps on with the trap
# pending (seen on ppc64le: a recorder that never reported a signal);
# sh's wait blocks with sigsuspend(), which cannot. The sleep is only there
# to be waited for: a new one when it ends, so none outlives its helper for
# long. (sh's report of one killed by a forwarded signal goes nowhere.)
idle() {
	exec 2>/dev/null
	sleep 1 &
	s=$!
	while :; do
		wait $s
		[ -e /proc/$s ] || {
			sleep 1 &
			s=$!
		}
	done
}

# recorder NAME SIG...: reports each listed signal it gets on /run/ack.
recorder() {
	name=$1
	shift
	for s; do trap "echo '$name got $s' >/run/ack" "$s"; done
	echo "$name ready" >/run/ack
	idle
}

state() {
	read -r _ _ st _ </proc/"$1"/stat
	[ "$st" = T ] && echo stopped || echo running
}
stopped() { for p; do [ "$(state "$p")" = stopped ] || return 1; done; }
running() { for p; do [ "$(state "$p")" = running ] || return 1; done; }
gone() { [ ! -e /proc/"$1" ]; }
ended() {
	# Reaped between a look at /proc and the next (seen on amd64): gone.
	{ read -r _ _ st _ </proc/"$1"/stat; } 2>/dev/null || return 0
	[ "$st" = Z ]
}

# reap PID: wait for a child of this shell, with a deadline (an init that
# does not exit must not hang the scenario); its status in $?, or 255.
reap() {
	if waitfor 30 ended "$1"; then
		wait "$1"
	else
		kill -9 "$1"
		return 255
	fi
}

# children PID: the processes whose parent is PID, in $kids.
children() {
	kids=
	for f in /proc/[0-9]*/stat; do
		read -r p _ _ pp _ 2>/dev/null <"$f" || continue
		[ "$pp" = "$1" ] && kids="$kids $p"
	done
	kids=${kids# }
}

# ttyname NR: the /dev node of a tty_nr from /proc/PID/stat.
ttyname() {
	major=$(($1 >> 8 & 0xfff))
	minor=$((($1 & 0xff) | ($1 >> 12 & 0xfff00)))
	want=$(printf '%x %x' $major $minor)
	for d in /dev/tty*; do
		[ "$(stat -c '%t %T' "$d")" = "$want" ] && { echo "$d"; return; }
	done
	echo "tty $1"
}

# The child of PID 1 leads its own session and has the console as its
# controlling terminal (the init's TIOCSCTTY in the child).
block_tty() {
	read -r _ _ _ _ pgrp sid tty tpgid _ </proc/self/stat
	[ "$sid" = $$ ] && a=yes || a=no
	[ "$pgrp" = $$ ] && b=yes || b=no
	[ "$tpgid" = $$ ] && c=yes || c=no
	console=$(ttyname "$tty")
	say "tty: the child leads its session: $a; its own group: $b; controlling terminal: $console; in the foreground: $c"
}

# The caller's Go settings (set by init) reach the child unchanged, and
# /proc/1/environ shows them as the kernel put them.
block_gosettings() {
	tr '\0' '\n' </proc/1/environ | grep '^GO' | while read -r l; do say "go settings: PID 1's environ: $l"; done
	env | grep '^GO' | sort | while read -r l; do say "go settings: the child's environment: $l"; done
}

# Setsid mode: a signal to PID 1 reaches every member of the child's
# group; the init's -r 10:12 rewrites USR1 and -r 1:0 drops HUP. (A
# background job of this shell cannot catch INT or QUIT: sh ignores them.)
block_forward() {
	recorder member 1 10 12 28 30 &
	member=$!
	ack
	say "forward: $line"
	kill -12 1
	ack
	say "forward: USR2 (12) to the init: $line"
	kill -10 1
	ack
	say "forward: rewrite 10:12: USR1 (10) to the init: $line"
	kill -1 1
	kill -12 1
	ack
	say "forward: rewrite 1:0: HUP (1), then USR2 (12) to the init: $line"
}

# Real-time signals, each queued instance forwarded: a nested dumb-init -v
# -c in the child's group (not PID 1) shows every one it gets.
block_realtime() {
	mkfifo /run/rlog
	exec 5<>/run/rlog
	/sbin/dumb-init -v -c sleep 1000 2>/run/rlog &
	rec=$!
	rlog "Child spawned" 1
	kill -34 1
	rlog "Forwarded signal 34 " 1
	kill -40 1
	kill -40 1
	kill -40 1
	rlog "Forwarded signal 40 " 3
	kill -64 1
	rlog "Forwarded signal 64 " 1
	kill -15 $rec
	reap $rec
	say "realtime: TERM to the recorder: it exited with $?"
	exec 5<&-
}

# rlog TEXT N: print the recorder's lines until TEXT has been seen N times.
rlog() {
	n=$2
	while [ "$n" -gt 0 ]; do
		read -r -t 30 l <&5 || {
			say "realtime: timeout"
			return
		}
		say "realtime: $l"
		case $l in *"$1"*) n=$((n - 1)) ;; esac
	done
}

# Signals that wait together come out in the kernel's order, the same on
# every architecture: the synchronous ones first (BUS 7, FPE 8, SYS 31),
# then the lowest, real-time ones last; the CONT that continues the init
# discards the TTIN pending. A nested dumb-init -v -c (not PID 1), stopped,
# gets them and is continued; its child ignores them all, and says so
# before the init is stopped (a BUS that came before its trap killed it and
# the nested C init exited with 135, seen once on ppc64le).
block_order() {
	mkfifo /run/olog
	exec 6<>/run/olog
	/sbin/dumb-init -v -c sh -c 'trap "" 1 2 3 7 8 10 21 31 49 60 62; echo ignoring >&2; exec sleep 1000' 2>/run/olog &
	rec=$!
	olog ignoring >/dev/null
	kill -STOP $rec
	waitfor 30 stopped $rec || say "order: the init did not stop"
	for s in 3 31 10 8 2 7 1 49 21 62 60; do kill -$s $rec; done
	kill -CONT $rec
	say "order: $(olog "Received signal 62." | tr '\n' ' ')"
	kill -15 $rec
	reap $rec
	say "order: TERM to the nested init: it exited with $?"
	exec 6<&-
}

# olog TEXT: print the signals the nested init says it received, one per
# line, until a line has TEXT.
olog() {
	while read -r -t 30 l <&6; do
		case $l in "[dumb-init] Received signal "*)
			n=${l#\[dumb-init\] Received signal }
			echo "${n%.}"
			;;
		esac
		case $l in *"$1"*) return ;; esac
	done
	echo timeout
}

# DUMB_INIT_DELAY=28:60 (set by init): WINCH is held while PWR goes through,
# and a second WINCH ends the delay.
block_delay() {
	kill -28 1
	kill -30 1
	while :; do
		ack
		say "delay 28:60: WINCH (28), then PWR (30) to the init: $line"
		case $line in "member got 30" | timeout) break ;; esac
	done
	kill -28 1
	ack
	say "delay 28:60: WINCH (28) again: $line"
}

# TSTP, TTIN and TTOU stop the child's group (SIGSTOP) and CONT continues
# it; PID 1 cannot stop itself. The child is stopped too, so a helper in a
# session of its own drives this block and prints its lines.
block_jobctl() {
	setsid sh /scenario.sh jobctl $$ "$member" &
	wait $!
}
jobctl() {
	for s in 20:TSTP 21:TTIN 22:TTOU; do
		kill -"${s%%:*}" 1
		waitfor 30 stopped "$1" "$2"
		say "job control: ${s#*:} (${s%%:*}) to the init: child $(state "$1"), member $(state "$2"), init $(state 1)"
		kill -18 1
		waitfor 30 running "$1" "$2"
		say "job control: CONT (18) to the init: child $(state "$1"), member $(state "$2")"
	done
}

# A few hundred orphans, reparented to PID 1 and reaped by it.
block_orphans() {
	i=0
	while [ $i -lt 300 ]; do
		(true &)
		i=$((i + 1))
	done
	waitfor 60 settled
	say "orphans: 300 orphans: zombies left to the init: $zombies; processes whose parent is the init: $adopted"
}
# count: the processes whose parent is PID 1, and how many are zombies.
count() {
	zombies=0 adopted=0
	for f in /proc/[0-9]*/stat; do
		read -r _ _ st pp _ 2>/dev/null <"$f" || continue
		[ "$pp" = 1 ] || continue
		adopted=$((adopted + 1))
		[ "$st" = Z ] && zombies=$((zombies + 1))
	done
}
settled() {
	count
	[ $zombies = 0 ] && [ $adopted = 1 ]
}

# Exit status passthrough of a nested dumb-init (not PID 1): N, 128+N, and
# 2 with a message for a command that cannot run.
block_exit() {
	for mode in setsid -c; do
		o=
		[ $mode = -c ] && o=-c
		/sbin/dumb-init $o sh -c 'exit 7'
		a=$?
		/sbin/dumb-init $o sh -c 'kill -USR1 $$'
		b=$?
		/sbin/dumb-init $o /nonexistent 2>/run/err
		c=$?
		read -r err </run/err
		say "exit ($mode): exit 7 gives $a; killed by USR1 gives $b; /nonexistent gives $c: $err"
	done
}

# Single-child mode (-c) forwards to the child alone, not to its group.
block_single() {
	/sbin/dumb-init -c sh /scenario.sh single_child &
	init=$!
	ack
	m=${line#member ready }
	say "single child: ${line% *}"
	kill -10 $init
	ack
	say "single child: USR1 (10) to the init: $line"
	kill -12 "$m"
	ack
	say "single child: then USR2 (12) straight to the member: $line"
	kill -9 "$m"
	kill -15 $init
	reap $init
	say "single child: TERM to the init: it exited with $?"
}
single_child() {
	trap 'echo "child got 10" >/run/ack' 10
	trap 'echo "child got 12" >/run/ack' 12
	(
		trap 'echo "member got 10" >/run/ack' 10
		trap 'echo "member got 12" >/run/ack' 12
		read -r p _ </proc/self/stat
		echo "member ready $p" >/run/ack
		idle
	) &
	idle
}

# DUMB_INIT_SUBREAPER=1: a nested dumb-init adopts the orphans of its
# command, which otherwise go to PID 1.
block_subreaper() {
	DUMB_INIT_SUBREAPER=1 /sbin/dumb-init sh /scenario.sh subreaper_child
	rc=$?
	ack
	say "subreaper: $line; the dumb-init exited with $rc"
}
subreaper_child() {
	mkfifo /run/orphan
	exec 6<>/run/orphan
	init=$PPID
	(
		read -r me _ </proc/self/stat
		sh /scenario.sh subreaper_orphan "$init" "$me" &
	)
	read -r -t 30 _ <&6
}
subreaper_orphan() {
	waitfor 30 reparented "$2"
	read -r _ _ _ pp _ </proc/self/stat
	case $pp in
	"$1") who="the dumb-init" ;;
	1) who="PID 1" ;;
	*) who="another process" ;;
	esac
	echo "the orphan's new parent: $who" >/run/ack
	echo done >/run/orphan
}
reparented() {
	read -r _ _ _ pp _ </proc/self/stat
	[ "$pp" != "$1" ]
}

# DUMB_INIT_EXIT_REMAP: the child's status is remapped, never dumb-init's own
# error (2 for a command that cannot run).
block_remap() {
	export DUMB_INIT_EXIT_REMAP=143:0,7:9,2:5
	/sbin/dumb-init sh -c 'kill -TERM $$'
	a=$?
	/sbin/dumb-init sh -c 'exit 7'
	b=$?
	/sbin/dumb-init sh -c 'exit 2'
	c=$?
	/sbin/dumb-init /nonexistent 2>/dev/null
	d=$?
	unset DUMB_INIT_EXIT_REMAP
	say "exit remap 143:0,7:9,2:5: killed by TERM gives $a; exit 7 gives $b; exit 2 gives $c; /nonexistent gives $d"
}

# DUMB_INIT_PDEATHSIG=12: the nested dumb-init gets USR2 when its parent
# dies and forwards it; PWR, sent after the parent was reaped, comes after.
block_pdeathsig() {
	(
		DUMB_INIT_PDEATHSIG=12 /sbin/dumb-init -c sh /scenario.sh pdeath_child &
		wait
	) &
	parent=$!
	ack
	say "pdeathsig 12: $line"
	children $parent
	init=$kids
	# (sh reports the SIGKILL, "Killed", in some runs: not on the console)
	{
		kill -9 $parent
		wait $parent
	} 2>/dev/null
	kill -30 "$init"
	while :; do
		ack
		say "pdeathsig 12: parent killed, then PWR (30) to the init: $line"
		case $line in "child got 30" | timeout) break ;; esac
	done
	kill -15 "$init"
	waitfor 30 gone "$init" || say "pdeathsig 12: the init did not exit"
}
pdeath_child() {
	trap 'echo "child got 12" >/run/ack' 12
	trap 'echo "child got 30" >/run/ack' 30
	echo "child ready" >/run/ack
	idle
}

# DUMB_INIT_REPORT=1 (nested): a line on stderr when the child dies of a
# signal (with ", core dumped" if it did), none when it exits.
block_report() {
	export DUMB_INIT_REPORT=1
	for how in 'kill -SEGV $$' 'ulimit -c unlimited; kill -ABRT $$' 'kill -37 $$' 'exit 139'; do
		/sbin/dumb-init sh -c "$how" 2>/run/report
		st=$?
		msg=
		read -r msg </run/report
		say "report: $how: status $st; dumb-init said: ${msg:-nothing}"
	done
	unset DUMB_INIT_REPORT
	rm -f /core
}

# DUMB_INIT_EXIT_SIGNAL=1 (nested, not PID 1): dumb-init dies of the
# child's signal, which its parent (this shell) reports; a status that
# DUMB_INIT_EXIT_REMAP lists is remapped instead.
block_exit_signal() {
	for remap in '' 139:0; do
		st=$( (DUMB_INIT_EXIT_SIGNAL=1 DUMB_INIT_EXIT_REMAP=$remap /sbin/dumb-init sh -c 'kill -SEGV $$'
			echo $?) 2>/run/exitsig)
		msg=
		read -r msg </run/exitsig
		say "exit signal${remap:+ and remap $remap}: killed by SEGV: status $st; the shell said: ${msg:-nothing}"
	done
}

# The terminal hand-off: a nested dumb-init -v that leads a session with
# the console as its controlling terminal (busybox setsid -c takes it from
# this shell's session) gives it up, ignores the SIGHUP and SIGCONT that
# this sends, and its child gets the console. The child's own debug line
# races with the parent's in C, so it is shown apart.
block_handoff() {
	setsid -c /sbin/dumb-init -v sh /scenario.sh handoff_child "$console" 2>/run/handoff
	rc=$?
	ack
	say "tty hand-off: $line"
	grep -v 'setsid complete' /run/handoff | while read -r l; do say "tty hand-off: $l"; done
	say "tty hand-off: the child said 'setsid complete' $(grep -c 'setsid complete' /run/handoff) time(s); the dumb-init exited with $rc"
}
handoff_child() {
	read -r _ _ _ _ pgrp sid tty tpgid _ </proc/self/stat
	[ "$sid" = $$ ] && a=yes || a=no
	[ "$tpgid" = "$pgrp" ] && c=yes || c=no
	[ "$(ttyname "$tty")" = "$1" ] && b="the console" || b="$(ttyname "$tty")"
	echo "the command leads its session: $a; controlling terminal: $b; in the foreground: $c" >/run/ack
	# PWR goes back to this group only once the init has taken every signal
	# sent before it, the hand-off's SIGHUP and SIGCONT included: exiting
	# earlier would race them with the SIGCHLD.
	trap 'exit 0' 30
	kill -30 $PPID
	idle
}

# DUMB_INIT_REPORT=1 (set by init): PID 1 reports the TERM that ends this
# shell, on the console (the host takes every "[dumb-init] " line from
# there: PID 1 prints no other, and the nested inits' stderr is elsewhere).
# DUMB_INIT_EXIT_SIGNAL=1 (set by init): as PID 1, the init exits with
# 128+15 all the same (the kernel's panic line shows it).
# DUMB_INIT_GRACE=5 (set by init), when this shell ends: SIGTERM also goes to
# a service in a session of its own, and each service gets the time it
# takes (1 s) to shut down; one that ignores SIGTERM is killed after 5 s.
# Under C, PID 1 exits at once and the kernel panics before any of them has
# finished (in microseconds: the second is a wide margin). The service in
# its own session prints the lines of both, in this order.
block_grace() {
	(
		trap 'sleep 1; echo "service in the group: TERM, shut down" >/run/svc; exit 0' 15
		echo ready >/run/ack
		idle
	) &
	mkfifo /run/svc
	setsid sh /scenario.sh service_own_session &
	(
		trap '' 15
		echo ready >/run/ack
		exec setsid sleep 1000
	) &
	ack
	ack
	ack
	say "grace: three services ready; the child now ends by TERM"
	kill -15 $$
}
service_own_session() {
	exec 6<>/run/svc
	trap 'sleep 1; read -r -t 10 x <&6; say "grace: $x"; say "grace: service in its own session: TERM, shut down"; exit 0' 15
	echo ready >/run/ack
	idle
}

if [ $# -gt 0 ]; then
	"$@"
	exit
fi

# The main scenario. The extensions of PID 1 are not for the nested inits.
unset DUMB_INIT_GRACE DUMB_INIT_DELAY DUMB_INIT_REPORT DUMB_INIT_EXIT_SIGNAL
# This shell is a member of the group that receives what PID 1 forwards.
trap '' 1 10 12 28 30 34 40 64
mkfifo /run/ack
exec 3<>/run/ack
say "start: $(uname -m)"
block_tty
block_gosettings
block_forward
block_realtime
block_order
block_delay
block_jobctl
block_orphans
block_exit
block_single
block_subreaper
block_remap
block_pdeathsig
block_report
block_exit_signal
block_handoff
block_grace
