#!/bin/bash
# launch mode (-- CMD): each grow_mib call's growth matches the target's own RSS delta
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# main too: launch mode traces from the first instruction, so main's one call is seen whole.
launch_target grow -o /dev/stdout -f grow_mib -f main -- 8 16 4
pid=$(log_pid "$T_LOG")

assert_calls_match "$MT_OUT" grow_mib "$T_LOG"
assert_summary_growth "$MT_OUT" grow_mib "$T_LOG"
# One thread: everything in the window is the caller's.
mapfile -t want < <(truth_growth "$T_LOG")
mapfile -t got < <(mtq "$MT_OUT" "[c['thread_growth'] for c in calls('grow_mib')]")
for i in 0 1 2; do
	assert_close "call $((i + 1)) thread_growth" "${got[i]}" "${want[i]}"
done
assert_close "growth_max" "$(mtq "$MT_OUT" "fn('grow_mib')['growth_max']")" \
	"$(printf '%s\n' "${want[@]}" | sort -n | tail -n 1)"
assert_eq "calls are of the target's pid" "$(mtq "$MT_OUT" "sorted(set(c['pid'] for c in of('call')))")" "$pid"
assert_eq "start record pid" "$(mtq "$MT_OUT" "of('start')[0]['pid']")" "$pid"
assert_eq "exit record pid" "$(mtq "$MT_OUT" "of('exit')[-1]['pid']")" "$pid"
assert_eq "last record" "$(mtq "$MT_OUT" "recs[-1]['type']")" summary

assert_eq "main: completed calls" "$(mtq "$MT_OUT" "len(calls('main'))")" 1
# main encloses every grow_mib call.
sum=$(truth_growth "$T_LOG" | awk '{ s += $1 } END { print s }')
assert_ge "main: growth" "$(mtq "$MT_OUT" "calls('main')[0]['growth']")" $((sum - TOL_ABS))
