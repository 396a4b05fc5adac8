#!/usr/bin/env python3
"""Format the key=value results of scripts/bench.sh as one markdown table.

Rows are metrics, columns are the inits; ratios are to Debian's C dumb-init.
The last column checks our binary against the targets of issue 5.
"""
import sys

res = {}
with open(sys.argv[1]) as f:
    for line in f:
        line = line.rstrip("\n")
        if "=" in line:
            k, v = line.split("=", 1)
            res[k] = v

inits = res.get("inits", "").split()
order = ["ours", "dumb-init", "tini-static", "catatonit"]
heads = {"ours": "ours (Go)", "dumb-init": "dumb-init (C, Debian)",
         "tini-static": "tini-static", "catatonit": "catatonit"}
BASE = "dumb-init"


def num(key):
    v = res.get(key)
    if v is None or v in ("", "nan"):
        return None
    try:
        return float(v)
    except ValueError:
        return None


def ratio(metric, n):
    a, b = num(f"{metric}.{n}"), num(f"{metric}.{BASE}")
    if a is None or b is None or b == 0:
        return ""
    return f" ({a / b:.2f}×)"


def cell(metric, n, fmt, with_ratio=True):
    if n not in inits:
        return "n/a"
    v = num(f"{metric}.{n}")
    if v is None:
        return "n/a"
    return fmt(v) + (ratio(metric, n) if with_ratio and n != BASE else "")


def mb(v):
    if v >= 1e5:
        return f"{v / 1e6:.3f} MB ({v / 1048576:.3f} MiB)"
    return f"{v / 1e3:.1f} kB"


def us(v):
    return f"{v:.1f} µs"


def ms(v):
    return f"{v:.2f} ms"


def ints(v):
    return f"{v:.0f}"


def param(name, default):
    """The value of one of the run's tunables, from its params line."""
    for kv in res.get("params", "").split():
        if kv.startswith(name + "="):
            return kv[len(name) + 1:]
    return default


def check(ok):
    if ok is None:
        return "n/a"
    return "✅ met" if ok else "❌ missed"


def target(metric, limit, rel=False):
    """Does ours meet the target? rel: limit is a ratio to C dumb-init."""
    a = num(f"{metric}.ours")
    if a is None:
        return None
    if rel:
        b = num(f"{metric}.{BASE}")
        if not b:
            return None
        return a / b <= limit
    return a <= limit


def size_cell(n):
    if n not in inits:
        return "n/a"
    v = num(f"size.{n}")
    kind = res.get(f"kind.{n}", "")
    return f"{mb(v)}{ratio('size', n) if n != BASE else ''}<br>{kind}"


def urg(n):
    if n not in inits:
        return "n/a"
    a, b = num(f"urgsig.{n}"), num(f"urgreap.{n}")
    if a is None and b is None:
        return "n/a"
    return f"{(a or 0) + (b or 0):.0f}"


def urg_ok():
    if "ours" not in inits:
        return None
    a, b = num("urgsig.ours"), num("urgreap.ours")
    if a is None or b is None:
        return None
    return a + b == 0


rows = []
rows.append(["binary size, host arch", [size_cell(n) for n in order],
             "≤ 1.3 MB (1 300 000 B), static, stripped: "
             + check(target("size", 1.3e6))])
for a in ("amd64", "arm64", "ppc64le", "s390x"):
    v = res.get(f"arch.{a}")
    if v is None:
        continue
    parts = v.split("|")
    if len(parts) >= 2 and parts[0].isdigit():
        text = f"{mb(float(parts[0]))}<br>{parts[1]}" + (f"<br>{parts[2]}" if len(parts) > 2 else "")
    else:
        text = v
    rows.append([f"ours, size for {a}", [text, "", "", ""], ""])
rows.append(["idle RSS as PID 1 (VmRSS)", [cell("rss", n, lambda v: f"{v:.0f} kB") for n in order],
             "≤ 2.0 MB (2000 kB): " + check(target("rss", 2000))])
rows.append(["threads while idle", [cell("threads", n, ints, False) for n in order], ""])
rows.append([f"smallest pids.max for `init /bin/true` (all of {param('PIDS_RUNS', '50')} runs)",
             [cell("pids", n, ints, False) for n in order], ""])
rows.append([f"wakeups while idle ({param('IDLE_SECS', '10')} s, ctxt switches)",
             [cell("wake", n, ints, False) for n in order], "0: " + check(target("wake", 0))])
rows.append(["`init /bin/true`, median wall", [cell("start", n, ms) for n in order],
             "≤ 2× C: " + check(target("start", 2.0, True))])
rows.append(["`unshare -pf --mount-proc init /bin/true`, median", [cell("start1", n, ms) for n in order],
             ""])
rows.append(["signal forward latency, median", [cell("sigmed", n, us) for n in order], ""])
rows.append(["signal forward latency, p99", [cell("sigp99", n, us) for n in order], ""])
rows.append(["signals lost (of the acked ones)", [cell("siglost", n, ints, False) for n in order], ""])
rows.append(["reap 5000 orphaned zombies handed over at once, median wall",
             [cell("reapwall", n, ms) for n in order],
             "≤ 2× C: " + check(target("reapwall", 2.0, True))])
rows.append(["CPU used by the init for those 5000", [cell("reapcpu", n, ms) for n in order], ""])
rows.append(["5000 orphans exit at once (herd), until all reaped, median wall",
             [cell("herdwall", n, ms) for n in order], ""])
rows.append(["CPU used by the init in the herd test", [cell("herdcpu", n, ms) for n in order], ""])
rows.append(["SIGURG seen by the child (flood under load + reaping)", [urg(n) for n in order],
             "0: " + check(urg_ok())])

print("| metric | " + " | ".join(heads[n] for n in order) + " | target for ours |")
print("| --- | " + " | ".join("---" for _ in order) + " | --- |")
for name, cells, tgt in rows:
    print(f"| {name} | " + " | ".join(cells) + f" | {tgt} |")
print()
print(f"Run: {res.get('date', '?')}; {res.get('nproc', '?')} CPUs ({res.get('cpu', '?')}), "
      f"Linux {res.get('kernel', '?')}, {res.get('goversion', '?')}; {res.get('params', '')}; "
      f"load average {res.get('load0', '?')} at the start, {res.get('load1', '?')} before the reaping "
      f"test (which itself raises it).")
print("Ratios in parentheses are to Debian's C dumb-init (lower is better). "
      "1 MB = 10^6 bytes, 1 MiB = 2^20 bytes; the size target is checked in MB; VmRSS is in kB as the kernel reports it (KiB).")
