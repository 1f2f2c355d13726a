#!/usr/bin/python3
"""Stacks benchmark (part of make bench): what sampled stacks cost, how
accurate they are, and how --sample-bytes trades one for the other.

Usage: stacks.py [--rounds N] [--soak SECONDS] [--out FILE] [--markdown RESULTS.md]

  cost      faults (1 GiB touched in 1 MiB steps) and the numpy seed program:
            untraced, memtrace -f F --no-stacks, memtrace with stacks only
            (no -f) at several --sample-bytes; paired ratios of the target's
            own CPU and wall time to the untraced run of the same round.
  accuracy  workloads/stackpaths.c: three call paths sharing one leaf,
            interleaved with a period of 512 KiB; per --sample-bytes, the
            worst path's error of the --folded bytes against the target's own
            VmRSS deltas, and memtrace's CPU per sample.
  soak      (--soak S) memtrace with stacks attached to faults for S seconds
            (600 = the issue's 10 minutes): its RSS each minute.

Nothing here asserts: the figures go to the terminal and, with --markdown,
into the section between the stacks markers of tools/bench/RESULTS.md.
"""
import argparse
import signal
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (GNU_TIME, MEMTRACE, OUT, PY311, WL, Proc, bpf_prog_stats, read_kv, sh,  # noqa: E402
                   wait_file_match, write_section)

KIB = 1024
MIB = 1024 * KIB
DEFAULT_SAMPLE = "512K"
BEGIN, END = "<!-- stacks:begin -->", "<!-- stacks:end -->"


def target_argv(name, arg):
    if name == "seed":
        return [PY311, os.path.join(WL, "seed.py")]
    return [os.path.join(OUT, name), str(arg)]


def mt_args(opts):
    """memtrace's options for a cell: a function (-f F --no-stacks) or stacks only."""
    if opts.get("nostacks"):
        return ["--no-stacks"]
    if opts.get("func"):
        return ["-f", opts["func"], "--no-stacks"]
    args = ["--sample-bytes", opts.get("sample", DEFAULT_SAMPLE)]
    if opts.get("folded"):
        args += ["--folded", opts["folded"]]
    return args


def parse_samples(text):
    m = re.search(r"stacks?: ([\d,]+) samples?", text, re.I)
    return int(m.group(1).replace(",", "")) if m else None


def run_cell(tmp, wl, arg, opts, soak_s=0):
    """One run: the target waits, memtrace attaches, the target runs its measured section."""
    report = os.path.join(tmp, "report.txt")
    for f in ("report.txt", "mt.time", "mt.err", "mt.out", "folded.txt"):
        try:
            os.unlink(os.path.join(tmp, f))
        except FileNotFoundError:
            pass
    env = dict(os.environ, BENCH_REPORT=report, BENCH_WAIT="1", PYTHONDONTWRITEBYTECODE="1")
    tgt = Proc(target_argv(wl, arg), env=env, stderr_file=os.path.join(tmp, "target.err"))
    mt = other = None
    res = {"wl": wl, "opts": {k: v for k, v in opts.items() if k != "folded"}}
    try:
        m = tgt.expect(r"^ready (\d+)$", 300)
        if not m:
            return dict(res, error="target never ready: " + tgt.last_err())
        pid = int(m.group(1))
        if opts.get("traced"):
            if opts.get("all"):
                who = ["-a"]
            elif opts.get("other"):
                other = subprocess.Popen(["sleep", "3600"])
                who = ["-p", str(other.pid), "--children"]
            else:
                who = ["-p", str(pid)]
            argv = [GNU_TIME, "-f", "%e %U %S %M", "-o", os.path.join(tmp, "mt.time"),
                    MEMTRACE, "-v"] + who + mt_args(opts)
            if soak_s:
                argv += ["-d", str(soak_s)]
            mt = Proc(argv, stdout_file=os.path.join(tmp, "mt.out"),
                      stderr_file=os.path.join(tmp, "mt.err"), stdin=False)
            if not wait_file_match(os.path.join(tmp, "mt.err"), r"memtrace: tracing", 60,
                                   lambda: mt.p.poll() is None):
                return dict(res, error="memtrace did not attach: " + mt.last_err())
        tgt.send("go\n")
        if soak_s:
            res["soak_rss_kb"] = soak_watch(mt, soak_s)
            return res
        if not tgt.expect(r"^done (\d+)$", 900):
            return dict(res, error="target did not finish: " + tgt.last_err())
        if mt and opts.get("bpf_stats"):
            kids = subprocess.run(["pgrep", "-P", str(mt.p.pid)], capture_output=True, text=True).stdout.split()
            res["bpf"] = bpf_prog_stats(int(kids[0])) if kids else []
        tgt.send("\n")
        tgt.wait(60)
        if mt:
            # -a and another process's trace outlive the target: Ctrl-C, as a user would.
            if opts.get("all") or opts.get("other"):
                # To memtrace itself: GNU time, its parent, ignores SIGINT while it waits.
                for kid in subprocess.run(["pgrep", "-P", str(mt.p.pid)], capture_output=True,
                                          text=True).stdout.split():
                    os.kill(int(kid), signal.SIGINT)
            mt.wait(120)
            with open(os.path.join(tmp, "mt.time")) as f:
                e, u, s, m_kb = f.read().split()[-4:]
            res["mt_cpu_s"] = float(u) + float(s)
            res["mt_maxrss_kb"] = int(m_kb)
            with open(os.path.join(tmp, "mt.err"), errors="replace") as f:
                err = f.read()
            with open(os.path.join(tmp, "mt.out"), errors="replace") as f:
                err += f.read()
            res["samples"] = parse_samples(err)
        kv = read_kv(report)
        res.update({k: kv.get(k) for k in ("elapsed_s", "cpu_s", "path_a_kb", "path_b_kb", "path_c_kb")})
        if opts.get("folded") and os.path.exists(opts["folded"]):
            res["folded"] = folded_paths(opts["folded"])
        return res
    finally:
        tgt.stop()
        if mt:
            mt.stop()
        if other:
            other.kill()
            other.wait()


def soak_watch(mt, secs):
    rss = []
    end = time.monotonic() + secs
    while time.monotonic() < end and mt.p.poll() is None:
        time.sleep(min(60, max(1, end - time.monotonic())))
        try:
            kids = subprocess.run(["pgrep", "-P", str(mt.p.pid)], capture_output=True, text=True).stdout.split()
            with open("/proc/%s/status" % kids[0]) as f:
                rss.append(int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)))
            print("  soak: %4d s: memtrace RSS %d KiB" % (secs - (end - time.monotonic()), rss[-1]), flush=True)
        except (IndexError, OSError, AttributeError):
            break
    return rss


def folded_paths(path):
    out = {"path_a": 0, "path_b": 0, "path_c": 0}
    with open(path, errors="replace") as f:
        for line in f:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            frames = stack.split(";")
            for p in out:
                if p in frames:
                    out[p] += int(n)
    return out


def ratio_table(runs, cells):
    """Per cell: median and range of target cpu and wall over the same round's untraced run."""
    rows = []
    for key in cells:
        cpu, wall, samples, mtcpu = [], [], [], []
        for rnd in runs:
            base, r = rnd.get((key[0], "untraced")), rnd.get(key)
            if not base or not r or r.get("error") or base.get("error") or not r.get("cpu_s"):
                continue
            cpu.append(r["cpu_s"] / base["cpu_s"])
            wall.append(r["elapsed_s"] / base["elapsed_s"])
            if r.get("samples"):
                samples.append(r["samples"])
                mtcpu.append(r["mt_cpu_s"])
        if cpu:
            rows.append((key, statistics.median(cpu), min(cpu), max(cpu), statistics.median(wall),
                         statistics.median(samples) if samples else None,
                         statistics.median(mtcpu) if mtcpu else None))
    return rows


def cost(tmp, rounds, only=None):
    cells = {
        ("faults", "untraced"): {},
        ("faults", "-f touch_mib --no-stacks"): {"traced": True, "func": "touch_mib"},
        ("faults", "stacks 64K"): {"traced": True, "sample": "64K"},
        ("faults", "stacks 512K (default)"): {"traced": True, "sample": "512K"},
        ("faults", "stacks 4M"): {"traced": True, "sample": "4M"},
        # Several processes: faults under -a (traced, with and without stacks), and faults
        # untraced while memtrace follows another process and its children (-p PID --children).
        ("faults", "-a --no-stacks"): {"traced": True, "all": True, "nostacks": True},
        ("faults", "-a (stacks 512K)"): {"traced": True, "all": True},
        ("faults", "untraced, another -p --children"): {"traced": True, "other": True},
        ("seed", "untraced"): {},
        ("seed", "-f Inversa --no-stacks"): {"traced": True, "func": "Inversa"},
        ("seed", "stacks 512K (default)"): {"traced": True, "sample": "512K"},
    }
    if only:
        cells = {k: v for k, v in cells.items() if k[0] == "faults" and (k[1] == "untraced" or any(o in k[1] for o in only))}
    runs = []
    for i in range(rounds):
        order = list(cells)
        random.Random(i).shuffle(order)
        rnd = {}
        for key in order:
            r = run_cell(tmp, key[0], 1 if key[0] == "faults" else "", cells[key])
            print("  round %d %-36s %s" % (i + 1, "/".join(key), r.get("error") or "cpu %.3f s" % r["cpu_s"]),
                  flush=True)
            rnd[key] = r
        runs.append(rnd)
    return runs, [k for k in cells if k[1] != "untraced"]


def accuracy(tmp, rounds):
    sizes = ["16K", "64K", "256K", "512K", "2M", "8M"]
    out = []
    for s in sizes:
        errs, samples, mtcpu = [], [], []
        for i in range(rounds):
            folded = os.path.join(tmp, "folded.txt")
            r = run_cell(tmp, "stackpaths", 2048, {"traced": True, "sample": s, "folded": folded})
            if r.get("error") or not r.get("folded"):
                print("  accuracy %s: %s" % (s, r.get("error", "no folded output")), flush=True)
                continue
            worst = max(abs(r["folded"][p] - r[p + "_kb"] * KIB) / (r[p + "_kb"] * KIB)
                        for p in ("path_a", "path_b", "path_c"))
            errs.append(worst)
            if r.get("samples"):
                samples.append(r["samples"])
                mtcpu.append(r["mt_cpu_s"])
            print("  accuracy %-5s round %d: worst path off by %.1f%%, %s samples" %
                  (s, i + 1, worst * 100, r.get("samples")), flush=True)
        if errs:
            out.append((s, statistics.median(errs), max(errs), statistics.median(samples) if samples else None,
                        statistics.median(mtcpu) if mtcpu else None))
    return out


def bpf_cost(tmp, rounds):
    """handle_rss_stat's own time per RSS event (stacks_account runs inside it), by kernel.bpf_stats."""
    cells = {("faults", "-f touch_mib --no-stacks"): {"traced": True, "func": "touch_mib"},
             ("faults", "stacks 512K (default)"): {"traced": True, "sample": "512K"},
             ("faults", "stacks 64K"): {"traced": True, "sample": "64K"},
             ("seed", "-f Inversa --no-stacks"): {"traced": True, "func": "Inversa"},
             ("seed", "stacks 512K (default)"): {"traced": True, "sample": "512K"}}
    old = sh("sysctl -n kernel.bpf_stats_enabled") or "0"
    sh("sysctl -q -w kernel.bpf_stats_enabled=1")
    out = []
    try:
        for (wl, label), opts in cells.items():
            per = []
            for _ in range(rounds if wl == "faults" else 1):
                r = run_cell(tmp, wl, 1 if wl == "faults" else "", dict(opts, bpf_stats=True))
                for prog in r.get("bpf", []):
                    if prog.get("name") == "handle_rss_stat" and prog["run_cnt"] and r.get("cpu_s"):
                        per.append((prog["run_time_ns"] / prog["run_cnt"], prog["run_cnt"],
                                    prog["run_time_ns"] / 1e9 / r["cpu_s"]))
            if per:
                out.append(("%s / %s" % (wl, label), statistics.median(p[0] for p in per),
                            statistics.median(p[1] for p in per), statistics.median(p[2] for p in per)))
                print("  bpf %-36s %.0f ns per RSS event, %.2f%% of the target's CPU" %
                      (out[-1][0], out[-1][1], 100 * out[-1][3]), flush=True)
    finally:
        sh("sysctl -q -w kernel.bpf_stats_enabled=%s" % old)
    return out


def markdown(cost_rows, acc_rows, soak, bpf_rows=()):
    L = [BEGIN, "", "### Stacks (tools/bench/stacks.py)", "",
         "Target CPU and wall time over the untraced run of the same round (median, min-max of the CPU ratio);",
         "memtrace's own CPU (user+sys, attach included) and the samples it took.", "",
         "| workload / memtrace | CPU ratio | range | wall ratio | samples | memtrace CPU s |",
         "|---|---|---|---|---|---|"]
    for key, med, lo, hi, wall, samples, mtcpu in cost_rows:
        L.append("| %s / %s | %.3f | %.3f-%.3f | %.3f | %s | %s |" % (
            key[0], key[1], med, lo, hi, wall, "%d" % samples if samples else "-",
            "%.2f" % mtcpu if mtcpu is not None else "-"))
    if bpf_rows:
        L += ["", "The kernel side's own cost (kernel.bpf_stats_enabled, a separate pass, not timed above): "
              "handle_rss_stat's time per RSS event, stack sampling (bpf/stacks.bpf.c) included, and "
              "its share of the target's CPU time. On this shared VM the ratios above move by 10-40% "
              "from run to run; this is what the probes themselves cost.", "",
              "| workload / memtrace | ns per RSS event | RSS events | share of the target's CPU |",
              "|---|---|---|---|"]
        for label, ns, cnt, share in bpf_rows:
            L.append("| %s | %.0f | %d | %.2f%% |" % (label, ns, cnt, 100 * share))
    L += ["", "Accuracy on stackpaths (3 paths, 1 GiB, period 512 KiB): the worst path's error of",
          "the --folded bytes against the target's own VmRSS deltas, and memtrace's CPU per sample.", "",
          "| --sample-bytes | worst error (median) | worst error (max) | samples | memtrace CPU per sample |",
          "|---|---|---|---|---|"]
    for s, med, mx, samples, mtcpu in acc_rows:
        per = "%.1f us" % (mtcpu / samples * 1e6) if samples and mtcpu else "-"
        L.append("| %s | %.1f%% | %.1f%% | %s | %s |" % (s, med * 100, mx * 100,
                                                          "%d" % samples if samples else "-", per))
    pts = [(r[3], r[4]) for r in acc_rows if r[3] and r[4] is not None]
    if len(pts) >= 2:
        # memtrace's CPU grows with the samples: the slope is the cost of one (unwind, name, merge).
        mx = statistics.mean(p[0] for p in pts)
        my = statistics.mean(p[1] for p in pts)
        den = sum((p[0] - mx) ** 2 for p in pts)
        if den > 0:
            slope = sum((p[0] - mx) * (p[1] - my) for p in pts) / den
            L += ["", "memtrace's own CPU per stack sample (slope of its CPU over the samples above): "
                  "%.1f us; fixed part (attach, start, tables): %.2f s" % (slope * 1e6, my - slope * mx)]
    if soak:
        L += ["", "Soak: memtrace with stacks on faults, RSS each minute (KiB): " + ", ".join(map(str, soak))]
    L += ["", END]
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    ap.add_argument("--soak", type=int, default=0, metavar="SECONDS")
    ap.add_argument("--out", default=os.path.join(OUT, "stacks.json"))
    ap.add_argument("--markdown", metavar="RESULTS.md")
    ap.add_argument("--bpf-only", action="store_true",
                    help="rerun only the BPF run-time pass; the rest from --out's saved figures")
    ap.add_argument("--procs", action="store_true",
                    help="only the cost of several-process tracing (-a, --children) on faults; prints its rows")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="memtrace-stacks.")
    if a.procs:
        try:
            runs, keys = cost(tmp, a.rounds, only=["-a", "another"])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for key, cpu, lo, hi, wall, samples, mtcpu in ratio_table(runs, keys):
            print("| %s | %.3fx (%.3f-%.3f) | %.3fx |" % (key[1], cpu, lo, hi, wall))
        return 0
    if a.bpf_only:
        with open(a.out) as f:
            saved = json.load(f)
        try:
            bpf_rows = bpf_cost(tmp, 2)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        cost_rows = [tuple([tuple(r[0])] + r[1:]) for r in saved["cost"]]
        return emit(a, markdown(cost_rows, saved["accuracy"], saved["soak_rss_kb"], bpf_rows),
                    cost_rows, saved["accuracy"], saved["soak_rss_kb"], bpf_rows)
    try:
        print("stacks: cost, %d rounds" % a.rounds, flush=True)
        runs, keys = cost(tmp, a.rounds)
        cost_rows = ratio_table(runs, keys)
        print("stacks: BPF run time", flush=True)
        bpf_rows = bpf_cost(tmp, 2)
        print("stacks: accuracy", flush=True)
        acc_rows = accuracy(tmp, max(1, a.rounds - 1))
        soak = []
        if a.soak:
            print("stacks: soak %d s" % a.soak, flush=True)
            soak = run_cell(tmp, "faults", 1 << 30, {"traced": True}, soak_s=a.soak).get("soak_rss_kb", [])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    emit(a, markdown(cost_rows, acc_rows, soak, bpf_rows), cost_rows, acc_rows, soak, bpf_rows)


def emit(a, md, cost_rows, acc_rows, soak, bpf_rows):
    print(md)
    with open(a.out, "w") as f:
        json.dump({"cost": [[list(r[0])] + list(r[1:]) for r in cost_rows], "accuracy": acc_rows,
                   "soak_rss_kb": soak, "bpf": bpf_rows}, f, indent=1)
    if a.markdown:
        write_section(a.markdown, md, BEGIN, END)


if __name__ == "__main__":
    main()
