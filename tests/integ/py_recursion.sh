#!/bin/bash
# Python recursion: counted once per outermost call (--exact: calls == outermost calls), growth not multiplied by depth (both modes)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_py_frames

S=rec.py
CALLS=3 DEPTH=5 MIB_PER_LEVEL=2

check_target()
{
	local want
	assert_finished "$1"
	for want in $(truth_growth "$1"); do
		assert_close "target's own growth per outermost call" "$want" $((DEPTH * MIB_PER_LEVEL * MIB))
	done
}

# The lines of rec() together grew as much as its outermost calls did: a
# level's growth is not counted again for every active frame above it.
check_lines()
{
	assert_close "$1: sum of rec's line increments" \
		"$(mtq "$2" "sum(l['increment'] for l in ($(py_lines_of "$2" rec $S)).values())")" \
		"$(truth_growth "$3" | awk '{ s += $1 } END { print s }')"
}

if [ -x "$PY_USDT" ]; then
	json=$TMP/exact.ndjson
	py_launch "$PY_USDT" $S --exact -o "$json" -f rec -- $CALLS $DEPTH $MIB_PER_LEVEL
	check_target "$T_LOG"
	assert_eq "exact: call records (outermost calls)" "$(mtq "$json" "len(calls('rec'))")" $CALLS
	assert_calls_match "$json" rec "$T_LOG"
	assert_summary_growth "$json" rec "$T_LOG"
	assert_eq "exact: open calls" "$(mtq "$json" "fn('rec')['open']")" 0
	assert_summary_sums "$json"
	check_lines exact "$json" "$T_LOG"
	read -r -a row <<<"$(table_row "$MT_ERR" rec)"
	assert_eq "exact: table calls" "${row[1]:-}" $CALLS
else
	py_usdt_missing
fi

for interp in "${PY_INTERPS[@]}"; do
	json=$TMP/frames.$SEQ.ndjson
	py_launch "$interp" $S -o "$json" -f rec -- $CALLS $DEPTH $MIB_PER_LEVEL
	check_target "$T_LOG"
	assert_close "$interp: rec growth" "$(mtq "$json" "fn('rec')['growth']")" \
		"$(truth_growth "$T_LOG" | awk '{ s += $1 } END { print s }')"
	check_lines "$interp" "$json" "$T_LOG"
done
