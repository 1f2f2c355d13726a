#!/bin/bash
# -p PID --children follows a running process's forks; -p A,B (and -p A -p B) traces each, an untraced one not
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# truth_total LOG: the growth of all of a grow target's calls, as it measured them.
truth_total() { truth_growth "$1" | awk '{ s += $1 } END { print s + 0 }'; }

# --children: the parent's grow_mib(6), then its children's, one a small one.
start_target forker --wait 6 1 12
parent=$T_PID
trace_attached "$TMP/children.ndjson" 0 "attach --children" --bytes -f grow_mib --children
forker_check "$T_LOG" "$parent" 3
mapfile -t pids < <(forker_pids "$T_LOG")
for pid in "${pids[@]}"; do
	assert_proc_fn "$MT_OUT" grow_mib "$pid" 1 "$(forker_truth "$T_LOG" "$pid")"
done
assert_proc_rows "$MT_OUT" "${pids[@]}"
for pid in "${pids[@]:1}"; do
	read -r -a row <<<"$(procs_row "$MT_OUT" "$pid")"
	assert_eq "child $pid: PPID" "${row[1]}" "$parent"
	assert_eq "child $pid: joined" "${row[3]}" fork
done
read -r -a row <<<"$(procs_row "$MT_OUT" "$parent")"
assert_eq "parent: joined" "${row[3]}" named
# Attached while it waited for the go signal: its growth since is its call's.
assert_close "parent: process growth" "$(procs_size "${row[*]}" 9)" "$(forker_truth "$T_LOG" "$parent")"
assert_close "parent: end RSS" "$(procs_size "${row[*]}" 7)" "$(forker_rss_after "$T_LOG" "$parent")"

# Several -p, as one list and repeated: each process's own growth; a third
# process running the same function at the same time is not traced.
for form in list repeated; do
	start_target grow --wait 8 2
	a=$T_PID a_log=$T_LOG
	start_target grow --wait 3 1
	b=$T_PID b_log=$T_LOG
	start_target grow --wait 5
	other=$T_PID other_log=$T_LOG
	if [ $form = list ]; then
		start_memtrace -p "$a,$b" -o "$TMP/$form.ndjson" --bytes -f grow_mib
	else
		start_memtrace -p "$a" -p "$b" -o "$TMP/$form.ndjson" --bytes -f grow_mib
	fi
	wait_start "$TMP/$form.ndjson"
	kill -USR1 "$a" "$b" "$other"
	target_done "$other_log" "$other" 0
	target_done "$a_log" "$a" 0
	# The last traced process's exit ends tracing.
	target_done "$b_log" "$b" 0
	wait_memtrace 20
	assert_rc 0 "-p ($form)"
	for t in "$a:$a_log" "$b:$b_log"; do
		pid=${t%%:*} log=${t#*:}
		assert_proc_fn "$MT_OUT" grow_mib "$pid" 2 "$(truth_total "$log")"
		read -r -a row <<<"$(procs_row "$MT_OUT" "$pid")"
		assert_close "-p ($form): process $pid: growth" "$(procs_size "${row[*]}" 9)" "$(truth_span "$log")"
	done
	assert_proc_rows "$MT_OUT" "$a" "$b"
	assert_eq "-p ($form): processes in 'Functions by process'" "$(procs_fn_pids "$MT_OUT" grow_mib | paste -sd' ')" \
		"$(printf '%s\n' "$a" "$b" | sort -n | paste -sd' ')"
	read -r -a row <<<"$(table_row "$MT_OUT" grow_mib)"
	assert_eq "-p ($form): grow_mib calls, both processes" "${row[1]:-}" 4
	assert_close "-p ($form): grow_mib growth, both processes" "${row[2]}" "$(($(truth_total "$a_log") + $(truth_total "$b_log")))"
	assert_eq "-p ($form): call records of the untraced process $other" \
		"$(mtq "$TMP/$form.ndjson" "len([c for c in calls('grow_mib') if c['pid'] == $other])")" 0
done
