#!/bin/bash
# launch mode with a missing or non-executable command: exit 1, one line naming it
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

run_memtrace -f main -- "$TMP/no/such/command"
assert_error 1 "missing path"
grep -q "$TMP/no/such/command" "$MT_ERR" || fail "message does not name the command"

run_memtrace -f main -- memtrace-no-such-command-xyz
assert_error 1 "command not in PATH"
grep -q 'memtrace-no-such-command-xyz' "$MT_ERR" || fail "message does not name the command"

cp "$TARGETS/grow" "$TMP/notexec"
chmod 644 "$TMP/notexec"
run_memtrace -f grow_mib -- "$TMP/notexec" 4
assert_error 1 "not executable"
grep -q "notexec" "$MT_ERR" || fail "message does not name the command"

run_memtrace -f main -- "$TMP"
assert_error 1 "a directory"
