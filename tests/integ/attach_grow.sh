#!/bin/bash
# attach mode (-p PID): per-call growth matches the target's RSS; table and -o stream agree
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

start_target grow --wait 8 16 4
json=$TMP/run.ndjson
# The target's exit ends tracing.
trace_attached "$json" 0 "attach grow" -f grow_mib

assert_calls_match "$json" grow_mib "$T_LOG"
assert_summary_growth "$json" grow_mib "$T_LOG"
assert_eq "exit record pid" "$(mtq "$json" "of('exit')[-1]['pid']")" "$T_PID"

# The table on stdout: Function Calls Growth Max-growth/call Peak-in-call Thread-caused Retained
grep -q 'Function' "$MT_OUT" || fail "no table header on stdout: $(cat "$MT_OUT")"
read -r -a row <<<"$(table_row "$MT_OUT" grow_mib)"
[ ${#row[@]} -eq 7 ] || fail "table row for grow_mib: '${row[*]}' (stdout: $(cat "$MT_OUT"))"
mapfile -t want < <(truth_growth "$T_LOG")
sum=$(printf '%s\n' "${want[@]}" | awk '{ s += $1 } END { print s }')
max=$(printf '%s\n' "${want[@]}" | sort -n | tail -n 1)
assert_eq "table calls" "${row[1]}" 3
assert_table_mib "table growth" "${row[2]}" "$sum"
assert_table_mib "table max growth/call" "${row[3]}" "$max"
# Peak in call >= growth of that call: at least the largest growth.
assert_ge "table peak in call (MiB)" "${row[4]}" "$(awk -v m="$max" -v a="$TOL_ABS" 'BEGIN { printf "%.2f", (m - a) / 1048576 }')"
assert_table_mib "table thread-caused" "${row[5]}" "$sum"
# A native frame is gone at its return: what it retains is its growth.
assert_table_mib "table retained" "${row[6]}" "$sum"
