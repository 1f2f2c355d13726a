#!/bin/bash
# -f across programs: a launched shell that execs the traced program, with --children: the spec dash lacks is attached at the exec, its calls' growth right; a spec no program had is said at the end; without --children (a typo's case) and with --no-children, the hard error
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# The command is dash, which has no grow_mib; it execs grow, which has. grow
# waits for $go until memtrace says (-v) it attached grow_mib there: calls in
# the first milliseconds after an exec are not seen (README).
go=$TMP/go
log=$(new_log grow)
json=$TMP/exec.ndjson
# shellcheck disable=SC2016 # expanded by sh: the program and its arguments
start_memtrace -v --children --bytes --no-stacks -o "$json" -f grow_mib -f no_such_fn -- \
	sh -c 'exec "$0" --wait-file "$1" --log "$2" 4 9' "$TARGETS/grow" "$go" "$log"
wait_for_line "$MT_ERR" '^memtrace: process [0-9]+: 1 more function traced$' 20 ||
	fail "grow_mib was not attached after the exec"
touch "$go"
wait_memtrace 30
assert_rc 0 "memtrace -f grow_mib -f no_such_fn -- sh -c 'exec grow ...'"
assert_finished "$log"
pid=$(log_pid "$log")
# The command's process itself execs: the function is found in its new program.
grep -qx "memtrace: process $pid: 1 more function traced" "$MT_ERR" ||
	fail "the attach is not said for the command's process $pid: $(grep 'more function' "$MT_ERR")"
for f in grow_mib no_such_fn; do
	grep -q "^memtrace: warning: function '$f' not found: .*; it is looked for again in each program the traced processes run$" "$MT_ERR" ||
		fail "no start warning that dash lacks $f"
done
ok "at the start: a warning for each spec dash lacks, not an error"
grep -qx "memtrace: warning: -f no_such_fn: no traced program had it; nothing was traced for it" "$MT_ERR" ||
	fail "no end warning for the spec no program had"
! grep -q "warning: -f grow_mib: no traced program" "$MT_ERR" ||
	fail "an end warning for grow_mib, which grow had"
ok "at the end: a warning for no_such_fn alone"

# Both calls, after the exec, as grow measured them.
read -r -a row <<<"$(table_row "$MT_ERR" grow_mib)"
assert_eq "grow_mib calls" "${row[1]:-}" 2
assert_close "grow_mib growth" "${row[2]}" "$(truth_growth "$log" | awk '{ s += $1 } END { print s }')"
assert_calls_match "$json" grow_mib "$log"
assert_eq "call records' pid" "$(mtq "$json" "sorted(set(c['pid'] for c in calls('grow_mib')))")" "$pid"

# Without --children, a name the command's program lacks is the error a typo
# deserves, and it says how to look further; nothing runs.
# shellcheck disable=SC2016 # expanded by sh
run_memtrace -f grow_mib -- sh -c 'exec "$0" 1' "$TARGETS/grow"
assert_error 1 "-f grow_mib -- sh -c 'exec grow'"
grep -q "function 'grow_mib' not found.*; if the command runs another program that has it, add --children$" "$MT_ERR" ||
	fail "no hint to --children: $(cat "$MT_ERR")"

# --no-children: the command's process alone, whose program is dash: a spec
# it lacks is the error it always was, and nothing runs.
# shellcheck disable=SC2016 # expanded by sh
run_memtrace --no-children -f grow_mib -- sh -c 'exec "$0" 1' "$TARGETS/grow"
assert_error 1 "--no-children -f grow_mib -- sh -c 'exec grow'"
grep -q "function 'grow_mib' not found" "$MT_ERR" || fail "--no-children: not the not-found error: $(cat "$MT_ERR")"
