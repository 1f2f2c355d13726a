#!/bin/bash
# a Python multiprocessing pool (fork): each worker's pool_work growth against its own, by frame walking (pyenv 3.12) and --exact (Debian's 3.11)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

S=pool.py
# A pool of 2 workers; the parent's pool_work(3), then the workers' of 4 and 6 MiB.
ARGS=(2 3 4 6)

# check_processes MODE OUT LOG: the parent and its workers in the
# Processes table, each worker with the parent as PPID.
check_processes()
{
	local mode=$1 out=$2 log=$3 parent pid
	local -a pids row
	parent=$(log_pid "$log")
	forker_check "$log" "$parent" 3
	mapfile -t pids < <(forker_pids "$log")
	for pid in "${pids[@]:1}"; do
		read -r -a row <<<"$(procs_row "$out" "$pid")"
		assert_eq "$mode: worker $pid: PPID" "${row[1]:-}" "$parent"
		assert_eq "$mode: worker $pid: joined" "${row[3]:-}" fork
	done
}

# check_by_process MODE OUT LOG CALLS: each process's row for pool_work in
# "Functions by process" ("-" calls when frames are walked) against its own
# measurement.
check_by_process()
{
	local mode=$1 out=$2 log=$3 pid
	for pid in $(forker_pids "$log"); do
		assert_proc_fn "$out" pool_work "$pid" "$4" "$(forker_truth "$log" "$pid")"
	done
}

total() { for pid in $(forker_pids "$1"); do forker_truth "$1" "$pid"; done | awk '{ s += $1 } END { print s }'; }

# Its pids' lines are as tests/targets/forker.c writes them (forker_* helpers).

# Frame walking (the default): no calls counted, the growth is.
if interp=$(py_interp_first 3.12.1); then
	py_launch "$interp" "$S" --bytes -o "$TMP/frames.ndjson" -f pool_work -- "${ARGS[@]}"
	frames_out=$MT_ERR frames_log=$T_LOG
	read -r -a row <<<"$(table_row "$frames_out" pool_work)"
	assert_close "frames: pool_work growth, all processes" "${row[2]:-}" "$(total "$frames_log")"
	check_processes frames "$frames_out" "$frames_log"
else
	py_interp_missing "$S by frame walking"
fi

# --exact: each call's record carries its own process.
if [ -x "$PY_USDT" ] && readelf -n "$PY_USDT" 2>/dev/null | grep -q function__entry; then
	json=$TMP/exact.ndjson
	py_launch "$PY_USDT" "$S" --exact --bytes -o "$json" -f pool_work -- "${ARGS[@]}"
	exact_out=$MT_ERR exact_log=$T_LOG
	for pid in $(forker_pids "$exact_log"); do
		assert_eq "--exact: process $pid: pool_work calls" \
			"$(mtq "$json" "len([c for c in calls('pool_work') if c['pid'] == $pid])")" 1
		assert_close "--exact: process $pid: pool_work call growth" \
			"$(mtq "$json" "[c['growth'] for c in calls('pool_work') if c['pid'] == $pid][0]")" \
			"$(forker_truth "$exact_log" "$pid")"
	done
	check_processes --exact "$exact_out" "$exact_log"
else
	py_usdt_missing
fi

# Per process in the tables, as for native functions (tests/integ/procs_fork.sh).
[ -z "${frames_out:-}" ] || check_by_process frames "$frames_out" "$frames_log" -
[ -z "${exact_out:-}" ] || check_by_process --exact "$exact_out" "$exact_log" 1
