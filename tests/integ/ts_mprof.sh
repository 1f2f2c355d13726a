#!/bin/bash
# --mprof FILE: mprof plot draws it; CMDLINE, MEM (increasing, in the run's wall-clock time), one FUNC per call as the target saw it
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
MPROF=/usr/bin/python3-mprof
[ -x "$MPROF" ] || skip "$MPROF not installed (Debian's python3-memory-profiler)"
MPLBACKEND=Agg "$PY" -c 'import matplotlib.pyplot' 2>/dev/null || skip "matplotlib missing for $PY (python3-matplotlib)"

log=$(new_log ts_calls)
json=$TMP/run.ndjson
dat=$TMP/run.dat
t0=$(date +%s.%N)
run_memtrace -o "$json" --mprof "$dat" -f ts_keep -f ts_burst -- "$TARGETS/ts_calls" --log "$log" 4
t1=$(date +%s.%N)
assert_launched "ts_calls with --mprof" "$log"
[ -s "$dat" ] || fail "--mprof wrote nothing to $dat"

# memory_profiler's own plot reads it.
png=$TMP/mprof.png
res=$(MPLBACKEND=Agg timeout 60 "$MPROF" plot "$dat" -o "$png" 2>&1) || fail "mprof plot $dat failed: $res"
[ "$(head -c 4 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e47 ] || fail "mprof plot wrote no PNG to $png"
ok "mprof plot $dat: $(stat -c %s "$png")-byte PNG"

# The file itself, against the target's own view of each call (RSS in bytes
# and wall-clock times just outside it) and the run's wall-clock window.
# Tolerances: memory 16 KiB + 1% (and the 4 decimals of MiB); time 20 ms.
res=$("$PY" - "$dat" "$log" "$json" "$t0" "$t1" "$TOL_ABS" "$TOL_REL" 2>&1 <<'PYEOF'
import json, sys
dat, log, stream, t0, t1, tol_abs, tol_rel = sys.argv[1:]
t0, t1, tol_abs, tol_rel = float(t0), float(t1), float(tol_abs), float(tol_rel)
MIB = 1048576.0
TOL_T = 0.020
err = []
lines = open(dat).read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
if not lines or not lines[0].startswith("CMDLINE "):
    err.append("first line is %r, want CMDLINE ..." % (lines[0] if lines else ""))
elif "ts_calls" not in lines[0]:
    err.append("CMDLINE does not name the command: %r" % lines[0])
else:
    print("ok: %s" % lines[0])
mem, funcs = [], []
for n, l in enumerate(lines[1:], 2):
    f = l.split(" ")
    try:
        if f[0] == "MEM" and len(f) == 3:
            mem.append((float(f[1]), float(f[2])))
        elif f[0] == "FUNC" and len(f) in (6, 7):
            funcs.append((f[1], float(f[2]), float(f[3]), float(f[4]), float(f[5])))
        else:
            err.append("line %d: not a MEM or FUNC line in mprof's format: %r" % (n, l))
    except ValueError:
        err.append("line %d: not a number: %r" % (n, l))

recs = [json.loads(l) for l in open(stream) if l.strip()]
samples = [r for r in recs if r["type"] == "sample"]
summ = [r for r in recs if r["type"] == "summary"][-1]
if len(mem) < len(samples):
    err.append("%d MEM lines for %d samples" % (len(mem), len(samples)))
ts = [t for _, t in mem]
bad = [(a, b) for a, b in zip(ts, ts[1:]) if b <= a]
if bad:
    err.append("MEM timestamps not increasing: %r" % bad[:5])
out = [t for t in ts if not t0 - TOL_T <= t <= t1 + TOL_T]
if out:
    err.append("MEM timestamps outside the run (%.4f..%.4f): %r" % (t0, t1, out[:5]))
if not bad and not out:
    print("ok: %d MEM lines, increasing, all within the run's wall-clock time (%.4f..%.4f)" % (len(mem), t0, t1))
# Peaks between samples are points of their own: the top MEM is the run's peak.
top = max(m for m, _ in mem) * MIB
if abs(top - summ["peak_rss"]) > tol_abs + tol_rel * summ["peak_rss"] + 0.0001 * MIB:
    err.append("largest MEM %.0f B, the run's peak_rss is %d" % (top, summ["peak_rss"]))
else:
    print("ok: largest MEM %.4f MiB = peak_rss %.4f MiB" % (top / MIB, summ["peak_rss"] / MIB))

# The target's calls: "call FUNC BEFORE AFTER T_ENTRY T_RETURN".
truth = {}
for l in open(log):
    f = l.split()
    if f and f[0] == "call":
        truth.setdefault(f[1], []).append((int(f[2]), int(f[3]), float(f[4]), float(f[5])))
got = {}
for fu in funcs:
    got.setdefault(fu[0], []).append(fu[1:])
if sorted(got) != sorted(truth):
    err.append("FUNC names %r, the target called %r" % (sorted(got), sorted(truth)))
def close(a, b):
    return abs(a - b) <= tol_abs + tol_rel * abs(b) + 0.0001 * MIB
for name, calls in sorted(truth.items()):
    g = got.get(name, [])
    if len(g) != len(calls):
        err.append("%s: %d FUNC lines, the target made %d calls" % (name, len(g), len(calls)))
        continue
    print("ok: %s: %d FUNC lines for %d calls" % (name, len(g), len(calls)))
    # In the order the calls ended (the file's order per function).
    for i, ((m0, s0, m1, s1), (b, a, w0, w1)) in enumerate(zip(g, calls), 1):
        if not close(m0 * MIB, b) or not close(m1 * MIB, a):
            err.append("%s call %d: FUNC memory %.4f -> %.4f MiB, the target had %.4f -> %.4f MiB"
                       % (name, i, m0, m1, b / MIB, a / MIB))
        if abs(s0 - w0) > TOL_T or abs(s1 - w1) > TOL_T:
            err.append("%s call %d: FUNC time %.4f -> %.4f, the target called it at %.4f -> %.4f (off by %+.3f s, %+.3f s)"
                       % (name, i, s0, s1, w0, w1, s0 - w0, s1 - w1))
# Where a time is off, say whether the stream already has it wrong: a call
# record ends at start.ts_unix + (t - start.t) on the wall clock.
start = [r for r in recs if r["type"] == "start"][0]
for name, calls in sorted(truth.items()):
    cr = [r for r in recs if r["type"] == "call" and r["func"] == name]
    for i, (c, (b, a, w0, w1)) in enumerate(zip(cr, calls), 1):
        end = start["ts_unix"] + (c["t"] - start["t"])
        if abs(end - w1) > TOL_T:
            err.append("(stream) %s call %d: record t %.6f is wall-clock %.4f, the call returned at %.4f (off by %+.3f s)"
                       % (name, i, c["t"], end, w1, end - w1))
if err:
    sys.exit("\n".join(err))
print("ok: every FUNC line matches the target's call: memory within 16 KiB + 1%, times within 20 ms")
PYEOF
) || fail "mprof file $dat does not match the run:
$res"
echo "$res"
