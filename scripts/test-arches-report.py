#!/usr/bin/python3
"""Summarise one architecture's black-box run for scripts/test-arches.sh.

Reads `go tool test2json -t` events on stdin; arguments: the architecture,
the seconds it took and the test binary's exit status. Prints the counts,
every reason a test was skipped or cut short under qemu-user, and the whole
output of each failing test (its own lines only, whatever ran in parallel
with it). Exits 1 if anything failed.
"""

import json
import sys

arch, seconds, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
outcome = {}  # test name -> pass / skip / fail
output = {}  # test name -> its lines
for line in sys.stdin:
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    name = ev.get("Test")
    if name is None:
        continue
    if ev["Action"] in ("pass", "skip", "fail"):
        outcome[name] = ev["Action"]
    elif ev["Action"] == "output":
        output.setdefault(name, []).append(ev["Output"])


def count(top):
    c = {"pass": 0, "skip": 0, "fail": 0}
    for name, o in outcome.items():
        if ("/" not in name) == top:
            c[o] += 1
    return c


tests, subtests = count(True), count(False)
reasons = {}
for name, lines in output.items():
    for l in lines:
        for mark in ("skipped under qemu-user", "not sent under qemu-user", "natively only"):
            if mark in l:
                why = l.split(": ", 1)[1].strip() if ": " in l else l.strip()
                reasons.setdefault(why, set()).add(name.split("/")[0])
ran = [n for n in output if n not in outcome]  # started, never ended: a crash or the timeout
failed = sorted(n for n, o in outcome.items() if o == "fail")
leaves = [n for n in failed if not any(m.startswith(n + "/") for m in failed)]
ok = status == 0 and not failed and not ran

print("test-arches: %s: black-box suite %s in %s s: tests %d passed, %d skipped, %d failed; "
      "subtests %d passed, %d skipped, %d failed" % (
          arch, "ok" if ok else "FAILED", seconds, tests["pass"], tests["skip"], tests["fail"],
          subtests["pass"], subtests["skip"], subtests["fail"]))
for why, names in sorted(reasons.items()):
    print("  %s: %s" % (", ".join(sorted(names)), why))
for n in leaves + ran:
    print("--- %s: %s %s" % (arch, "FAILED" if n in failed else "did not finish", n))
    for l in output.get(n, []):
        if not l.startswith(("=== RUN", "=== PAUSE", "=== CONT", "=== NAME")):
            sys.stdout.write("    " + l)
if not ok and status != 0 and not failed and not ran:
    print("--- %s: the test binary exited %d" % (arch, status))
sys.exit(0 if ok else 1)
