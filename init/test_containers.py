"""docker stop against every scenario in init/scenarios, in a real Docker engine and as PID 1 of a fresh
PID namespace, with the C oracle (Debian's dumb-init) and with our binary.

Each run: start, wait until the scenario's processes are ready (log lines / a process), check the
process table for zombies, stop (docker stop -t T, or SIGTERM then SIGKILL after T for the namespace),
then check how long the stop took, the exit code and the events the programs logged. The expected
outcomes below were recorded with the C oracle; our binary must produce the same.

The extension rows (DUMB_INIT_GRACE, _DELAY, _EXIT_REMAP; the C oracle ignores them) are the
exception: there the two inits must differ, so each row says what the oracle does and, in `ours`,
what our binary does instead, and each init is checked against its own expectation.
"""

import collections
import dataclasses
import math
import os
from dataclasses import dataclass, field

import pytest

import harness

# A graceful stop must be far from the kill timeout; a killed one takes the whole timeout.
GRACEFUL_BOUND = 5.0
# Rows that end in SIGKILL use docker stop -t 3 instead of Docker's default 10 s to keep the suite
# fast; exec-form keeps the default so one row shows the documents' 10 s for real.
KILL_TIMEOUT = 3

SERVERS = ("fast", "medium", "slow")


def lines(*names, what):
    return [f"{n} {what}" for n in names]


@dataclass
class Scenario:
    name: str
    exit_code: int
    killed: bool = False              # True: stopped only by SIGKILL after stop_timeout
    stop_timeout: int = 10
    with_init: bool = True            # False: the image has no init, so it runs once, not per init
    ready: list = field(default_factory=list)   # log lines that must exist before stopping
    ready_process: str = None         # a process that must exist before stopping
    events: list = field(default_factory=list)  # exactly these log lines after the stop ...
    maybe: list = field(default_factory=list)   # ... apart from these, which race with PID 1's exit
    zombie: bool = False              # True: a zombie is expected (the problem an init solves)
    output: list = field(default_factory=list)  # lines the container's output must contain
    tty: bool = False                 # docker run -t (for the namespace: a pty and setsid -c)
    # Before the stop: (signal for docker kill -s, log line to wait for, (process, state) to wait for)
    actions: list = field(default_factory=list)
    stop_bound: float = GRACEFUL_BOUND  # a stop that is not killed takes less than this
    not_output: list = field(default_factory=list)  # lines the container's output must not contain
    # (stamp, at least, at most): seconds from issuing the stop to the stamp "NAME got SIG" in
    # /log/stamps (see shared/server)
    stamp_after: tuple = None
    # The command ends by itself (a crash): the run waits for the exit instead of stopping it, and
    # the container's output must be exactly `output`.
    ends: bool = False
    # Extension rows: the fields above that differ for our binary. Set, ours is checked against the
    # row with these replaced, and the oracle against the row as it is, instead of ours == oracle.
    ours: dict = None

    def __str__(self):
        return self.name

    def expect(self, init):
        """What init must do in this row."""
        if init == "ours" and self.ours:
            return dataclasses.replace(self, **self.ours)
        return self


TABLE_READY = lines(*SERVERS, what="started") + ["entrypoint waiting"]
TABLE_ALL_STOPPED = (TABLE_READY + ["entrypoint got TERM"] + lines(*SERVERS, what="got TERM")
                     + lines(*SERVERS, what="done") + ["entrypoint done"])
TABLE_ONLY_SHELL = TABLE_READY + ["entrypoint got TERM"]
ZOMBIE_EVENTS = ["orphan started", "orphan exiting"]
# shared/start-services.sh: web (the main server, CMD) with sidecars metrics and cache.
SERVICES = ("web", "metrics", "cache")
SERVICES_READY = lines(*SERVICES, what="started")
WEB_STOPPED = ["web started", "web got TERM", "web done"]
SERVICES_MAIN_ONLY = SERVICES_READY + ["web got TERM", "web done"]
SERVICES_ALL_STOPPED = (SERVICES_READY + lines(*SERVICES, what="got TERM")
                        + lines(*SERVICES, what="done"))
APP_STOPPED = ["app started", "app got TERM", "app done"]
# DUMB_INIT_DELAY's hold in the delay and kubernetes rows, and how soon after the stop was issued
# (plus the hold, for ours) a SIGTERM passed on at once reaches the program.
DELAY = 2.0
PROMPT = 1.0
DELAY_STOP_TIMEOUT = 6

SCENARIOS = [
    # Shell form vs exec form, without and with an init. Without one, PID 1 (sh or tail) has no
    # SIGTERM handler, so the kernel drops the signal and docker stop has to SIGKILL.
    Scenario("shell-form", 137, killed=True, stop_timeout=KILL_TIMEOUT, with_init=False,
             ready_process="tail"),
    Scenario("exec-form", 137, killed=True, stop_timeout=10, with_init=False, ready_process="tail"),
    Scenario("shell-form-dumb-init", 143, ready_process="tail"),
    Scenario("exec-form-dumb-init", 143, ready_process="tail"),
    # docker-entrypoint.sh: without exec the shell dies of SIGTERM at once, dumb-init exits with its
    # status (128+15) and the kernel kills the program mid-shutdown; with exec the program shuts
    # down cleanly and its status (0) is the container's.
    Scenario("entrypoint-no-exec", 143, ready=["entrypoint setup", "app started"],
             events=["entrypoint setup", "app started"], maybe=["app got TERM"]),
    Scenario("entrypoint-exec", 0, ready=["entrypoint setup", "app started"],
             events=["entrypoint setup", "app started", "app got TERM", "app done"]),
    Scenario("shebang", 0, ready=TABLE_READY, events=TABLE_ALL_STOPPED),
    # The documents' table.
    Scenario("table-1-no-init", 137, killed=True, stop_timeout=KILL_TIMEOUT, with_init=False,
             ready=TABLE_READY, events=TABLE_ONLY_SHELL),
    Scenario("table-2-setsid", 0, ready=TABLE_READY, events=TABLE_ALL_STOPPED),
    Scenario("table-3-setsid-0", 137, killed=True, stop_timeout=KILL_TIMEOUT, ready=TABLE_READY,
             events=TABLE_ONLY_SHELL),
    Scenario("table-4-shebang-setsid-0", 137, killed=True, stop_timeout=KILL_TIMEOUT,
             ready=TABLE_READY, events=TABLE_ONLY_SHELL),
    Scenario("table-5-shebang-setsid", 0, ready=TABLE_READY, events=TABLE_ALL_STOPPED),
    Scenario("graceful", 0, ready=lines("web", "worker", what="started") + ["graceful.sh waiting"],
             events=lines("web", "worker", what="started") + ["graceful.sh waiting", "graceful.sh got TERM"]
             + lines("web", "worker", what="got TERM") + lines("web", "worker", what="done")
             + ["graceful.sh done"]),
    Scenario("rewrite", 0, ready=["app started"], events=["app started", "app got QUIT", "app done"]),
    Scenario("tty", 0, tty=True, ready=["app started"], actions=[("HUP", "app got HUP", None)],
             output=["[dumb-init] Ignoring tty hand-off signal 1.",
                     "[dumb-init] Ignoring tty hand-off signal 18."],
             events=["app started", "app got HUP", "app got TERM", "app done"]),
    Scenario("job-control", 0, ready=["app started"],
             actions=[("TSTP", None, ("server", "stopped")), ("CONT", "app got CONT", None)],
             events=["app started", "app got CONT", "app got TERM", "app done"]),
    Scenario("zombie-no-init", 137, killed=True, stop_timeout=KILL_TIMEOUT, with_init=False,
             ready=ZOMBIE_EVENTS, ready_process="tail", events=ZOMBIE_EVENTS, zombie=True),
    Scenario("zombie-dumb-init", 143, ready=ZOMBIE_EVENTS, ready_process="tail",
             events=ZOMBIE_EVENTS),
    # A main server with sidecars (one in its own session), without extensions: dumb-init exits with
    # the main server and the kernel kills the sidecars mid-shutdown.
    Scenario("multi-service", 0, ready=SERVICES_READY, events=SERVICES_MAIN_ONLY,
             maybe=["metrics got TERM"]),

    # Extension rows: what the oracle (which ignores the variables) does, and in `ours` what we do.
    # DUMB_INIT_GRACE=5: every service shuts down cleanly before ours exits.
    Scenario("multi-service-grace", 0, ready=SERVICES_READY, events=SERVICES_MAIN_ONLY,
             maybe=["metrics got TERM"],
             ours=dict(events=SERVICES_ALL_STOPPED, maybe=[],
                       output=["[dumb-init] Waiting up to 5 s for the processes left to exit.",
                               "[dumb-init] No child left."],
                       not_output=["[dumb-init] Grace period of 5 s over: killing the processes left."])),
    # DUMB_INIT_GRACE=1.5 and a sidecar that ignores SIGTERM: ours SIGKILLs it when the 1.5 s are over.
    Scenario("grace-expires", 0, ready=["stubborn started", "web started"],
             events=["stubborn started"] + WEB_STOPPED,
             ours=dict(events=["stubborn started", "stubborn got TERM"] + WEB_STOPPED,
                       output=["[dumb-init] Waiting up to 1.5 s for the processes left to exit.",
                               "[dumb-init] Grace period of 1.5 s over: killing the processes left."])),
    # DUMB_INIT_DELAY=15:2: the program sees docker stop's SIGTERM 2 s late with ours, at once with
    # the oracle; docker stop -t 6 leaves room for the delay and the 1 s shutdown.
    Scenario("delay", 0, stop_timeout=DELAY_STOP_TIMEOUT, ready=["app started"], events=APP_STOPPED,
             stamp_after=("app got TERM", 0, PROMPT),
             ours=dict(stamp_after=("app got TERM", DELAY, DELAY + PROMPT),
                       output=["[dumb-init] Delaying signal 15 for 2 s.",
                               "[dumb-init] Delay of signal 15 over."])),
    # DUMB_INIT_EXIT_REMAP=143:0: a program that dies of the SIGTERM after shutting down cleanly.
    Scenario("exit-remap", 143, ready=["app started"], events=APP_STOPPED,
             ours=dict(exit_code=0, output=["[dumb-init] Remapping exit status 143 to 0."])),
    # The Kubernetes set (DELAY 15:2, GRACE 5, EXIT_REMAP 143:0) on the multi-service container whose
    # main server dies of the SIGTERM: the stop takes delay + the sidecars' shutdown.
    Scenario("kubernetes", 143, ready=SERVICES_READY, events=SERVICES_MAIN_ONLY,
             maybe=["metrics got TERM"], stamp_after=("web got TERM", 0, PROMPT),
             ours=dict(exit_code=0, events=SERVICES_ALL_STOPPED, maybe=[],
                       stop_bound=DELAY + GRACEFUL_BOUND,
                       stamp_after=("web got TERM", DELAY, DELAY + PROMPT),
                       output=["[dumb-init] Delaying signal 15 for 2 s.",
                               "[dumb-init] Delay of signal 15 over.",
                               "[dumb-init] Waiting up to 5 s for the processes left to exit.",
                               "[dumb-init] Remapping exit status 143 to 0."])),
    # DUMB_INIT_REPORT=1 and _EXIT_SIGNAL=1, and a command that segfaults by itself: ours says how it
    # died; as PID 1 the status stays 139. The oracle prints nothing.
    Scenario("segfault", 139, ends=True, ready=["crasher started"], events=["crasher started"],
             ours=dict(output=["[dumb-init] Child terminated by signal 11 (SIGSEGV)."])),
]


def _cases():
    for runtime in ("unshare", "docker"):
        for sc in SCENARIOS:
            for init in (("oracle", "ours") if sc.with_init else ("none",)):
                yield pytest.param(runtime, sc, init, id=f"{runtime}-{sc.name}-{init}")


def _settle_zombies(run, sc):
    """Once the orphan said it is exiting, wait until it is either reaped or a zombie."""
    def settled():
        table = harness.processes_under(run.init_pid())
        if sc.zombie:
            return run.zombies()
        return not any(name == "sh" for name, _ in table)
    harness.wait_until("the orphan to be reaped" if not sc.zombie else "a zombie", settled, 5)


def run_scenario(run, sc):
    run.start()
    if sc.ends:
        try:
            outcome = run.wait_exit(sc.stop_timeout)
            outcome.zombies = []  # nothing is left to look at
            run.wait_for(lines=sc.ready)
            outcome.events, outcome.stamps, outcome.output = run.events(), run.stamps(), run.output()
        finally:
            run.close()
        return outcome
    try:
        run.wait_for(lines=sc.ready, process=sc.ready_process)
        if "orphan exiting" in sc.ready:
            _settle_zombies(run, sc)
        for sig, line, state in sc.actions:
            run.send(sig)
            if line:
                run.wait_for(lines=[line])
            if state:
                run.wait_for_state(*state)
        zombies = run.zombies()
        outcome = run.stop(sc.stop_timeout)
        outcome.zombies = zombies
        outcome.events = run.events()
        outcome.stamps = run.stamps()
        outcome.output = run.output()
    finally:
        run.close()
    return outcome


def stamp_delay(o, stamp):
    """Seconds from issuing the stop to the stamp, both read in 1/100 s as /proc/uptime shows them
    (truncated), so that `>= d` holds exactly when the true delay is at least d (d in 1/100 s)."""
    when = o.stamps.get(stamp)
    if when is None:
        return None
    return (round(when * 100) - math.floor(o.issued * 100)) / 100


def summary(sc, o):
    """What must be equal between the oracle and ours (timing only as a class)."""
    return {
        "exit_code": o.exit_code,
        "stop": "killed" if o.elapsed >= sc.stop_timeout - 0.5 else
                "graceful" if o.elapsed < GRACEFUL_BOUND else f"slow ({o.elapsed:.1f} s)",
        "events": sorted(e for e in o.events if e not in sc.maybe),
        "zombies": bool(o.zombies),
        "output": [l for l in sc.output if l in output_lines(o)],
    }


def output_lines(o):
    return [l.rstrip("\r") for l in o.output.splitlines()]


OUTCOMES = {}


@pytest.mark.parametrize("runtime,sc,init", list(_cases()))
def test_docker_stop(runtime, sc, init, request, init_binaries, tmp_path):
    workdir = str(tmp_path)
    if runtime == "docker":
        image = request.getfixturevalue("docker_images")(sc.name, init)
        run = harness.DockerRun(request.getfixturevalue("docker_engine"), image, workdir, tty=sc.tty)
    else:
        context = harness.make_context(os.path.join(workdir, "context"), sc.name, init_binaries(init))
        run = harness.NamespaceRun(context, workdir, tty=sc.tty)

    o = run_scenario(run, sc)
    exp = sc.expect(init)
    got = summary(exp, o)
    OUTCOMES[(runtime, sc.name, init)] = got
    delay = stamp_delay(o, exp.stamp_after[0]) if exp.stamp_after else None
    print(f"{runtime} {sc.name} {init}: stop took {o.elapsed:.2f} s, exit {o.exit_code}, "
          f"zombies {o.zombies}, events {o.events}"
          + (f", {exp.stamp_after[0]} {delay} s after the stop was issued" if exp.stamp_after else ""))
    context = f"\nevents: {o.events}\nstamps: {o.stamps}\noutput:\n{o.output}"

    if init == "ours" and not sc.ours and (runtime, sc.name, "oracle") in OUTCOMES:
        oracle = OUTCOMES[(runtime, sc.name, "oracle")]
        assert got == oracle, f"ours differs from the C oracle:\nours:   {got}\noracle: {oracle}{context}"

    assert o.exit_code == exp.exit_code, context
    if exp.killed:
        assert o.elapsed >= exp.stop_timeout - 0.5, f"expected a SIGKILL after {exp.stop_timeout} s{context}"
    else:
        assert o.elapsed < exp.stop_bound, f"stop took {o.elapsed:.1f} s: not graceful{context}"
    if exp.zombie:
        assert o.zombies, f"expected the orphan to stay a zombie{context}"
    else:
        assert not o.zombies, f"zombies: {o.zombies}{context}"
    assert collections.Counter(got["events"]) == collections.Counter(exp.events), context
    assert set(o.events) <= set(exp.events) | set(exp.maybe), context
    if exp.stamp_after:
        stamp, least, most = exp.stamp_after
        assert delay is not None, f"no stamp {stamp!r}{context}"
        assert least <= delay <= most, \
            f"{stamp} {delay} s after the stop was issued, expected {least} to {most} s{context}"
    if exp.ends:
        assert output_lines(o) == exp.output, f"the output must be exactly {exp.output}{context}"
    for line in exp.output:
        assert line in output_lines(o), f"missing output line {line!r}{context}"
    for line in exp.not_output:
        assert line not in output_lines(o), f"unexpected output line {line!r}{context}"


def test_our_binary_builds(our_binary):
    """Our side must never be silently absent: a broken build fails here as well as in each run."""
    assert harness.is_static(our_binary)
