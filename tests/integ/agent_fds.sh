#!/bin/bash
# -p --children while hundreds of children come and go: the unwinders (open files) of ended ones are freed, the table stays whole
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# 200 children (tests/targets/churn.c), 4 at a time, each exec'd anew and
# alive 300 ms: each is sampled and unwound with maps of its own, whose
# files memtrace opens. Those of an ended child must be closed once its
# samples are unwound (user/unwinders.c), so memtrace's open files follow
# the processes alive (4), not all it met (200).
n=200
start_target churn --wait "$n" 4 1 300
json=$TMP/agent.ndjson
start_memtrace -p "$T_PID" --children -v --bytes -f grow_mib -o "$json"
wait_start "$json"
fds() { find "/proc/$MT_PID/fd" -mindepth 1 2>/dev/null | wc -l; }
base=$(fds) most=0
kill -USR1 "$T_PID"
while alive "$T_PID"; do
	now=$(fds)
	[ "$now" -le "$most" ] || most=$now
	sleep 0.05
done
target_done "$T_LOG" "$T_PID" 0
[ "$(grep -c ' rss_after ' "$T_LOG")" -eq "$n" ] || fail "churn did not run its $n children: $(tail -3 "$T_LOG")"
kill -INT "$MT_PID"
wait_memtrace 30
assert_rc 0 "memtrace -p --children, ended by SIGINT"
# Each unwinder holds a few files (the program, libc, ld.so, twice: libdw's and
# the symbols'): 4 children alive, and a few whose samples wait, stay under 60.
assert_le "memtrace's open files above those at the start ($base), at most" $((most - base)) 60

# Fewer than it keeps: every child in the table, and in grow_mib's rows, each its own.
assert_eq "processes traced (table title)" \
	"$(sed -n 's/^Processes by RSS growth: \([0-9]*\) traced$/\1/p' "$MT_OUT")" $((n + 1))
assert_eq "rows of the process table under -v" "$(procs_pids "$MT_OUT" | wc -l)" $((n + 1))
for pid in $(forker_pids "$T_LOG" | head -5); do
	assert_child_row "$MT_OUT" "$T_LOG" "$T_PID" "$pid"
	assert_proc_fn "$MT_OUT" grow_mib "$pid" 1 "$(forker_truth "$T_LOG" "$pid")"
done
ok "$n children came and went; memtrace's open files rose by $((most - base)) at most"
