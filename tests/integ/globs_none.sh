#!/bin/bash
# a pattern that matches nothing, a Python pattern: exit 1, one line naming what was searched; nothing runs or stays attached
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

start_target many --wait 1
run_memtrace -p "$T_PID" -f 'many:nothing_*'
assert_error 1 "attach, -f many:nothing_*"
grep -q "no function matches 'nothing_\*' in $TARGETS/many" "$MT_ERR" ||
	fail "message does not name the pattern and the object: $(cat "$MT_ERR")"

# Bare: every object of the process was searched, and the message says how many.
run_memtrace -p "$T_PID" -f 'zz_no_such_*'
assert_error 1 "attach, -f zz_no_such_*"
grep -Eq "no function matches 'zz_no_such_\*' in .*many.*\([0-9]+ objects\)" "$MT_ERR" ||
	fail "message does not list the objects searched: $(cat "$MT_ERR")"

# A good pattern with a bad one: nothing of the good one stays attached,
# and the target, unprobed, runs to its end.
run_memtrace -p "$T_PID" -f 'many:fn_*' -f 'many:nothing_*'
assert_error 1 "attach, a good and a bad pattern"
assert_unharmed "$T_PID"
kill -USR1 "$T_PID"
target_done "$T_LOG" "$T_PID" 0

# Launch mode: the error before the command starts.
log=$(new_log many)
run_memtrace -f 'many:nothing_*' -- "$TARGETS/many" --log "$log" 1
assert_error 1 "launch, -f many:nothing_*"
[ ! -s "$log" ] || fail "the command ran: $(cat "$log")"

# Python functions are named one by one.
[ -x /usr/bin/python3.11 ] || skip "no /usr/bin/python3.11"
run_memtrace -f 'lines.py:wo*' -- /usr/bin/python3.11 "$PY_TARGETS/lines.py" 1
assert_error 1 "launch, -f lines.py:wo*"
grep -q "is a pattern, and Python functions are named one by one" "$MT_ERR" ||
	fail "message does not say Python names are given one by one: $(cat "$MT_ERR")"
