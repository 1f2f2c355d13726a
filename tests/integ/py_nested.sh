#!/bin/bash
# Nested Python functions: a traced function's growth includes its callees', traced or not, and its calling line has the callee's growth (--exact and frame walking)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_py_frames

S=nested.py
CALLS=3 OWN=8 INNER=4 TEMP=40 HELPER=2
FUNCS=(-f nest_outer -f nest_inner -f nest_churn -f nest_quiet)

# assert_no_change_notes WHAT TABLES WANT: the functions TABLES says saw no
# memory change inside them are WANT (space-separated names, maybe none).
assert_no_change_notes()
{
	assert_eq "$1: functions said to have seen no memory change" \
		"$(awk '/: no memory change seen inside it/ { sub(/:$/, "", $1); print $1 }' "$2" | xargs)" "$3"
}

# check MODE JSON LOG: nest_outer() grew as much as it measured itself, its
# callees' memory included, with nest_inner()'s growth on the line that
# calls it and the untraced nest_helper()'s on its line; nest_inner() grew
# as nest_outer() saw it; nest_churn() (memory made and dropped inside it)
# grew by nothing but is not said to have seen no memory change.
check()
{
	local mode=$1 json=$2 log=$3 sum own inner helper
	assert_finished "$log"
	own=$(py_sum "$log" own)
	inner=$(py_sum "$log" inner)
	helper=$(py_sum "$log" helper)
	sum=$(truth_growth "$log" | awk '{ s += $1 } END { print s }')
	# The target did what it was designed to do.
	assert_close "$mode: target's own growth on its own line" "$own" $((CALLS * OWN * MIB))
	assert_close "$mode: target's own growth across nest_inner()" "$inner" $((CALLS * INNER * MIB))
	assert_close "$mode: target's own growth across nest_helper()" "$helper" $((CALLS * HELPER * MIB))
	assert_close "$mode: target's own growth across nest_churn()" "$(py_sum "$log" churn)" 0
	assert_close "$mode: target's own growth" "$sum" $((CALLS * (OWN + INNER + HELPER) * MIB))

	assert_close "$mode: outer growth" "$(mtq "$json" "fn('nest_outer')['growth']")" "$sum"
	assert_close "$mode: inner growth" "$(mtq "$json" "fn('nest_inner')['growth']")" "$inner"
	assert_close "$mode: churn growth" "$(mtq "$json" "fn('nest_churn')['growth']")" 0
	assert_py_line "$mode: outer" "$json" nest_outer $S own "$own"
	assert_py_line "$mode: outer" "$json" nest_outer $S call_inner "$inner"
	assert_py_line "$mode: outer" "$json" nest_outer $S call_helper "$helper"
	assert_py_line "$mode: outer" "$json" nest_outer $S call_churn 0
	assert_close "$mode: sum of outer's line increments" \
		"$(mtq "$json" "sum(l['increment'] for l in ($(py_lines_of "$json" nest_outer $S)).values())")" "$sum"
	assert_py_line "$mode: churn" "$json" nest_churn $S churn_tmp $((CALLS * TEMP * MIB))
	assert_py_line "$mode: churn" "$json" nest_churn $S churn_del $((-CALLS * TEMP * MIB))
}

if [ -x "$PY_USDT" ]; then
	json=$TMP/exact.ndjson
	py_launch "$PY_USDT" $S --exact -o "$json" "${FUNCS[@]}" -- $CALLS $OWN $INNER $TEMP $HELPER
	check exact "$json" "$T_LOG"
	assert_calls_match "$json" nest_outer "$T_LOG"
	assert_eq "exact: inner calls" "$(mtq "$json" "fn('nest_inner')['calls']")" $CALLS
	assert_summary_sums "$json"
	assert_no_change_notes exact "$MT_ERR" ""
else
	py_usdt_missing
fi

for interp in "${PY_INTERPS[@]}"; do
	json=$TMP/frames.$SEQ.ndjson
	py_launch "$interp" $S -o "$json" "${FUNCS[@]}" -- $CALLS $OWN $INNER $TEMP $HELPER
	check "$interp" "$json" "$T_LOG"
	# nest_quiet() touches no new memory: frame walking never sees it, and
	# says so; nest_churn() nets nothing, but memory did change inside it.
	assert_no_change_notes "$interp" "$MT_ERR" nest_quiet
	"$MEMTRACE" report "$json" >"$TMP/report.$SEQ.out" 2>&1 || fail "memtrace report $json failed"
	assert_no_change_notes "$interp: memtrace report" "$TMP/report.$SEQ.out" nest_quiet
done
