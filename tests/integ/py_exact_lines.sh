#!/bin/bash
# Python --exact (USDT): call records, per-line increments and Occurrences match what lines.py saw and was designed to do
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_py_usdt

S=lines.py
json=$TMP/run.ndjson
py_launch "$PY_USDT" $S --exact -o "$json" -f work -f idle -- 8 16 4

assert_eq "target kind and method" "$(mtq "$json" "[(t['func'], t['kind'], t['method']) for t in of('start')[0]['targets']]")" \
	"('work', 'python', 'usdt')
('idle', 'python', 'usdt')"
# One call record per completed call, each as the target measured it.
assert_calls_match "$json" work "$T_LOG"
assert_summary_growth "$json" work "$T_LOG"
assert_eq "open calls" "$(mtq "$json" "fn('work')['open']")" 0
assert_summary_sums "$json"

# Per line, as work() saw it: the bytes line keeps 8+16+4 MiB, the calloc
# line touches nothing, the loop line keeps 3 MiB per call.
for tag in bytes calloc loop; do
	assert_py_line "work" "$json" work $S $tag "$(py_sum "$T_LOG" line $tag)"
done
# The target did what it was designed to do (else the test proves little).
assert_close "target's own bytes line" "$(py_sum "$T_LOG" line bytes)" $((28 * MIB))
assert_close "target's own calloc line" "$(py_sum "$T_LOG" line calloc)" 0
assert_close "target's own loop line" "$(py_sum "$T_LOG" line loop)" $((9 * MIB))
# Every other line allocates nothing: all increments sum to the calls' growth
# (the first line event to the return is the whole call but its entry).
assert_close "sum of work's line increments" \
	"$(mtq "$json" "sum(l['increment'] for l in ($(py_lines_of "$json" work $S)).values())")" \
	"$(truth_growth "$T_LOG" | awk '{ s += $1 } END { print s }')"
# Mem usage: the largest RSS seen after the line; for the bytes line that is
# the RSS work() read right after it in its last (largest-RSS) call.
assert_close "mem usage of the bytes line" \
	"$(py_line_field "$json" work $S "$(py_line "$PY_TARGETS/$S" bytes)" mem)" \
	"$(awk '/^mem bytes / { m = $3 } END { print m }' "$T_LOG")"

# Occurrences: 3 calls; the for line sees 4 line events per call (3
# iterations and the exit test), the loop body 3; the def line one per call.
want="$(py_line "$PY_TARGETS/$S" for) 12
$(py_line "$PY_TARGETS/$S" loop) 9"
for tag in r0 bytes r1 calloc r2 parts r3 keep return; do
	want="$want
$(py_line "$PY_TARGETS/$S" $tag) 3"
done
def=$(grep -n '^def work(' "$PY_TARGETS/$S" | cut -d: -f1)
want="$want
$def 3"
assert_eq "occurrences per line" \
	"$(mtq "$json" "' '.join('%d:%s' % (k, v['occurrences']) for k, v in sorted(($(py_lines_of "$json" work $S)).items()))")" \
	"$(echo "$want" | sort -n | tr ' ' : | xargs)"

# The table: memory_profiler's, the same rows as the JSON.
assert_py_tables "$MT_ERR" "$json"
read -r -a row <<<"$(table_row "$MT_ERR" work)"
assert_eq "table calls" "${row[1]}" 3
assert_table_mib "table growth" "${row[2]}" "$(truth_growth "$T_LOG" | awk '{ s += $1 } END { print s }')"
# idle() is never called: said so, and nothing invented for it.
grep -q '^  idle: never called while tracing$' "$MT_ERR" || fail "no 'idle: never called' note: $(cat "$MT_ERR")"
assert_eq "idle: summary calls, growth, lines" \
	"$(mtq "$json" "str((fn('idle')['calls'], fn('idle')['growth'], len($(py_lines_of "$json" idle $S))))")" "(0, 0, 0)"
