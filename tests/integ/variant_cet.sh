#!/bin/bash
# -fcf-protection=full executable (functions start with endbr64): launch and attach mode trace grow_mib correctly
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
bin=grow-cet
[ -x "$TARGETS/$bin" ] || skip "$TARGETS/$bin not built: run make targets"

log=$(new_log $bin)
run_memtrace --json -f grow_mib -- "$TARGETS/$bin" --log "$log" 8 16 4
assert_rc 0 "launch $bin"
assert_calls_match "$MT_OUT" grow_mib "$log"
assert_summary_growth "$MT_OUT" grow_mib "$log"

start_target $bin --wait 4 12
json=$TMP/run.ndjson
start_memtrace -p "$T_PID" -o "$json" -f grow_mib
wait_start "$json"
kill -USR1 "$T_PID"
target_done "$T_LOG" "$T_PID" 0
wait_memtrace 20
assert_rc 0 "attach $bin"
assert_calls_match "$json" grow_mib "$T_LOG"
