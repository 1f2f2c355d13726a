#!/bin/bash
# -p PARENT --children takes in the children already running at the attach (joined "fork", PPID the parent) as well as those forked later, each's growth its own
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# forker's first child is forked before memtrace starts, and waits for $go
# beside its parent; the second is forked after the go, the parent's call done.
go=$TMP/go
log=$TMP/forker.log
"$TARGETS/forker" --fork-first 1 --wait-file "$go" 3 5 2 >"$log" 2>&1 &
parent=$!
TARGET_PIDS+=("$parent")
for _ in $(seq 200); do
	[ "$(grep -c '^ready ' "$log")" -eq 2 ] && break
	sleep 0.05
done
early=$(awk -v p="$parent" '/^ready / && $2 != p { print $2; exit }' "$log")
if [ -z "$early" ] || ! grep -qx "ready $parent" "$log"; then
	fail "forker and its first child not both ready: $(cat "$log")"
fi
TARGET_PIDS+=("$early")
assert_eq "child $early's parent, before memtrace" "$(awk '{ print $4 }' "/proc/$early/stat")" "$parent"

start_memtrace -p "$parent" --children -v --bytes --no-stacks -f grow_mib
# The children running are taken in before memtrace says it is tracing.
wait_for_line "$MT_ERR" '^memtrace: tracing [0-9]+ functions? in process [0-9]+ and others; Ctrl-C to stop$' 20 ||
	fail "memtrace did not start tracing"
touch "$go"
target_done "$log" "$parent" 0
wait_memtrace 30
assert_rc 0 "memtrace -p $parent --children, ended by the parent's exit"

mapfile -t pids < <(forker_pids "$log")
assert_eq "processes that made a measured call" "${#pids[@]}" 3
late=$(printf '%s\n' "${pids[@]}" | grep -vx "$parent" | grep -vx "$early")
for pid in "${pids[@]}"; do
	assert_proc_fn "$MT_OUT" grow_mib "$pid" 1 "$(forker_truth "$log" "$pid")"
done
assert_proc_rows "$MT_OUT" "${pids[@]}"
read -r -a row <<<"$(procs_row "$MT_OUT" "$parent")"
assert_eq "parent: joined" "${row[3]}" named
for pid in "$early" "$late"; do
	assert_child_row "$MT_OUT" "$log" "$parent" "$pid"
done
# Taken in at the attach, its RSS read then: its growth is its call's, its end RSS its own.
read -r -a row <<<"$(procs_row "$MT_OUT" "$early")"
assert_close "child $early: process growth" "$(procs_size "${row[*]}" 9)" "$(forker_truth "$log" "$early")"
assert_close "child $early: end RSS" "$(procs_size "${row[*]}" 7)" "$(forker_rss_after "$log" "$early")"
