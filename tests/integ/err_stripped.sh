#!/bin/bash
# stripped binary without the symbol: exit 1, one line saying the binary is stripped; target unharmed
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
[ -x "$TARGETS/grow-stripped" ] || skip "$TARGETS/grow-stripped not built: run make targets"

start_target grow-stripped --wait 4
run_memtrace -p "$T_PID" -f grow_mib
assert_error 1 "attach, stripped"
grep -qi 'stripped' "$MT_ERR" || fail "message does not say stripped: $(cat "$MT_ERR")"
assert_unharmed "$T_PID"
kill -USR1 "$T_PID"
target_done "$T_LOG" "$T_PID" 0

log=$(new_log grow-stripped)
run_memtrace -f grow_mib -- "$TARGETS/grow-stripped" --log "$log" 4
assert_error 1 "launch, stripped"
grep -qi 'stripped' "$MT_ERR" || fail "launch: message does not say stripped: $(cat "$MT_ERR")"
