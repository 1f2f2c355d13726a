#!/bin/bash
# Python threads: 4 threads in the traced function at once, warmed up or from their first instant; each call's growth is its thread's (--exact, frame walking)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_py_frames

S=threads.py
ROUNDS=2
SIZES=(4 8 12 16)
all=$(((4 + 8 + 12 + 16) * MIB))
# A thread measures its own growth only inside its locked section. Outside
# it, while it waits at the barrier or for the lock, a thread may still fault
# in a block of the interpreter's or libc's code pages for the first time
# (file fault-around: 64 KiB at once), which the kernel rightly charges to
# it but which no target reading isolates, or which lands inside another
# thread's reading. Seen here about once in 12 runs: one such block more is
# allowed for per-thread quantities.
THREAD_TOL=$((TOL_ABS + 65536))
# assert_close_thread WHAT GOT WANT: assert_close with that allowance.
assert_close_thread() { TOL_ABS=$THREAD_TOL assert_close "$@"; }

# own LOG: the tid and own growth of each call, sorted, one "TID DELTA" a line.
own() { awk '/^own / { print $2, $3 }' "$1" | sort; }

check_target()
{
	local log=$1
	assert_finished "$log"
	# Every thread saw its own allocation (the lock kept the others out).
	mapfile -t got < <(awk '/^own / { print $3 }' "$log" | sort -n)
	mapfile -t want < <(for m in "${SIZES[@]}"; do for _ in $(seq $ROUNDS); do echo $((m * MIB)); done; done | sort -n)
	assert_eq "target's calls" "${#got[@]}" "${#want[@]}"
	for i in "${!want[@]}"; do
		# The target's own reading has the same allowance: a fault-around block may land in it.
		assert_close_thread "target's own growth, call $((i + 1)) by size" "${got[i]}" "${want[i]}"
	done
}

if [ -x "$PY_USDT" ]; then
	json=$TMP/exact.ndjson
	py_launch "$PY_USDT" $S --exact -o "$json" -f twork -- $ROUNDS "${SIZES[@]}"
	check_target "$T_LOG"
	assert_eq "exact: completed calls" "$(mtq "$json" "len(calls('twork'))")" $((ROUNDS * 4))
	assert_eq "exact: open calls" "$(mtq "$json" "len(calls('twork', True))")" 0
	assert_eq "exact: summary calls" "$(mtq "$json" "fn('twork')['calls']")" $((ROUNDS * 4))
	assert_eq "exact: calling threads" "$(mtq "$json" "' '.join(sorted(set(str(c['tid']) for c in calls('twork'))))")" \
		"$(own "$T_LOG" | awk '{ print $1 }' | sort -u | xargs)"
	# Per call, thread_growth is the calling thread's own allocation...
	for tid in $(own "$T_LOG" | awk '{ print $1 }' | sort -u); do
		mapfile -t want < <(awk -v t="$tid" '$1 == "own" && $2 == t { print $3 }' "$T_LOG")
		mapfile -t got < <(mtq "$json" "[c['thread_growth'] for c in calls('twork') if c['tid'] == $tid]")
		assert_eq "exact: thread $tid: calls" "${#got[@]}" "${#want[@]}"
		for i in "${!want[@]}"; do
			assert_close_thread "exact: thread $tid: call $((i + 1)) thread_growth" "${got[i]}" "${want[i]}"
		done
	done
	# ...while growth holds everyone's: the barrier kept all windows open
	# until all four threads had allocated, so each call saw all of it.
	for g in $(mtq "$json" "[c['growth'] for c in calls('twork')]"); do
		assert_ge "exact: call growth (all threads' allocations)" "$g" $((all - TOL_ABS))
	done
	assert_close_thread "exact: summary thread_growth" "$(mtq "$json" "fn('twork')['thread_growth']")" "$(py_sum "$T_LOG" own)"
	TOL_ABS=$THREAD_TOL assert_py_line "exact: twork" "$json" twork $S alloc "$(py_sum "$T_LOG" own)"
	assert_summary_sums "$json"
else
	py_usdt_missing
fi

for interp in "${PY_INTERPS[@]}"; do
	json=$TMP/frames.$SEQ.ndjson
	py_launch "$interp" $S -o "$json" -f twork -- $ROUNDS "${SIZES[@]}"
	check_target "$T_LOG"
	# Frame walking charges each change to the thread that made it: twork
	# grows by what its threads allocated inside it, nothing else.
	assert_close_thread "$interp: twork growth" "$(mtq "$json" "fn('twork')['growth']")" "$(py_sum "$T_LOG" own)"
	assert_close_thread "$interp: twork thread_growth" "$(mtq "$json" "fn('twork')['thread_growth']")" "$(py_sum "$T_LOG" own)"
	TOL_ABS=$THREAD_TOL assert_py_line "$interp: twork" "$json" twork $S alloc "$(py_sum "$T_LOG" own)"
done

# Cold threads: each calls twork first thing after it starts, while the
# interpreter is still setting the thread up; one round. Their start-up
# (stack, TLS, first runs through code) faults pages outside their locked
# sections, which other threads' readings may see: one 64 KiB block per
# thread more is allowed on the sum.
COLD_TOL=$((TOL_ABS + ${#SIZES[@]} * 65536))
if [ -x "$PY_USDT" ]; then
	json=$TMP/exact-cold.ndjson
	py_launch "$PY_USDT" $S --exact -o "$json" -f twork -- cold 1 "${SIZES[@]}"
	assert_eq "exact, cold: completed calls" "$(mtq "$json" "len(calls('twork'))")" ${#SIZES[@]}
	TOL_ABS=$COLD_TOL assert_close "exact, cold: twork thread_growth" "$(mtq "$json" "fn('twork')['thread_growth']")" "$(py_sum "$T_LOG" own)"
fi
for interp in "${PY_INTERPS[@]}"; do
	json=$TMP/frames-cold.$SEQ.ndjson
	py_launch "$interp" $S -o "$json" -f twork -- cold 1 "${SIZES[@]}"
	TOL_ABS=$COLD_TOL assert_close "$interp, cold: twork growth" "$(mtq "$json" "fn('twork')['growth']")" "$(py_sum "$T_LOG" own)"
done
