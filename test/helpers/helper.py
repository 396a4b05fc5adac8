#!/usr/bin/python3
"""Child programs for the integration and differential tests.

Run as `helper.py MODE [options]`. Every mode that waits for something also
gives up on its own (--timeout) and exits when its parent changes, so a test
that crashes can never leave one of these running for long.

Output protocol: one line per event, written with a single os.write so lines
from several processes sharing the pipe never interleave mid-line.
"""

import os
import signal
import sys
import time


def out(line):
    os.write(1, (line + "\n").encode())


def arg(name, default=None):
    """Value of `--name VALUE` in sys.argv, or default."""
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return default


def flag(name):
    return name in sys.argv


# Signals a recorder cannot or must not catch: KILL and STOP cannot be
# caught; CHLD would report our own children stopping, which is noise; 32
# and 33 are reserved by glibc.
UNCATCHABLE = {signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD, 32, 33}


def install_recorder(prefix, stamp=False):
    """Print each signal received as PREFIX+N, or with stamp as
    PREFIX+N@T, T being CLOCK_MONOTONIC in seconds when it arrived."""
    def handler(signum, _frame):
        if stamp:
            out("%s%d@%.6f" % (prefix, signum, time.monotonic()))
        else:
            out("%s%d" % (prefix, signum))

    for sig in range(1, signal.NSIG):
        if sig in UNCATCHABLE:
            continue
        try:
            signal.signal(sig, handler)
        except (OSError, ValueError):
            pass


def idle(deadline, parent, exit_file=None, exit_code=0, linger=0.0):
    """Sleep until the deadline, the exit file appears, or the parent dies
    (then linger a little, to record what the init sends at exit).

    Sleeping in short slices lets Python run signal handlers promptly.
    The caller passes the parent's pid as known before anything could have
    killed it; reading it here would race with the parent's death.
    """
    while time.monotonic() < deadline:
        if exit_file and os.path.exists(exit_file):
            os._exit(exit_code)
        if os.getppid() != parent:
            time.sleep(linger)
            os._exit(exit_code)
        time.sleep(0.02)
    out("timeout")
    os._exit(99)


def mode_signals():
    """Print every signal received; --grandchild adds a second recorder in
    the same process group whose lines are prefixed with "g"."""
    deadline = time.monotonic() + float(arg("--timeout", "60"))
    exit_file = arg("--exit-file")
    exit_code = int(arg("--exit-code", "0"))
    parent = os.getppid()
    install_recorder("", flag("--stamp"))
    if flag("--grandchild"):
        me = os.getpid()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            install_recorder("g")
            os.write(w, b"x")
            os.close(w)
            idle(deadline, me, linger=0.3)
        os.close(w)
        os.read(r, 1)
        os.close(r)
        out("gpid %d" % pid)
    out("ready")
    idle(deadline, parent, exit_file, exit_code)


def run_service(spec, ready_fd, deadline):
    """One service of mode_services; spec is NAME[:OPTION...]:
    setsid        leave the session (signals to the child's group miss it)
    shutdown=S    take S seconds to shut down after SIGTERM
    ignore-term   ignore SIGTERM (only SIGKILL ends it)
    It prints "NAME up PID", "NAME got N" for each signal, and "NAME clean"
    when it has shut down after SIGTERM."""
    name, *options = spec.split(":")
    shutdown = 0.0
    for o in options:
        if o == "setsid":
            os.setsid()
        elif o.startswith("shutdown="):
            shutdown = float(o[len("shutdown="):])
    stopping = []

    def handler(signum, _frame):
        out("%s got %d" % (name, signum))
        if signum == signal.SIGTERM and not stopping:
            stopping.append(time.monotonic() + shutdown)

    for sig in range(1, signal.NSIG):
        if sig not in UNCATCHABLE:
            try:
                signal.signal(sig, handler)
            except (OSError, ValueError):
                pass
    if "ignore-term" in options:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    out("%s up %d" % (name, os.getpid()))
    os.write(ready_fd, b"x")
    os.close(ready_fd)
    while time.monotonic() < deadline:
        if stopping and time.monotonic() >= stopping[0]:
            out("%s clean" % name)
            os._exit(0)
        time.sleep(0.01)
    out("%s timeout" % name)
    os._exit(99)


def mode_services():
    """Start the services given after "--" (see run_service), wait until
    each is up, print "ready", then exit with --exit-code, or with
    --stay keep running and record signals like mode_signals (--stamp; with
    --term-exit a SIGTERM, recorded, ends it as its default action would)."""
    deadline = time.monotonic() + float(arg("--timeout", "30"))
    specs = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    parent = os.getppid()
    for spec in specs:
        r, w = os.pipe()
        if os.fork() == 0:
            os.close(r)
            run_service(spec, w, deadline)
        os.close(w)
        os.read(r, 1)
        os.close(r)
    if flag("--stay"):
        install_recorder("", flag("--stamp"))
        if flag("--term-exit"):
            # Record SIGTERM, then die of it (exit status 128+15).
            def die(signum, _frame):
                out("%d@%.6f" % (signum, time.monotonic()))
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
            signal.signal(signal.SIGTERM, die)
    out("ready")
    if flag("--stay"):
        idle(deadline, parent, arg("--exit-file"), int(arg("--exit-code", "0")))
    os._exit(int(arg("--exit-code", "0")))


def mode_orphans():
    """Leave orphans behind: each is double-forked, so its parent is gone
    before it exits and it is re-parented to the nearest init (PID 1 of the
    namespace in the tests). Orphan i exits with status 10+i after a short
    delay so it is certainly re-parented first."""
    count = int(arg("--count", "5"))
    deadline = time.monotonic() + float(arg("--timeout", "60"))
    parent = os.getppid()
    for i in range(count):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            me = os.getpid()
            gpid = os.fork()
            if gpid == 0:
                os.close(w)
                while os.getppid() == me and time.monotonic() < deadline:
                    time.sleep(0.005)
                time.sleep(0.2)
                os._exit(10 + i)
            os.write(w, str(gpid).encode())
            os._exit(0)
        os.close(w)
        gpid = int(os.read(r, 32))
        os.close(r)
        os.waitpid(pid, 0)
        out("orphan %d %d" % (gpid, 10 + i))
    out("ready")
    idle(deadline, parent, arg("--exit-file"), int(arg("--exit-code", "0")))


def mode_forkstorm():
    """Keep the init busy reaping: fork short-lived orphans continuously for
    --seconds, and at least --orphans of them however slow the machine is,
    while recording every signal received. "storm-done N" comes once every
    process of the storm has exited: they share the recorder, so one still
    alive in the process group when a test signals the group afterwards
    would record the signal a second time."""
    seconds = float(arg("--seconds", "2"))
    least = int(arg("--orphans", "0"))
    deadline = time.monotonic() + float(arg("--timeout", "60"))
    parent = os.getppid()
    install_recorder("")
    out("ready")
    # Every storm process holds a copy of w until it exits: EOF on r
    # means none is left.
    r, w = os.pipe()
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end or n < least:
        pid = os.fork()
        if pid == 0:
            if os.fork() == 0:
                os._exit(0)
            os._exit(0)
        os.waitpid(pid, 0)
        n += 1
    os.close(w)
    os.read(r, 1)
    os.close(r)
    out("storm-done %d" % n)
    idle(deadline, parent, arg("--exit-file"), int(arg("--exit-code", "0")))


def mode_launch():
    """Block and ignore some signals, then exec the rest of argv (after
    "--"). Used to start an init with a polluted signal state."""
    block = [int(s) for s in arg("--block", "").split(",") if s]
    ignore = [int(s) for s in arg("--ignore", "").split(",") if s]
    for sig in ignore:
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, block)
    argv = sys.argv[sys.argv.index("--") + 1:]
    os.execv(argv[0], argv)


def proc_field(pid, index):
    """Field `index` (1-based as in proc(5)) of /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        data = f.read()
    rest = data[data.rindex(")") + 2:].split()
    return rest[index - 3]


def mode_info():
    """Describe this process's session, group and terminal."""
    pid = os.getpid()
    lines = [
        "sid_is_pid=%d" % (os.getsid(0) == pid),
        "pgid_is_pid=%d" % (os.getpgrp() == pid),
        "has_ctty=%d" % (proc_field(pid, 7) != "0"),
        "parent_ctty=%d" % (proc_field(os.getppid(), 7) != "0"),
    ]
    try:
        lines.append("tty_fg_is_own=%d" % (os.tcgetpgrp(0) == os.getpgrp()))
    except OSError as e:
        lines.append("tty_fg_is_own=err%d" % e.errno)
    for name in ("DUMB_INIT_DEBUG", "DUMB_INIT_SETSID"):
        lines.append("%s=%r" % (name, os.environ.get(name)))
    for line in lines:
        out(line)
    sys.exit(int(arg("--exit-code", "0")))


def mode_ptyrun():
    """Run argv (after "--") on a fresh pty as session leader (or, with
    --not-leader, as a child of the session leader), copy everything written
    to the pty to stdout, and exit with the command's exit status."""
    import pty

    argv = sys.argv[sys.argv.index("--") + 1:]
    not_leader = flag("--not-leader")
    pid, fd = pty.fork()
    if pid == 0:
        if not_leader:
            child = os.fork()
            if child == 0:
                os.execv(argv[0], argv)
            _, status = os.waitpid(child, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        os.execv(argv[0], argv)
    deadline = time.monotonic() + float(arg("--timeout", "30"))
    while time.monotonic() < deadline:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        os.write(1, data)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)


MODES = {
    "signals": mode_signals,
    "orphans": mode_orphans,
    "forkstorm": mode_forkstorm,
    "launch": mode_launch,
    "info": mode_info,
    "ptyrun": mode_ptyrun,
    "services": mode_services,
}

if __name__ == "__main__":
    MODES[sys.argv[1]]()
