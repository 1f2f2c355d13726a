#!/usr/bin/python3
"""Many native functions (part of make bench): what attaching and detaching
them costs, with uprobe_multi links and with single uprobes, and what a
probed call costs with an entry+return pair against a session uprobe.

Usage: attach.py [--rounds N] [--fallback-funcs 10|100|1000] [--markdown RESULTS.md]

  attach    tests/targets/many (1,000 functions fn_000 .. fn_999) running,
            calling each of them every 100 ms; memtrace -p PID -d 1
            --no-stacks -f 'many:fn_*' -o FILE, through uprobe_multi links
            and with MEMTRACE_NO_UPROBE_MULTI=1 (single uprobes), alternating
            round by round. The fallback traces --fallback-funcs functions
            (default 100, about 20 s a run; 1000 takes minutes). Per run:
            memtrace's wall time minus the 1 s traced (load, attach, detach,
            tables), and of it the attach (the start record's t: memtrace's
            start to every probe live); the same with one function is the
            fixed part.
  per call  workloads/probecost.c: ns per call of a probed function, no
            probe / entry+return uprobe_multi pair / session uprobe.

Nothing here asserts: the figures go to the terminal and, with --markdown,
into the section between the attach markers of tools/bench/RESULTS.md.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import MEMTRACE, OUT, ROOT, WL, Proc, write_section  # noqa: E402

BEGIN, END = "<!-- attach:begin -->", "<!-- attach:end -->"
TRACE_S = 1
PATTERNS = {1: "fn_000", 10: "fn_00*", 100: "fn_0*", 1000: "fn_*"}


def build(src, name, extra=()):
    """src compiled into the bench directory unless up to date there."""
    binary = os.path.join(OUT, name)
    if not os.path.exists(binary) or os.path.getmtime(src) > os.path.getmtime(binary):
        os.makedirs(OUT, exist_ok=True)
        subprocess.run(["gcc", "-O2", "-g", "-Wall", "-Wextra", *extra, src, "-o", binary], check=True)
    return binary


def one_run(many, nfuncs, multi, tmp):
    """memtrace on a running many: (wall - TRACE_S, attach s) or None if it failed."""
    target = Proc([many, "1000000000", "100"])
    try:
        m = target.expect(r"^ready (\d+)$", 10)
        if not m:
            return None
        env = dict(os.environ)
        env.pop("MEMTRACE_NO_UPROBE_MULTI", None)
        if not multi:
            env["MEMTRACE_NO_UPROBE_MULTI"] = "1"
        out = os.path.join(tmp, "run.ndjson")
        t0 = time.monotonic()
        rc = subprocess.run([MEMTRACE, "-p", m.group(1), "-d", str(TRACE_S), "--no-stacks",
                             "-f", "many:" + PATTERNS[nfuncs], "-o", out], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900).returncode
        wall = time.monotonic() - t0
        if rc:
            return None
        with open(out) as f:
            start = json.loads(f.readline())
        funcs = len(start.get("targets", []))
        if funcs != nfuncs:
            print("attach: %d functions traced, want %d" % (funcs, nfuncs), file=sys.stderr)
            return None
        return wall - TRACE_S, start["t"]
    finally:
        target.stop()
        target.wait(10)


def attach_cells(many, rounds, fallback_funcs):
    cells = [("uprobe_multi", True, 1), ("uprobe_multi", True, 1000),
             ("single uprobes", False, 1), ("single uprobes", False, fallback_funcs)]
    runs = {c: [] for c in cells}
    with tempfile.TemporaryDirectory(prefix="memtrace-attach-") as tmp:
        for r in range(rounds):
            for c in cells:
                res = one_run(many, c[2], c[1], tmp)
                if res:
                    runs[c].append(res)
                print("attach round %d %s %d: %s" % (r + 1, c[0], c[2], res), flush=True)
    return runs


def probe_cost(probecost, rounds):
    """ns per call by mode, each round's probecost run alternating the modes."""
    per = {}
    for _ in range(rounds):
        out = subprocess.run([probecost, "1000000"], capture_output=True, text=True, timeout=300).stdout
        for line in out.splitlines():
            w = line.split()
            if len(w) == 3 and w[1] == "ns_per_call":
                per.setdefault(w[0], []).append(float(w[2]))
            elif len(w) == 3 and w[1] == "unsupported":
                per.setdefault(w[0], [])
    return per


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def span(xs, fmt="%.2f"):
    return (fmt + "-" + fmt) % (min(xs), max(xs)) if xs else "-"


def markdown(runs, per, rounds, cost_rounds, fallback_funcs):
    L = [BEGIN, "", "### Many native functions (tools/bench/attach.py)", "",
         "%s, %d rounds, alternating; `memtrace -p PID -d %d --no-stacks -f 'many:PATTERN'` on "
         "tests/targets/many calling its functions. Seconds beyond the %d s traced (BPF load, "
         "attach, detach, tables), median and range, and of it the attach (the start record's t):"
         % (time.strftime("%Y-%m-%d"), rounds, TRACE_S, TRACE_S), "",
         "| attach | functions | beyond the trace (s) | range | attach (s) |", "|---|---|---|---|---|"]
    for (name, _, n), rs in runs.items():
        L.append("| %s | %d | %.2f | %s | %.2f |" % (name, n, med([r[0] for r in rs]),
                                                   span([r[0] for r in rs]), med([r[1] for r in rs])))
    one = {name: med([r[0] for r in rs]) for (name, _, n), rs in runs.items() if n == 1}
    multi = med([r[0] for r in runs[("uprobe_multi", True, 1000)]]) - one["uprobe_multi"]
    single = (med([r[0] for r in runs[("single uprobes", False, fallback_funcs)]]) -
              one["single uprobes"]) / (fallback_funcs - 1) * 999
    L += ["", "Attach and detach of 999 more functions (1,000 against 1): %.2f s with uprobe_multi, "
          "%.1f s with single uprobes%s: %.0fx." % (
              multi, single, "" if fallback_funcs == 1000 else
              " (measured on %d, scaled per function)" % fallback_funcs,
              single / multi if multi > 0 else float("nan")), "",
          "A probed call (workloads/probecost.c, a function starting with push, 1M calls a run, "
          "%d runs, programs that only return 0), ns per call, median and range:" % cost_rounds, "",
          "| probes | ns per call | range |", "|---|---|---|"]
    for mode in ("none", "pair", "session"):
        xs = per.get(mode)
        if xs is None:
            continue
        L.append("| %s | %s | %s |" % (mode, "%.0f" % med(xs) if xs else "unsupported",
                                        span(xs, "%.0f")))
    L += ["", END]
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--fallback-funcs", type=int, choices=(10, 100, 1000), default=100)
    ap.add_argument("--markdown", metavar="RESULTS.md")
    a = ap.parse_args()
    if os.geteuid():
        sys.exit("attach: needs root")
    many = build(os.path.join(ROOT, "tests", "targets", "many.c"), "many",
                 ["-I", os.path.join(ROOT, "tests", "targets")])
    probecost = build(os.path.join(WL, "probecost.c"), "probecost")
    runs = attach_cells(many, a.rounds, a.fallback_funcs)
    if not all(runs.values()):
        sys.exit("attach: a cell has no successful run")
    cost_rounds = a.rounds * 3
    md = markdown(runs, probe_cost(probecost, cost_rounds), a.rounds, cost_rounds, a.fallback_funcs)
    print(md)
    if a.markdown:
        write_section(a.markdown, md, BEGIN, END)


if __name__ == "__main__":
    main()
