#!/bin/bash
# Frame walking draws where a traced function ran: one "stretch" record per call of a function called twice with a pause, within the calls' own times; observed brackets in --svg, FUNC lines in --mprof
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_svg_tools
require_jsonlint
PY312=$(py_interp 3.12.1) || skip "CPython 3.12.1 is not installed ($PYENV_VERSIONS/3.12.1)"

CALLS=2 MIB=8
json=$TMP/run.ndjson svg=$TMP/run.svg dat=$TMP/run.dat
py_launch "$PY312" stretches.py -o "$json" --svg "$svg" --mprof "$dat" -f stretch_work -- $CALLS $MIB
assert_svg "$svg" stretch_work
res=$("$PY" "$JSONLINT" "$json" 2>&1) || fail "$json does not pass the lint: $res"
ok "lint: $json"

# The stream: a stretch per call, inside the call as the target timed it
# (wall clock: start.ts_unix + t - start.t), and as long as the memory
# changes inside it (two halves 100 ms apart). Tolerance: 5 ms of clocks.
res=$("$PY" - "$json" "$T_LOG" "$svg" "$dat" $CALLS 2>&1 <<'PYEOF'
import json, sys
import xml.etree.ElementTree as ET
stream, log, svg, dat, calls = sys.argv[1:]
calls, TOL = int(calls), 0.005
err = []
recs = [json.loads(l) for l in open(stream) if l.strip()]
start = recs[0]
wall = lambda t: start["ts_unix"] + t - start["t"]
truth = [(float(f[2]), float(f[3])) for f in (l.split() for l in open(log))
         if f and f[0] == "call"]
st = [r for r in recs if r["type"] == "stretch" and r["func"] == "stretch_work"]
if len(truth) != calls:
    err.append("the target logged %d calls, want %d" % (len(truth), calls))
if len(st) != calls:
    err.append("%d stretch records for stretch_work, want %d: %r" % (len(st), calls, st))
for i, (r, (c0, c1)) in enumerate(zip(sorted(st, key=lambda r: r["t_first"]), truth), 1):
    a, b = wall(r["t_first"]), wall(r["t_last"])
    if not (c0 - TOL <= a <= b <= c1 + TOL):
        err.append("stretch %d: %.4f..%.4f, not within call %.4f..%.4f" % (i, a, b, c0, c1))
    elif b - a < 0.09:
        err.append("stretch %d: %.4f s long, the memory changes inside span 0.1 s" % (i, b - a))
    elif r["rss_peak"] < max(r["rss_first"], r["rss_last"]) or r["t"] < r["t_last"]:
        err.append("stretch %d: inconsistent: %r" % (i, r))
    else:
        print("ok: stretch %d: %.4f..%.4f within call %.4f..%.4f" % (i, a, b, c0, c1))

# The SVG: two observed brackets, labelled as such.
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(svg).getroot()
dotted = [p for p in root.iter(ns + "path") if p.get("stroke-dasharray") == "1.5 2.5"]
labels = ["".join(t.itertext()) for t in root.iter(ns + "text")]
obs = [t for t in labels if t == "stretch_work (observed)"]
if len(dotted) != calls or len(obs) != calls:
    err.append("SVG: %d dotted brackets and %d labels 'stretch_work (observed)', want %d: %r"
               % (len(dotted), len(obs), calls, labels))
elif not any(t.startswith("dotted: observed") for t in labels):
    err.append("SVG: no legend for the observed brackets: %r" % labels)
else:
    print("ok: SVG: %d observed brackets, labelled, with their legend" % calls)

# The mprof file: a FUNC bracket per stretch, at its times.
funcs = [l.split() for l in open(dat) if l.startswith("FUNC ")]
fs = sorted(float(f[3]) for f in funcs if f[1] == "stretch_work")
want = sorted(wall(r["t_first"]) for r in st)
if len(funcs) != calls or any(abs(a - b) > 0.0002 for a, b in zip(fs, want)):
    err.append("mprof: FUNC lines %r, want %d at %r" % (funcs, calls, want))
else:
    print("ok: mprof: %d FUNC lines for stretch_work at the stretches' times" % calls)
if err:
    sys.exit("\n".join(err))
PYEOF
) || fail "$res"
echo "$res"

# memory_profiler's own plot reads the file.
if [ -x /usr/bin/python3-mprof ] && MPLBACKEND=Agg "$PY" -c 'import matplotlib.pyplot' 2>/dev/null; then
	png=$TMP/mprof.png
	res=$(MPLBACKEND=Agg timeout 60 /usr/bin/python3-mprof plot "$dat" -o "$png" 2>&1) ||
		fail "mprof plot $dat failed: $res"
	[ "$(head -c 4 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e47 ] || fail "mprof plot wrote no PNG"
	ok "mprof plot $dat: $(stat -c %s "$png")-byte PNG"
else
	echo "note: python3-mprof or matplotlib missing: mprof plot not run"
fi

# Saved streams: memtrace plot draws the same observed brackets; report reads the stream.
run_memtrace plot "$json" -o "$TMP/replot.svg"
assert_rc 0 "memtrace plot $json"
n=$(grep -c 'stroke-dasharray="1.5 2.5"' "$TMP/replot.svg")
assert_eq "memtrace plot: observed brackets" "$n" $CALLS
run_memtrace report "$json"
assert_rc 0 "memtrace report $json"
