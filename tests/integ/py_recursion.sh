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
	log=$(new_log rec)
	json=$TMP/exact.ndjson
	run_memtrace --exact -o "$json" -f rec -- "$PY_USDT" "$PY_TARGETS/$S" --log "$log" $CALLS $DEPTH $MIB_PER_LEVEL
	assert_rc 0 "launch $S --exact"
	check_target "$log"
	assert_eq "exact: call records (outermost calls)" "$(mtq "$json" "len(calls('rec'))")" $CALLS
	assert_calls_match "$json" rec "$log"
	assert_summary_growth "$json" rec "$log"
	assert_eq "exact: open calls" "$(mtq "$json" "fn('rec')['open']")" 0
	assert_summary_sums "$json"
	check_lines exact "$json" "$log"
	read -r -a row <<<"$(table_row "$MT_OUT" rec)"
	assert_eq "exact: table calls" "${row[1]:-}" $CALLS
else
	echo "note: $PY_USDT is not installed: --exact not tested"
fi

for interp in "${PY_INTERPS[@]}"; do
	log=$(new_log rec)
	json=$TMP/frames.$SEQ.ndjson
	run_memtrace -o "$json" -f rec -- "$interp" "$PY_TARGETS/$S" --log "$log" $CALLS $DEPTH $MIB_PER_LEVEL
	assert_rc 0 "launch $interp $S"
	check_target "$log"
	assert_close "$interp: rec growth" "$(mtq "$json" "fn('rec')['growth']")" \
		"$(truth_growth "$log" | awk '{ s += $1 } END { print s }')"
	check_lines "$interp" "$json" "$log"
done
