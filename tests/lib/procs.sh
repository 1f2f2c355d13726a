# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# Part of tests/lib.sh: several traced processes (tests/integ/procs_*.sh):
# the per-process tables memtrace prints (user/procs.c) read with --bytes,
# and the per-process ground truth of the targets that fork
# (tests/targets/forker.c: "pid P rss_before B" / "pid P rss_after A").

# --- memtrace's per-process tables ----------------------------------------

# procs_fn_row OUT FUNC PID: the fields of PID's row for FUNC in "Functions
# by process": Function PID Command Calls Growth B Max/call B.
procs_fn_row()
{
	awk -v f="$2" -v p="$3" '/^Functions by process$/ { s = 1; next } s && /^$/ { s = 0 }
		s && $1 == f && $2 == p { $1 = $1; print; exit }' "$1"
}

# procs_fn_pids OUT FUNC: the pids with a row for FUNC in "Functions by process", sorted.
procs_fn_pids()
{
	awk -v f="$2" '/^Functions by process$/ { s = 1; next } s && /^$/ { s = 0 }
		s && $1 == f { print $2 }' "$1" | sort -n
}

# procs_row OUT PID: the fields of PID's row in "Processes by RSS growth":
# PID PPID Command Joined Start B End B Growth B Peak B Ended...
procs_row()
{
	awk -v p="$2" '/^Processes by RSS growth:/ { s = 1; next } s && !/^ *[0-9]/ && !/^ *PID / { s = 0 }
		s && $1 == p { $1 = $1; print; exit }' "$1"
}

# procs_pids OUT: the pids of the "Processes by RSS growth" table, sorted.
procs_pids()
{
	awk '/^Processes by RSS growth:/ { s = 1; next } s && !/^ *[0-9]/ && !/^ *PID / { s = 0 }
		s && $1 ~ /^[0-9]+$/ { print $1 }' "$1" | sort -n
}

# procs_size ROW N: the size in field N (1-based) of a table row, in bytes:
# under --bytes the number is followed by the field "B".
procs_size()
{
	local -a f
	read -r -a f <<<"$1"
	[ "${f[$2]:-}" = B ] || fail "not a size in bytes at field $2 of row '$1' (run memtrace with --bytes)"
	echo "${f[$(($2 - 1))]}"
}

# assert_proc_fn OUT FUNC PID CALLS GROWTH: PID's row for FUNC in "Functions
# by process" has CALLS calls and GROWTH bytes of growth (within tolerance).
assert_proc_fn()
{
	local out=$1 func=$2 pid=$3 calls=$4 want=$5 row
	row=$(procs_fn_row "$out" "$func" "$pid")
	[ -n "$row" ] || fail "no '$func' row for process $pid in 'Functions by process': $(sed -n '/^Functions by process$/,/^$/p' "$out")"
	assert_eq "process $pid: $func calls" "$(echo "$row" | awk '{ print $4 }')" "$calls"
	assert_close "process $pid: $func growth" "$(procs_size "$row" 5)" "$want"
}

# assert_proc_rows OUT PID...: the "Processes by RSS growth" table lists
# exactly these processes, and its count says so.
assert_proc_rows()
{
	local out=$1 want got n
	shift
	want=$(printf '%s\n' "$@" | sort -n | paste -sd' ')
	got=$(procs_pids "$out" | paste -sd' ')
	assert_eq "processes in the table" "$got" "$want"
	n=$(sed -n 's/^Processes by RSS growth: \([0-9]*\) traced$/\1/p' "$out")
	assert_eq "processes traced (table title)" "$n" "$#"
}

# --- ground truth of the targets -------------------------------------------

# truth_span LOG: a target's growth from before its first measured call to
# after its last (what runs between them faults in code too): all it grew
# while it worked.
truth_span() { awk '/^rss_before / && !b { b = $2 } /^rss_after / { a = $2 } END { print a - b }' "$1"; }

# truth_end LOG: its RSS after its last measured call, as it measured it.
truth_end() { awk '/^rss_after / { a = $2 } END { print a }' "$1"; }

# tests/targets/forker.c and tests/targets/py/pool.py: lines per process.

# forker_pids LOG: the pids that made a measured call, in log order.
forker_pids() { awk '$1 == "pid" && $3 == "rss_before" { print $2 }' "$1"; }

# forker_truth LOG PID: rss_after - rss_before of PID's call, as PID measured it.
forker_truth()
{
	awk -v p="$2" '$1 == "pid" && $2 == p && $3 == "rss_before" { b = $4 }
		$1 == "pid" && $2 == p && $3 == "rss_after" { print $4 - b; exit }' "$1"
}

# forker_rss_after LOG PID: PID's RSS just after its call, as PID measured it.
forker_rss_after() { awk -v p="$2" '$1 == "pid" && $2 == p && $3 == "rss_after" { print $4; exit }' "$1"; }

# assert_child_row OUT LOG PARENT PID: PID's row in "Processes by RSS growth"
# is a child of PARENT traced from its fork (or, already running, from the
# attach), ended with exit 0, and its call (forker's, in LOG) shows in it.
assert_child_row()
{
	local out=$1 log=$2 parent=$3 pid=$4 row f
	row=$(procs_row "$out" "$pid")
	read -r -a f <<<"$row"
	assert_eq "child $pid: PPID" "${f[1]:-}" "$parent"
	assert_eq "child $pid: joined" "${f[3]:-}" fork
	assert_eq "child $pid: ended" "${f[*]:12}" "exit 0"
	# Its RSS at its exit: at least what it measured after its call (its
	# logging after that faults in code its parent had, its fork had not).
	assert_ge "child $pid: end RSS" "$(procs_size "$row" 7)" \
		"$(($(forker_rss_after "$log" "$pid") - TOL_ABS))"
	# The process grew, since its fork, at least by what its call grew it.
	assert_ge "child $pid: process growth" "$(procs_size "$row" 9)" \
		"$(($(forker_truth "$log" "$pid") - TOL_ABS))"
}

# forker_check LOG PARENT N: N measured calls, PARENT's first, each by another process.
forker_check()
{
	local -a pids
	mapfile -t pids < <(forker_pids "$1")
	if [ "${#pids[@]}" -ne "$3" ] || [ "${pids[0]:-}" != "$2" ] ||
		[ "$(printf '%s\n' "${pids[@]}" | sort -u | wc -l)" -ne "$3" ]; then
		fail "measured calls by '${pids[*]}' in $1, want $2's then $(($3 - 1)) other processes': $(cat "$1")"
	fi
}

# make_test_cgroup: a new cgroup v2 directory in $cg (skipped without a cgroup2
# mount), removed by test_cleanup once the harness has killed the targets in
# it (an empty cgroup can be removed).
make_test_cgroup()
{
	local mnt
	mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$mnt" ] || skip "no cgroup v2 hierarchy mounted"
	cg=$mnt/memtrace-test.$$
	mkdir "$cg" || fail "cannot create cgroup $cg"
	test_cleanup()
	{
		for _ in $(seq 50); do
			rmdir "$cg" 2>/dev/null && return 0
			[ -d "$cg" ] || return 0
			sleep 0.1
		done
		echo "FAIL: cannot remove cgroup $cg: $(cat "$cg/cgroup.procs" 2>&1)"
		return 1
	}
}
