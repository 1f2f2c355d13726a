#!/bin/bash
# Python threads: 4 threads inside the traced function at once; each call's own allocation is its thread's (--exact and frame walking)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

S=threads.py
ROUNDS=2
SIZES="4 8 12 16"
all=$(((4 + 8 + 12 + 16) * MIB))

# own LOG: the tid and own growth of each call, sorted, one "TID DELTA" a line.
own() { awk '/^own / { print $2, $3 }' "$1" | sort; }

check_target()
{
	local log=$1
	grep -q '^done' "$log" || fail "target did not finish: $(cat "$log")"
	# Every thread saw its own allocation (the lock kept the others out).
	mapfile -t got < <(awk '/^own / { print $3 }' "$log" | sort -n)
	mapfile -t want < <(for m in $SIZES; do for _ in $(seq $ROUNDS); do echo $((m * MIB)); done; done | sort -n)
	assert_eq "target's calls" "${#got[@]}" "${#want[@]}"
	for i in "${!want[@]}"; do
		assert_close "target's own growth, call $((i + 1)) by size" "${got[i]}" "${want[i]}"
	done
}

if [ -x "$PY_USDT" ]; then
	log=$(new_log threads)
	json=$TMP/exact.ndjson
	run_memtrace --exact -o "$json" -f twork -- "$PY_USDT" "$PY_TARGETS/$S" --log "$log" $ROUNDS $SIZES
	assert_rc 0 "launch $S --exact"
	check_target "$log"
	assert_eq "exact: completed calls" "$(mtq "$json" "len(calls('twork'))")" $((ROUNDS * 4))
	assert_eq "exact: open calls" "$(mtq "$json" "len(calls('twork', True))")" 0
	assert_eq "exact: summary calls" "$(mtq "$json" "fn('twork')['calls']")" $((ROUNDS * 4))
	assert_eq "exact: calling threads" "$(mtq "$json" "' '.join(sorted(set(str(c['tid']) for c in calls('twork'))))")" \
		"$(own "$log" | awk '{ print $1 }' | sort -u | xargs)"
	# Per call, thread_growth is the calling thread's own allocation...
	while read -r tid want; do
		got=$(mtq "$json" "sorted(c['thread_growth'] for c in calls('twork') if c['tid'] == $tid)")
		for g in $got; do assert_close "exact: thread $tid: call thread_growth" "$g" "$want"; done
	done < <(own "$log" | sort -u)
	# ...while growth holds everyone's: the barrier kept all windows open
	# until all four threads had allocated, so each call saw all of it.
	for g in $(mtq "$json" "[c['growth'] for c in calls('twork')]"); do
		assert_ge "exact: call growth (all threads' allocations)" "$g" $((all - TOL_ABS))
	done
	assert_close "exact: summary thread_growth" "$(mtq "$json" "fn('twork')['thread_growth']")" "$(py_sum "$log" own)"
	assert_py_line "exact: twork" "$json" twork $S alloc "$(py_sum "$log" own)"
	assert_summary_sums "$json"
else
	echo "note: $PY_USDT is not installed: --exact not tested"
fi

for interp in $(py_frame_interps); do
	log=$(new_log threads)
	json=$TMP/frames.$SEQ.ndjson
	run_memtrace -o "$json" -f twork -- "$interp" "$PY_TARGETS/$S" --log "$log" $ROUNDS $SIZES
	assert_rc 0 "launch $interp $S"
	check_target "$log"
	# Frame walking charges each change to the thread that made it: twork
	# grows by what its threads allocated inside it, nothing else.
	assert_close "$interp: twork growth" "$(mtq "$json" "fn('twork')['growth']")" "$(py_sum "$log" own)"
	assert_close "$interp: twork thread_growth" "$(mtq "$json" "fn('twork')['thread_growth']")" "$(py_sum "$log" own)"
	assert_py_line "$interp: twork" "$json" twork $S alloc "$(py_sum "$log" own)"
done
