#!/bin/bash
# --json into a reader that goes away (| head): memtrace stops quietly, exit 0, target unharmed
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

start_target busy
# head exits after two records; memtrace's next write gets EPIPE and ends the run.
timeout -k 5 30 bash -c "'$MEMTRACE' --json -i 10 -p $T_PID -f busy_work 2>'$TMP/err' | head -n 2 >'$TMP/out'; exit \${PIPESTATUS[0]}"
rc=$?
[ "$rc" -ne 124 ] || fail "memtrace did not stop after its reader went away"
assert_eq "memtrace exit status after the reader left" "$rc" 0
assert_eq "records the reader got" "$(wc -l <"$TMP/out")" 2
[ ! -s "$TMP/err" ] || fail "memtrace complained about the closed pipe: $(cat "$TMP/err")"
ok "nothing on stderr"
assert_unharmed "$T_PID"
