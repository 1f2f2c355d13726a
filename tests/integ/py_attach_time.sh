#!/bin/bash
# Python attach latency with 1 and 4 functions (printed; --exact and default mode): 4 cost about what 1 does, and work()'s growth stays the target's own
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_py_frames

S=lines.py
# Four functions: work() and three that never run inside it (idle() is never
# called, main() calls work(), say() reports after it), so work()'s figures
# stay its own in both modes.
FOUR=(-f work -f idle -f main -f say)
# Generous: the start record once came 1.3 s later with four --exact
# functions than with one (py_entry's verification); now a few ms.
MAX_EXTRA=0.75
MAX_FOUR=3

# attach_latency INTERP LABEL MT_ARGS...: memtrace -p on lines.py, which
# runs work() once the start record is out. Checks work()'s growth against
# the target's own and sets LATENCY: the start record's t (memtrace's start
# to every probe live).
attach_latency()
{
	local interp=$1 label=$2 json sum
	shift 2
	py_start_target "$interp" $S --wait 8 4
	json=$TMP/$label.ndjson
	trace_attached "$json" 0 "attach $label" "$@"
	sum=$(truth_growth "$T_LOG" | awk '{ s += $1 } END { print s }')
	assert_close "$label: work growth" "$(mtq "$json" "fn('work')['growth']")" "$sum"
	LATENCY=$(mtq "$json" "of('start')[0]['t']")
}

# check_mode INTERP LABEL MT_ARGS...: latency with one function and with four.
check_mode()
{
	local interp=$1 label=$2 one four
	shift 2
	attach_latency "$interp" "$label-1" "$@" -f work
	one=$LATENCY
	attach_latency "$interp" "$label-4" "$@" "${FOUR[@]}"
	four=$LATENCY
	ok "$label: attach latency $one s with 1 function, $four s with 4"
	assert_le "$label: attach latency with 4 functions (s)" "$four" $MAX_FOUR
	assert_le "$label: extra attach latency of 3 more functions (s)" \
		"$(awk -v a="$four" -v b="$one" 'BEGIN { printf "%.3f", a - b }')" $MAX_EXTRA
}

if [ -x "$PY_USDT" ]; then
	check_mode "$PY_USDT" exact --exact
else
	py_usdt_missing
fi
check_mode "${PY_INTERPS[0]}" frames
exit 0
