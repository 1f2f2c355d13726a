#!/bin/bash
# -f with -a (by path and bare name) and --cgroup: found in the programs running at the start and in those started later, each process's calls and growth its own; a process without the function, or outside the cgroup, has no row
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

go=$TMP/go
mt_args=(--bytes -v --no-stacks -d 60)

# memtrace has resolved -f in every program running: it says it is tracing
# after that (user/main.c take_in_existing), as the start record does.
wait_tracing()
{
	wait_for_line "$MT_ERR" '^memtrace: tracing [0-9]+ functions? in (every process|the cgroup.s processes); Ctrl-C to stop$' 30 ||
		fail "memtrace did not start tracing"
}

# assert_own_calls PID LOG: PID's grow_mib row has its calls and growth, as it measured them.
assert_own_calls()
{
	assert_proc_fn "$MT_OUT" grow_mib "$1" "$(truth_growth "$2" | wc -l)" \
		"$(truth_growth "$2" | awk '{ s += $1 } END { print s }')"
}

# trace_all SPEC: -a -f SPEC on two grows started before memtrace, one
# started after it, and retain (no grow_mib); each grow's calls its own.
trace_all()
{
	local spec=$1 a a_log b b_log c c_log other other_log
	rm -f "$go"
	start_target grow --wait-file "$go" 3 1
	a=$T_PID a_log=$T_LOG
	start_target grow --wait-file "$go" 4
	b=$T_PID b_log=$T_LOG
	start_target retain --wait-file "$go" 2 1024 64
	other=$T_PID other_log=$T_LOG
	start_memtrace -a "${mt_args[@]}" -f "$spec"
	wait_tracing
	grep -q "^memtrace: attached grow_mib in $TARGETS/grow at " "$MT_ERR" ||
		fail "-a -f $spec: grow_mib not attached in the grows running: $(grep attached "$MT_ERR")"
	start_target grow --wait-file "$go" 2 1
	c=$T_PID c_log=$T_LOG
	# Its program is the one examined already: attached, nothing more to find in it.
	wait_for_line "$MT_ERR" "^memtrace: process $c \\(grow\\) exec'd$" 20 ||
		fail "-a -f $spec: memtrace did not see process $c exec grow"
	! grep -q "^memtrace: process $c: .* more function" "$MT_ERR" ||
		fail "-a -f $spec: grow's functions were looked for again in process $c"
	assert_eq "-a -f $spec: attaches in $TARGETS/grow" \
		"$(grep -c "^memtrace: attached grow_mib in $TARGETS/grow at " "$MT_ERR")" 1
	touch "$go"
	for t in "$a:$a_log" "$b:$b_log" "$c:$c_log" "$other:$other_log"; do
		target_done "${t#*:}" "${t%%:*}" 0
	done
	kill -INT "$MT_PID"
	wait_memtrace 30
	assert_rc 0 "memtrace -a -f $spec, ended by SIGINT"
	for t in "$a:$a_log" "$b:$b_log" "$c:$c_log"; do
		assert_own_calls "${t%%:*}" "${t#*:}"
	done
	# Traced (it grew), but its program has no grow_mib.
	[ -n "$(procs_row "$MT_OUT" "$other")" ] || fail "-a -f $spec: retain ($other) not traced"
	[ -z "$(procs_fn_row "$MT_OUT" grow_mib "$other")" ] ||
		fail "-a -f $spec: a grow_mib row for retain ($other), whose program lacks it"
	ok "-a -f $spec: retain ($other) traced, no grow_mib row"
}

trace_all "$TARGETS/grow:grow_mib"
trace_all grow_mib

# --cgroup: only the process inside has rows; the same program outside is not traced.
make_test_cgroup
rm -f "$go"
start_target grow --wait-file "$go" 3 2
in=$T_PID in_log=$T_LOG
echo "$in" >"$cg/cgroup.procs" || fail "cannot move $in into $cg"
start_target grow --wait-file "$go" 4
out=$T_PID out_log=$T_LOG
start_memtrace --cgroup "$cg" "${mt_args[@]}" -f grow_mib
wait_tracing
touch "$go"
target_done "$in_log" "$in" 0
target_done "$out_log" "$out" 0
kill -INT "$MT_PID"
wait_memtrace 30
assert_rc 0 "memtrace --cgroup -f grow_mib, ended by SIGINT"
assert_own_calls "$in" "$in_log"
assert_eq "--cgroup: processes with a grow_mib row" "$(procs_fn_pids "$MT_OUT" grow_mib | paste -sd' ')" "$in"
assert_proc_rows "$MT_OUT" "$in"
