#!/bin/bash
# launch mode follows forked children: each process's growth in its own row, PPIDs right; --no-children the parent alone
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# The parent's grow_mib(6), then three children one after another, each its
# own; a small one, where 16 KiB + 1% leaves no room for a child's RSS
# misread at its fork.
json=$TMP/fork.ndjson
launch_target forker --bytes -o "$json" -f grow_mib -- 6 1 20 12
parent=$(log_pid "$T_LOG")
forker_check "$T_LOG" "$parent" 4
mapfile -t pids < <(forker_pids "$T_LOG")

# Launch mode: the tables are on stderr.
for pid in "${pids[@]}"; do
	truth=$(forker_truth "$T_LOG" "$pid")
	assert_proc_fn "$MT_ERR" grow_mib "$pid" 1 "$truth"
	assert_eq "process $pid: its call record's pid" "$(mtq "$json" "[c['pid'] for c in calls('grow_mib') if c['pid'] == $pid]")" "$pid"
	assert_close "process $pid: its call record's growth" \
		"$(mtq "$json" "[c['growth'] for c in calls('grow_mib') if c['pid'] == $pid][0]")" "$truth"
done
assert_eq "processes in 'Functions by process'" "$(procs_fn_pids "$MT_ERR" grow_mib | paste -sd' ')" \
	"$(printf '%s\n' "${pids[@]}" | sort -n | paste -sd' ')"
total=$(for pid in "${pids[@]}"; do forker_truth "$T_LOG" "$pid"; done | awk '{ s += $1 } END { print s }')
assert_close "summary growth: all four processes' calls" "$(mtq "$json" "fn('grow_mib')['growth']")" "$total"

assert_proc_rows "$MT_ERR" "${pids[@]}"
for pid in "${pids[@]:1}"; do
	assert_child_row "$MT_ERR" "$T_LOG" "$parent" "$pid"
done
read -r -a row <<<"$(procs_row "$MT_ERR" "$parent")"
assert_eq "parent: joined" "${row[3]}" named
assert_close "parent: end RSS" "$(procs_size "${row[*]}" 7)" "$(forker_rss_after "$T_LOG" "$parent")"

# --no-children: the parent alone, no per-process tables.
launch_target forker --bytes -o "$json" --no-children -f grow_mib -- 6 10 20
parent=$(log_pid "$T_LOG")
[ "$(forker_pids "$T_LOG" | wc -l)" -eq 3 ] || fail "forker did not run its children: $(cat "$T_LOG")"
! grep -q '^Functions by process$\|^Processes by RSS growth' "$MT_ERR" ||
	fail "--no-children printed per-process tables: $(cat "$MT_ERR")"
read -r -a row <<<"$(table_row "$MT_ERR" grow_mib)"
assert_eq "--no-children: grow_mib calls" "${row[1]:-}" 1
assert_close "--no-children: grow_mib growth (the parent's call only)" "${row[2]}" "$(forker_truth "$T_LOG" "$parent")"
assert_eq "--no-children: call records' pids" "$(mtq "$json" "sorted(set(c['pid'] for c in calls('grow_mib')))")" "$parent"
assert_eq "--no-children: process records" "$(mtq "$json" "len([r for r in recs if r['type'] in ('exit', 'process') and r.get('pid') != $parent])")" 0
