#!/bin/bash
# Python exceptions unwinding through the traced function end its call; later calls are still counted (--exact and frame walking)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_py_frames

S=exc.py
# MIB:FAIL per call: calls 1 and 3 raise three frames below risky().
ARGS=(8:1 4:0 16:1 2:0)

check_target()
{
	assert_finished "$1"
	assert_eq "target: how each call ended" "$(grep -E '^(raised|returned)$' "$1" | xargs)" "raised returned raised returned"
}

if [ -x "$PY_USDT" ]; then
	json=$TMP/exact.ndjson
	py_launch "$PY_USDT" $S --exact -o "$json" -f risky -- "${ARGS[@]}"
	check_target "$T_LOG"
	# Four completed calls, raised or not, each with its own growth.
	assert_calls_match "$json" risky "$T_LOG"
	assert_summary_growth "$json" risky "$T_LOG"
	assert_eq "exact: open calls" "$(mtq "$json" "fn('risky')['open']")" 0
	assert_summary_sums "$json"
	assert_py_line "exact: risky" "$json" risky $S alloc "$(truth_growth "$T_LOG" | awk '{ s += $1 } END { print s }')"
	for tag in alloc:4 keep:4 if:4 boom:2 return:2; do
		line=$(py_line "$PY_TARGETS/$S" "${tag%:*}")
		assert_eq "exact: occurrences of line $line (L:${tag%:*})" \
			"$(py_line_field "$json" risky $S "$line" occurrences)" "${tag#*:}"
	done
	read -r -a row <<<"$(table_row "$MT_ERR" risky)"
	assert_eq "exact: table calls" "${row[1]:-}" 4
else
	py_usdt_missing
fi

for interp in "${PY_INTERPS[@]}"; do
	json=$TMP/frames.$SEQ.ndjson
	py_launch "$interp" $S -o "$json" -f risky -- "${ARGS[@]}"
	check_target "$T_LOG"
	sum=$(truth_growth "$T_LOG" | awk '{ s += $1 } END { print s }')
	assert_close "$interp: risky growth" "$(mtq "$json" "fn('risky')['growth']")" "$sum"
	assert_py_line "$interp: risky" "$json" risky $S alloc "$sum"
done
