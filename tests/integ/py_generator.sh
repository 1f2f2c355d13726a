#!/bin/bash
# Python generator: memory the consumer allocates while the generator is suspended is not the generator's (--exact and frame walking)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_py_frames

S=gen.py
N=3 GEN_MIB=8 CONSUMER_MIB=16

# check MODE JSON LOG: produce() grew by what it allocated itself, on its
# alloc line; its yield line (where it sits suspended while the consumer
# allocates) and all its lines together hold nothing of the consumer's.
check()
{
	local mode=$1 json=$2 log=$3 own
	assert_finished "$log"
	own=$(py_sum "$log" gen_own)
	# The target did what it was designed to do.
	assert_close "$mode: target's own generator growth" "$own" $((N * GEN_MIB * MIB))
	assert_close "$mode: target's own consumer growth" "$(py_sum "$log" consumer)" $((N * CONSUMER_MIB * MIB))
	assert_close "$mode: produce growth" "$(mtq "$json" "fn('produce')['growth']")" "$own"
	assert_py_line "$mode: produce" "$json" produce $S alloc "$own"
	assert_py_line "$mode: produce" "$json" produce $S yield 0
	assert_close "$mode: sum of produce's line increments" \
		"$(mtq "$json" "sum(l['increment'] for l in ($(py_lines_of "$json" produce $S)).values())")" "$own"
}

if [ -x "$PY_USDT" ]; then
	json=$TMP/exact.ndjson
	py_launch "$PY_USDT" $S --exact -o "$json" -f produce -- $N $GEN_MIB $CONSUMER_MIB
	check exact "$json" "$T_LOG"
	# Each resumption runs until the next yield (or the end): a window each.
	assert_eq "exact: open calls" "$(mtq "$json" "fn('produce')['open']")" 0
	for g in $(mtq "$json" "[c['growth'] for c in calls('produce')]"); do
		assert_le "exact: growth of one window (one step of the generator)" "$g" $((GEN_MIB * MIB + TOL_ABS))
	done
	assert_summary_sums "$json"
else
	py_usdt_missing
fi

for interp in "${PY_INTERPS[@]}"; do
	json=$TMP/frames.$SEQ.ndjson
	py_launch "$interp" $S -o "$json" -f produce -- $N $GEN_MIB $CONSUMER_MIB
	check "$interp" "$json" "$T_LOG"
done
