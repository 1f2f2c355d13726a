#!/bin/bash
# unknown function: exit 1, one line naming the objects searched and close names; target unharmed
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

start_target grow --wait 4
run_memtrace -p "$T_PID" -f grow_mb
assert_error 1 "attach, -f grow_mb"
grep -q 'grow_mb' "$MT_ERR" || fail "message does not name grow_mb"
grep -q 'grow_mib' "$MT_ERR" || fail "message suggests no close name (grow_mib)"
grep -Eq "(^|[/ '\"(])grow([^_a-z]|\$)" "$MT_ERR" || fail "message does not name the object searched (grow)"
ok "message: $(cat "$MT_ERR")"

# One good and one bad spec: nothing may stay attached from the good one.
run_memtrace -p "$T_PID" -f grow_mib -f no_such_function_xyz
assert_error 1 "attach, -f grow_mib -f no_such_function_xyz"
grep -q 'no_such_function_xyz' "$MT_ERR" || fail "message does not name no_such_function_xyz"

# An unknown object in OBJECT:NAME.
run_memtrace -p "$T_PID" -f libnosuch.so.9:grow_mib
assert_error 1 "attach, -f libnosuch.so.9:grow_mib"
grep -q 'libnosuch.so.9' "$MT_ERR" || fail "message does not name libnosuch.so.9"

assert_unharmed "$T_PID"
kill -USR1 "$T_PID"
target_done "$T_LOG" "$T_PID" 0

# Launch mode: the same error before the command does any work.
log=$(new_log grow)
run_memtrace -f grow_mb -- "$TARGETS/grow" --log "$log" 4
assert_error 1 "launch, -f grow_mb"
grep -q 'grow_mib' "$MT_ERR" || fail "launch: message suggests no close name (grow_mib)"
