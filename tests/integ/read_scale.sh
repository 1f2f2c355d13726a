#!/bin/bash
# report and plot of summaries with 20,000 and 100,000 functions and lines, and 20,000 same-name rows, take linear time
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
# No BPF: reading saved streams needs no privileges.
[ -x "$MEMTRACE" ] || skip "memtrace not built ($MEMTRACE): run make"
[ -x "$PY" ] || skip "$PY missing"

# A summary of N functions (names shared by SHARED rows each) and N line rows in N/100 tables.
gen()
{
	"$PY" - "$@" <<'PYEOF'
import json, sys
n, shared, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
start = {"type": "start", "t": 0.0, "schema": 1, "ts_unix": 1.0, "pid": 5, "comm": "x",
         "cmdline": ["x"], "targets": [], "page_size": 4096}
funcs = [{"func": "fn_%d" % (i // shared), "file": "f%d.py" % i, "kind": "python",
          "calls": 1 + i % 7, "open": 0, "growth": 4096 * i, "growth_max": 4096,
          "peak_max": 8192, "thread_growth": 0} for i in range(n)]
lines = [{"func": "fn_%d" % (i % (n // 100)), "file": "f%d.py" % (i % (n // 100)), "line": n - i,
          "mem": 4096 * i, "increment": 4096, "occurrences": 1, "source": "x = %d" % i}
         for i in range(n)]
summary = {"type": "summary", "t": 9.0, "pid": 5, "duration": 9.0, "peak_rss": 1 << 30,
           "functions": funcs, "lines": lines, "lost": 0}
with open(out, "w") as f:
    for r in (start, summary):
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
PYEOF
}

# Seconds, to a tenth, that a command takes.
timed()
{
	local t0 t1
	t0=$(date +%s%N)
	"$@"
	MT_RC=$?
	t1=$(date +%s%N)
	SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
}

# Before, 20,000 took 5.4 s and 100,000 took 157 s (n^2); now about 0.3 s and 1.5 s.
for n in 20000 100000; do
	gen "$n" 1 "$TMP/s$n.ndjson" || fail "cannot generate the $n-function summary"
	MT_ERR=$TMP/s$n.err
	timed timeout -k 5 60 "$MEMTRACE" report "$TMP/s$n.ndjson" >"$TMP/s$n.out" 2>"$MT_ERR"
	assert_rc 0 "report of $n functions"
	grep -q "^memtrace report: pid 5 (x), $n functions, 9.0 s" "$TMP/s$n.out" ||
		fail "report of $n functions: header is $(head -n 1 "$TMP/s$n.out")"
	assert_eq "function rows" "$(grep -c '^fn_' "$TMP/s$n.out")" "$n"
	assert_eq "line tables" "$(grep -c '^Filename: ' "$TMP/s$n.out")" $((n / 100))
	# Each table sorted by line number: the first row of f0.py's is its smallest line.
	first=$(grep -A4 '^Filename: f0.py$' "$TMP/s$n.out" | tail -n 1 | awk '{ print $1 }')
	assert_eq "first line of f0.py's table" "$first" $((n / 100))
	ok "report of $n functions and $n lines: ${SECS}s"
	limit=$((n / 2000)) # 10 s for 20,000, 50 s for 100,000: generous for slow machines
	awk -v s="$SECS" -v l="$limit" 'BEGIN { exit !(s <= l) }' ||
		fail "report of $n functions took ${SECS}s (more than ${limit}s: not linear?)"
done

# 20,000 rows sharing 10 names: each shown with its file, found by sorting, not by n^2 scans.
gen 20000 2000 "$TMP/shared.ndjson" || fail "cannot generate the shared-name summary"
MT_ERR=$TMP/shared.err
timed timeout -k 5 60 "$MEMTRACE" report "$TMP/shared.ndjson" >"$TMP/shared.out" 2>"$MT_ERR"
assert_rc 0 "report of shared names"
grep -q '^fn_9 (f19999.py) ' "$TMP/shared.out" || fail "no 'fn_9 (f19999.py)' row"
ok "20,000 rows in 10 names, each with its file: ${SECS}s"
awk -v s="$SECS" 'BEGIN { exit !(s <= 10) }' || fail "shared names took ${SECS}s"

timed timeout -k 5 60 "$MEMTRACE" plot "$TMP/s100000.ndjson" -o "$TMP/s.svg" 2>"$TMP/plot.err"
assert_rc 0 "plot of 100,000 functions"
ok "plot of 100,000 functions: ${SECS}s"
awk -v s="$SECS" 'BEGIN { exit !(s <= 50) }' || fail "plot of 100,000 functions took ${SECS}s"
