#!/usr/bin/env bash
# Benchmark our Go dumb-init against Debian's C dumb-init, tini-static and
# catatonit, side by side in one run, and print one markdown table (stdout).
# Progress goes to stderr. Needs root (PID namespaces), gcc (with a static
# libc), python3, util-linux unshare, file; qemu-user-static for the per-arch
# check.
#
# usage: scripts/bench.sh [--ours PATH] [--raw FILE]
#   --ours PATH   measure this binary as "ours" (default: build it with
#                 scripts/build.sh; if that fails, "ours" is reported as n/a)
#   --raw FILE    also write the raw key=value results to FILE
# Tunables (environment): START_RUNS (300), SIG_N (2000), FLOOD (50000),
#   SIG_ROUNDS (8), REAP_N (5000), REAP_RUNS (7), IDLE_SECS (10),
#   PIDS_RUNS (50).
#
# This is a benchmark, not a test: nothing here is run by .ci/run.
# Methods are described in scripts/bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/scripts/bench
OURS=
RAW=
while [ $# -gt 0 ]; do
	case $1 in
	--ours) OURS=$2; shift 2 ;;
	--raw) RAW=$2; shift 2 ;;
	-h|--help) sed -n '2,15p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

START_RUNS=${START_RUNS:-300}
SIG_N=${SIG_N:-2000}
FLOOD=${FLOOD:-50000}
REAP_N=${REAP_N:-5000}
REAP_RUNS=${REAP_RUNS:-7}
SIG_ROUNDS=${SIG_ROUNDS:-8}
IDLE_SECS=${IDLE_SECS:-10}
PIDS_RUNS=${PIDS_RUNS:-50}
ARCHES=(amd64 arm64 ppc64le s390x)

log() { printf '[bench] %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { echo "bench.sh: must run as root (PID namespaces)" >&2; exit 2; }
for t in gcc python3 unshare timeout file; do
	command -v "$t" >/dev/null || { echo "bench.sh: $t not found" >&2; exit 2; }
done

TMP=$(mktemp -d /tmp/dumb-init-bench.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

RES=$TMP/results
: >"$RES"
put() { printf '%s=%s\n' "$1" "$2" >>"$RES"; }
put load0 "$(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v n="$(nproc)" '{ exit !($1 > n / 2) }' /proc/loadavg; then
	log "warning: load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) CPUs; timings will be noisy"
fi

# ---------------------------------------------------------------- binaries
log "compiling the C helper"
gcc -O2 -static -o "$TMP/helper" "$HERE/helper.c" 2>"$TMP/gcc.log" ||
	gcc -O2 -o "$TMP/helper" "$HERE/helper.c"
HELPER=$TMP/helper

HOSTARCH=$(go env GOARCH 2>/dev/null || echo amd64)
ours_ok=0
if [ -z "$OURS" ]; then
	log "building ours ($HOSTARCH) with scripts/build.sh"
	if "$ROOT/scripts/build.sh" "$TMP/ours-$HOSTARCH" >"$TMP/build.log" 2>&1; then
		OURS=$TMP/ours-$HOSTARCH
	else
		log "build failed, 'ours' will be n/a:"; sed 's/^/    /' "$TMP/build.log" >&2
	fi
fi
[ -n "$OURS" ] && [ -x "$OURS" ] && OURS=$(readlink -f "$OURS") && ours_ok=1

NAMES=(ours dumb-init tini-static catatonit)
declare -A PREFIX=(
	[ours]="$OURS"
	[dumb-init]="/usr/bin/dumb-init"
	[tini-static]="/usr/bin/tini-static --"
	[catatonit]="/usr/bin/catatonit --"
)
INITS=()
for n in "${NAMES[@]}"; do
	if [ "$n" = ours ]; then
		[ "$ours_ok" = 1 ] && INITS+=(ours)
		continue
	fi
	bin=${PREFIX[$n]%% *}
	if [ -x "$bin" ]; then INITS+=("$n"); else log "$bin missing, skipping $n"; fi
done
put inits "${INITS[*]}"

# ---------------------------------------------------------------- sizes
filekind() { # static/dynamic, stripped/not
	local f=$1 k
	k=$(file -L "$f" 2>/dev/null || true)
	case $k in *"statically linked"*|*"static-pie linked"*) printf static ;; *) printf dynamic ;; esac
	case $k in *"not stripped"*) printf ', not stripped' ;; *stripped*) printf ', stripped' ;; esac
}
for n in "${INITS[@]}"; do
	bin=${PREFIX[$n]%% *}
	put "size.$n" "$(stat -L -c %s "$bin")"
	put "kind.$n" "$(filekind "$bin")"
done
qemu_for() { case $1 in arm64) echo qemu-aarch64-static ;; *) echo "qemu-$1-static" ;; esac; }
if command -v go >/dev/null; then
	for a in "${ARCHES[@]}"; do
		out=$TMP/ours-$a
		if [ "$a" = "$HOSTARCH" ] && [ "$ours_ok" = 1 ]; then
			out=$OURS
		else
			log "building ours for $a"
			# scripts/build.sh has the release flags; GOARCH passes through to go build.
			if ! GOARCH=$a "$ROOT/scripts/build.sh" "$out" >"$TMP/build-$a.log" 2>&1; then
				put "arch.$a" "build failed"
				continue
			fi
		fi
		sz=$(stat -c %s "$out")
		if [ "$a" = "$HOSTARCH" ]; then
			runner=()
		else
			runner=("$(qemu_for "$a")")
			command -v "${runner[0]}" >/dev/null || { put "arch.$a" "$sz|no ${runner[0]}|$(filekind "$out")"; continue; }
		fi
		# Does the binary start on that architecture? --version prints to stderr, exits 0.
		if v=$(timeout 60 "${runner[@]}" "$out" --version 2>&1 </dev/null); then
			put "arch.$a" "$sz|runs (${runner[0]:-native}): $(printf '%s' "$v" | head -n1)|$(filekind "$out")"
		else
			put "arch.$a" "$sz|FAILED under ${runner[0]:-native}|$(filekind "$out")"
		fi
	done
fi

# ---------------------------------------------------------------- helpers
# child_of PID: print the pid of a child of PID (first found), waiting up to 10 s.
child_of() {
	local parent=$1 f st rest deadline=$((SECONDS + 10)) fields
	while [ $SECONDS -le $deadline ]; do
		for f in /proc/[0-9]*/stat; do
			read -r st 2>/dev/null <"$f" || continue
			rest=${st##*) }
			read -r -a fields <<<"$rest"
			if [ "${fields[1]}" = "$parent" ]; then
				f=${f#/proc/}; echo "${f%/stat}"; return 0
			fi
		done
		kill -0 "$parent" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}
ctxt_sum() { # voluntary + nonvoluntary context switches over all threads
	local pid=$1 s=0 f k v
	for f in /proc/"$pid"/task/*/status; do
		while read -r k v; do
			case $k in voluntary_ctxt_switches:|nonvoluntary_ctxt_switches:) s=$((s + v)) ;; esac
		done <"$f" 2>/dev/null || true
	done
	echo "$s"
}
status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
stop_ns() { # stop_ns UNSHAREPID [INITPID]: graceful TERM to the init, then make sure
	local up=$1 ip=${2:-} i
	[ -n "$ip" ] && kill -TERM "$ip" 2>/dev/null || true
	for i in $(seq 50); do kill -0 "$up" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$up" 2>/dev/null || true
	[ -n "$ip" ] && kill -KILL "$ip" 2>/dev/null || true
	wait "$up" 2>/dev/null || true
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
NS=(unshare --pid --fork --kill-child --mount-proc)

# ---------------------------------------------------------------- idle
log "idle as PID 1: RSS, threads, wakeups over ${IDLE_SECS}s (all inits at once)"
declare -A UP IP
for n in "${INITS[@]}"; do
	# shellcheck disable=SC2086
	"${NS[@]}" ${PREFIX[$n]} sleep 1000 </dev/null &
	UP[$n]=$!; PIDS+=("$!")
done
for n in "${INITS[@]}"; do
	IP[$n]=$(child_of "${UP[$n]}") || { log "no init under unshare for $n"; exit 1; }
	PIDS+=("${IP[$n]}")
done
# Settled: the init's child has exec'd sleep (deadline 10 s), then 1 s grace.
for n in "${INITS[@]}"; do
	c=$(child_of "${IP[$n]}") || { log "$n: child never appeared"; exit 1; }
	deadline=$((SECONDS + 10))
	until [ "$(cat "/proc/$c/comm" 2>/dev/null)" = sleep ]; do
		[ $SECONDS -le $deadline ] || { log "$n: child never exec'd sleep"; exit 1; }
		sleep 0.01
	done
done
sleep 1
declare -A C0
for n in "${INITS[@]}"; do C0[$n]=$(ctxt_sum "${IP[$n]}"); done
sleep "$IDLE_SECS"
for n in "${INITS[@]}"; do
	c1=$(ctxt_sum "${IP[$n]}")
	put "wake.$n" $((c1 - C0[$n]))
	put "rss.$n" "$(status_field "${IP[$n]}" VmRSS)"
	put "threads.$n" "$(status_field "${IP[$n]}" Threads)"
done
for n in "${INITS[@]}"; do stop_ns "${UP[$n]}" "${IP[$n]}"; done

# ---------------------------------------------------------------- start-up
# Our own loop instead of hyperfine: it interleaves the inits run by run, so a
# burst of load on the machine cannot land on one init only.
log "start-up: init /bin/true, $START_RUNS runs each, interleaved, direct and as PID 1"
cmds=(); pcmds=()
for n in "${INITS[@]}"; do
	# shellcheck disable=SC2206
	cmds+=(:: ${PREFIX[$n]} /bin/true)
	# shellcheck disable=SC2206
	pcmds+=(:: "$(command -v unshare)" --pid --fork --kill-child --mount-proc ${PREFIX[$n]} /bin/true)
done
"$HELPER" startup "$START_RUNS" 20 "${cmds[@]}" >"$TMP/start" || { log "start-up runs failed"; exit 1; }
"$HELPER" startup "$START_RUNS" 10 "${pcmds[@]}" >"$TMP/start1" || { log "start-up runs (PID 1) failed"; exit 1; }
i=0
for n in "${INITS[@]}"; do
	i=$((i + 1))
	put "start.$n" "$(sed -n "${i}p" "$TMP/start")"
	put "start1.$n" "$(sed -n "${i}p" "$TMP/start1")"
done

# ---------------------------------------------------------------- pids
# The smallest pids.max (cgroup) under which every one of PIDS_RUNS runs of
# `init /bin/true` succeeds: each thread of an init counts, and the child.
pids_root=
if [ -w /sys/fs/cgroup/pids/cgroup.procs ]; then
	pids_root=/sys/fs/cgroup/pids
elif grep -qw pids /sys/fs/cgroup/cgroup.controllers 2>/dev/null &&
	{ grep -qw pids /sys/fs/cgroup/cgroup.subtree_control || echo +pids >/sys/fs/cgroup/cgroup.subtree_control; } 2>/dev/null; then
	pids_root=/sys/fs/cgroup
fi
min_pids() {
	local n i ok cg
	for n in $(seq 1 12); do
		cg=$pids_root/dumb-init-bench-$$-$n
		mkdir "$cg" && echo "$n" >"$cg/pids.max" || { echo nan; return; }
		ok=1
		for i in $(seq "$PIDS_RUNS"); do
			# shellcheck disable=SC2016
			sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@" /bin/true </dev/null >/dev/null 2>&1 || { ok=0; break; }
		done
		rmdir "$cg"
		[ $ok = 1 ] && { echo "$n"; return; }
	done
	echo nan
}
if [ -n "$pids_root" ]; then
	log "pids: smallest pids.max for init /bin/true, $PIDS_RUNS runs each"
	for n in "${INITS[@]}"; do
		# shellcheck disable=SC2086
		put "pids.$n" "$(min_pids ${PREFIX[$n]})"
	done
else
	log "no writable cgroup pids controller: pids not measured"
fi

# ---------------------------------------------------------------- signals
# Rounds interleave the inits so that a noisy phase of the machine hits all alike.
log "signal latency: $SIG_N x SIGUSR1 one at a time per init (in $SIG_ROUNDS rounds), each round then $FLOOD back to back under CPU load"
per=$(( (SIG_N + SIG_ROUNDS - 1) / SIG_ROUNDS ))
for n in "${INITS[@]}"; do : >"$TMP/lat-$n"; : >"$TMP/sig-$n"; done
for r in $(seq "$SIG_ROUNDS"); do
	for n in "${INITS[@]}"; do
		shm=$TMP/shm-$n
		head -c 4096 /dev/zero >"$shm"
		# shellcheck disable=SC2086
		"${NS[@]}" ${PREFIX[$n]} "$HELPER" child-sig "$shm" </dev/null &
		up=$!; PIDS+=("$up")
		ip=$(child_of "$up") || { log "no init for $n"; exit 1; }
		PIDS+=("$ip")
		if out=$(timeout 120 "$HELPER" drive-sig "$ip" "$shm" "$per" "$FLOOD" 5 "$TMP/lat1"); then
			cat "$TMP/lat1" >>"$TMP/lat-$n"
			echo "$out" >>"$TMP/sig-$n"
		else
			log "$n: signal driver failed (round $r)"
		fi
		stop_ns "$up" "$ip"
	done
done
for n in "${INITS[@]}"; do
	python3 - "$TMP/lat-$n" "$n" >>"$RES" <<'EOF2'
import sys
v = sorted(int(x) for x in open(sys.argv[1]) if x.strip())
n = sys.argv[2]
if v:
    print(f"sigmed.{n}={v[len(v) // 2] / 1e3:.1f}")
    print(f"sigp99.{n}={v[min(len(v) - 1, int(len(v) * 0.99))] / 1e3:.1f}")
    print(f"sigcount.{n}={len(v)}")
EOF2
	put "siglost.$n" "$(awk '{ s += $1 } END { print s + 0 }' "$TMP/sig-$n")"
	put "urgsig.$n" "$(awk '{ s += $2 } END { print s + 0 }' "$TMP/sig-$n")"
done

# ---------------------------------------------------------------- reaping
# (5000 processes made runnable at once push the load average into the hundreds,
# so the second load reading is taken here, before that.)
put load1 "$(cut -d' ' -f1-3 /proc/loadavg)"
log "reaping: $REAP_N orphaned zombies handed to PID 1 at once / $REAP_N orphans exiting at once, $REAP_RUNS rounds over all inits"
for n in "${INITS[@]}"; do : >"$TMP/reap-$n"; : >"$TMP/herd-$n"; done
for i in $(seq "$REAP_RUNS"); do
	for n in "${INITS[@]}"; do
		for mode in reapz:reap reap:herd; do
			# shellcheck disable=SC2086
			if out=$(timeout 120 "${NS[@]}" ${PREFIX[$n]} "$HELPER" "child-${mode%%:*}" "$REAP_N" </dev/null); then
				echo "$out" >>"$TMP/${mode#*:}-$n"
			else
				log "$n: child-${mode%%:*} run $i failed"
			fi
		done
	done
done
for n in "${INITS[@]}"; do
	for k in reap herd; do
		put "${k}wall.$n" "$(awk '$1 >= 0 { print $1 }' "$TMP/$k-$n" | median)"
		put "${k}cpu.$n" "$(awk '$1 >= 0 { print $2 }' "$TMP/$k-$n" | median)"
	done
	put "urgreap.$n" "$(cat "$TMP/reap-$n" "$TMP/herd-$n" | awk '{ s += $3 } END { print s + 0 }')"
done

# ---------------------------------------------------------------- table
put date "$(date -u '+%Y-%m-%d %H:%M UTC')"
put nproc "$(nproc)"
put kernel "$(uname -r)"
put cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
put goversion "$(go version 2>/dev/null | awk '{ print $3 }')"
put params "START_RUNS=$START_RUNS SIG_N=$SIG_N FLOOD=$FLOOD SIG_ROUNDS=$SIG_ROUNDS REAP_N=$REAP_N REAP_RUNS=$REAP_RUNS IDLE_SECS=$IDLE_SECS PIDS_RUNS=$PIDS_RUNS"
[ -n "$RAW" ] && cp "$RES" "$RAW"
python3 "$HERE/table.py" "$RES"
