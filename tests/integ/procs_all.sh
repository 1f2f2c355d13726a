#!/bin/bash
# -a: processes started before memtrace and after it, each with its own growth and stacks rooted at "comm [pid]"; memtrace not among them
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lib/stacks.sh
. "$LIB_DIR/lib/stacks.sh"
require_env

# Each stays, done, until memtrace has ended: its stacks are unwound while it
# runs (a process gone by then is shown as [unknown]).
go=$TMP/go end=$TMP/end
start_target grow --wait-file "$go" --hold-file "$end" 3 1
a=$T_PID a_log=$T_LOG
start_target grow --wait-file "$go" --hold-file "$end" 4
b=$T_PID b_log=$T_LOG
folded=$TMP/all.folded
# -v: every process in the table, not the top 20 of a busy host.
start_memtrace -a -v --bytes --sample-bytes 64K --folded "$folded" -o "$TMP/all.ndjson"
wait_start "$TMP/all.ndjson"
start_target grow --wait-file "$go" --hold-file "$end" 2 1
c=$T_PID c_log=$T_LOG
touch "$go"
for log in "$a_log" "$b_log" "$c_log"; do
	wait_for_line "$log" '^done' 20 || fail "target did not finish its work: $(cat "$log")"
done
kill -INT "$MT_PID"
wait_memtrace 30
assert_rc 0 "memtrace -a, ended by SIGINT"
touch "$end"
for t in "$a:$a_log" "$b:$b_log" "$c:$c_log"; do
	target_done "${t#*:}" "${t%%:*}" 0
done

procs=$(procs_pids "$MT_OUT")
for pid in "$a" "$b" "$c"; do
	echo "$procs" | grep -qx "$pid" || fail "process $pid is not in the Processes table: $(sed -n '/^Processes by RSS growth/,/^$/p' "$MT_OUT")"
done
! echo "$procs" | grep -qx "$MT_PID" || fail "memtrace itself ($MT_PID) is in the Processes table"
ok "processes $a, $b, $c in the table, memtrace ($MT_PID) not"

# Started before memtrace: they join at their first RSS change, so their
# growth is all they grew while traced.
for t in "$a:$a_log" "$b:$b_log"; do
	pid=${t%%:*} log=${t#*:}
	read -r -a row <<<"$(procs_row "$MT_OUT" "$pid")"
	assert_eq "process $pid: joined" "${row[3]}" seen
	assert_eq "process $pid: ended" "${row[*]:12}" running
	assert_close "process $pid: growth" "$(procs_size "${row[*]}" 9)" "$(truth_span "$log")"
	assert_close "process $pid: end RSS" "$(procs_size "${row[*]}" 7)" "$(truth_end "$log")"
done
# Started after it: traced from its fork by the shell; its RSS at the end is its own.
read -r -a row <<<"$(procs_row "$MT_OUT" "$c")"
assert_eq "process $c: ended" "${row[*]:12}" running
assert_close "process $c: end RSS" "$(procs_size "${row[*]}" 7)" "$(truth_end "$c_log")"

# Stacks: each process's root frame "comm [pid]", its calls' growth under it
# (64K samples: each end of a call moves by about one interval). Samples
# the ring buffer had no room for (other processes of a busy host) are
# missing from the stacks, memtrace says so: then only the roots are checked.
[ -s "$folded" ] || fail "no --folded file"
lost=$(grep -c 'stack samples .* lost' "$MT_ERR")
[ "$lost" -eq 0 ] || echo "note: $(grep 'stack samples .* lost' "$MT_ERR"): the stacks' bytes not checked"
for t in "$a:$a_log" "$b:$b_log" "$c:$c_log"; do
	pid=${t%%:*} log=${t#*:}
	grep -q "^grow \[$pid\];" "$folded" ||
		fail "no stack rooted at 'grow [$pid]' in $folded: $(grep -F "[$pid]" "$folded" | head -n 5)"
	[ "$lost" -eq 0 ] || continue
	assert_share "stacks of process $pid through grow_mib" \
		"$(grep "^grow \[$pid\];" "$folded" | folded_bytes /dev/stdin grow_mib)" \
		"$(truth_growth "$log" | awk '{ s += $1 } END { print s }')"
done
