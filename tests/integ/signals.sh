#!/bin/bash
# SIGINT or SIGTERM to memtrace ends tracing: table printed, exit 0, target still running unharmed
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

start_target busy
for sig in INT TERM; do
	json=$TMP/run.$sig.ndjson
	start_memtrace -p "$T_PID" -o "$json" -f busy_work
	wait_start "$json"
	sleep 0.5
	kill -"$sig" "$MT_PID"
	wait_memtrace 10
	assert_rc 0 "memtrace after SIG$sig"

	grep -q 'Function' "$MT_OUT" || fail "no table on stdout after SIG$sig: $(cat "$MT_OUT")"
	calls=$(table_row "$MT_OUT" busy_work | awk '{ print $2 }')
	assert_ge "SIG$sig: table calls of busy_work" "${calls:-none}" 5
	assert_eq "SIG$sig: summary is the last record" "$(mtq "$json" "recs[-1]['type']")" summary
	assert_eq "SIG$sig: summary calls = table calls" "$(mtq "$json" "fn('busy_work')['calls']")" "$calls"

	assert_ticking " on SIG$sig"
done
