#!/bin/bash
# --cgroup: a process inside a cgroup v2 directory and the children it forks there are traced, one outside is not
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

make_test_cgroup

go=$TMP/go
# Inside: the parent's grow_mib(3), then its children's, each its own.
start_target forker --wait-file "$go" 3 2 5
parent=$T_PID in_log=$T_LOG
echo "$parent" >"$cg/cgroup.procs" || fail "cannot move $parent into $cg"
# Outside: the same work, at the same time.
start_target grow --wait-file "$go" 4
out=$T_PID out_log=$T_LOG
start_memtrace --cgroup "$cg" --bytes -o "$TMP/cg.ndjson"
wait_start "$TMP/cg.ndjson"
touch "$go"
target_done "$in_log" "$parent" 0
target_done "$out_log" "$out" 0
kill -INT "$MT_PID"
wait_memtrace 30
assert_rc 0 "memtrace --cgroup, ended by SIGINT"

forker_check "$in_log" "$parent" 3
mapfile -t pids < <(forker_pids "$in_log")
# Exactly the cgroup's processes: not the one outside, not memtrace.
assert_proc_rows "$MT_OUT" "${pids[@]}"
assert_eq "records of the process outside ($out)" \
	"$(mtq "$TMP/cg.ndjson" "len([r for r in recs if r.get('pid') == $out])")" 0

read -r -a row <<<"$(procs_row "$MT_OUT" "$parent")"
assert_eq "parent: joined" "${row[3]}" seen
assert_eq "parent: ended" "${row[*]:12}" "exit 0"
# It joined at its first RSS change, its call's.
assert_close "parent: growth" "$(procs_size "${row[*]}" 9)" "$(forker_truth "$in_log" "$parent")"
assert_close "parent: end RSS" "$(procs_size "${row[*]}" 7)" "$(forker_rss_after "$in_log" "$parent")"
for pid in "${pids[@]:1}"; do
	assert_child_row "$MT_OUT" "$in_log" "$parent" "$pid"
done
