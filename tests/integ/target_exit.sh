#!/bin/bash
# the target exiting mid-trace ends tracing: exit record, open call marked "open", exit 0
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# exit(3) from inside the 6th exit_work call.
start_target exiter --wait 5 3 inside
json=$TMP/run.ndjson
trace_attached "$json" 3 "attach mode, target exited" -f exit_work

assert_eq "exit records" "$(mtq "$json" "len(of('exit'))")" 1
assert_eq "exit record pid" "$(mtq "$json" "of('exit')[0]['pid']")" "$T_PID"
# status: the exit code or the raw wait status of exit(3).
status=$(mtq "$json" "of('exit')[0]['status']")
case $status in
3 | 768) ok "exit record status $status" ;;
*) fail "exit record status $status, want 3 (or wait status 768)" ;;
esac
assert_eq "summary is the last record" "$(mtq "$json" "recs[-1]['type']")" summary
assert_calls_match "$json" exit_work "$T_LOG"
assert_eq "open call records" "$(mtq "$json" "len(calls('exit_work', True))")" 1
assert_eq "summary open" "$(mtq "$json" "fn('exit_work')['open']")" 1
assert_eq "summary calls (completed only)" "$(mtq "$json" "fn('exit_work')['calls']")" 5
# The open call grew by its 1 MiB before exit(): RSS torn down by the exit
# itself is no part of the call.
want=$(awk '/^open_before / { b = $2 } /^open_inside / { print $2 - b }' "$T_LOG")
assert_close "open call growth" "$(mtq "$json" "calls('exit_work', True)[0]['growth']")" "$want"
assert_close "open call thread_growth" "$(mtq "$json" "calls('exit_work', True)[0]['thread_growth']")" "$want"
