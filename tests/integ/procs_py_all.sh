#!/bin/bash
# a Python function with -a (one CPython process started before memtrace, one of another version after) and --cgroup (one inside, one outside): each process inside charged its own growth, none outside
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

require_py_interps "-a and --cgroup with Python" 3.12.1 3.11.7
before=${PY_INTERPS[0]} after=${PY_INTERPS[1]}
go=$TMP/go
mt_args=(--bytes -v --no-stacks -d 60 -f pool_work)

# memtrace walks PID's frames: it found its interpreter and its _PyRuntime.
wait_walked()
{
	wait_for_line "$MT_ERR" "^memtrace: process $1: (CPython 3\\.[0-9]+, frames walked$|found _PyRuntime)" 30 ||
		fail "memtrace did not find process $1's interpreter: $(cat "$MT_ERR")"
}

# finish PID:LOG...: the go signal, the processes' end, memtrace's (SIGINT).
finish()
{
	local t
	touch "$go"
	for t in "$@"; do
		target_done "${t#*:}" "${t%%:*}" 0
	done
	kill -INT "$MT_PID"
	wait_memtrace 30
	assert_rc 0 "memtrace ${mt_args[*]}, ended by SIGINT"
}

# assert_own PID LOG: PID's pool_work row has its growth, as it measured it.
assert_own() { assert_proc_fn "$MT_OUT" pool_work "$1" - "$(forker_truth "$2" "$1")"; }

# -a: a process running at the start, and one that starts later. A native
# program started after the first (a lower pid is examined first) still has
# grow_mib, which the Python processes may have too; a name no program has is
# said never seen.
py_start_target "$before" one.py --wait-file "$go" 4
a=$T_PID a_log=$T_LOG
start_target grow --wait-file "$go" 2
g=$T_PID g_log=$T_LOG
start_memtrace -a "${mt_args[@]}" -f grow_mib -f nowhere_fn
wait_walked "$a"
py_start_target "$after" one.py --wait-file "$go" 6
b=$T_PID b_log=$T_LOG
wait_walked "$b"
finish "$a:$a_log" "$b:$b_log" "$g:$g_log"
assert_own "$a" "$a_log"
assert_own "$b" "$b_log"
assert_proc_fn "$MT_OUT" grow_mib "$g" 1 "$(truth_growth "$g_log")"
! grep -q -- "-f pool_work: no traced program had it" "$MT_ERR" || fail "-a: pool_work said never seen"
! grep -q -- "-f grow_mib: no traced program had it" "$MT_ERR" || fail "-a: grow_mib said never seen"
grep -q -- "^memtrace: warning: -f nowhere_fn: no traced program had it" "$MT_ERR" ||
	fail "-a: nowhere_fn not said never seen: $(grep nowhere_fn "$MT_ERR")"
ok "-a: only nowhere_fn said never seen"

# --cgroup: the process inside, not the one outside.
make_test_cgroup
rm -f "$go"
py_start_target "$before" one.py --wait-file "$go" 3
in=$T_PID in_log=$T_LOG
echo "$in" >"$cg/cgroup.procs" || fail "cannot move $in into $cg"
py_start_target "$after" one.py --wait-file "$go" 5
out=$T_PID out_log=$T_LOG
start_memtrace --cgroup "$cg" "${mt_args[@]}"
wait_walked "$in"
finish "$in:$in_log" "$out:$out_log"
assert_own "$in" "$in_log"
assert_eq "--cgroup: processes with a pool_work row" "$(procs_fn_pids "$MT_OUT" pool_work | paste -sd' ')" "$in"
