#!/bin/bash
# --json output (plain, threads, open calls, -o file) passes tests/jsonlint.py
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_jsonlint

lint()
{
	local out
	out=$("$PY" "$JSONLINT" "$1" 2>&1) || fail "jsonlint $2: $out
--- stream:
$(head -c 4000 "$1")"
	ok "jsonlint $2"
}

log=$(new_log grow)
run_memtrace -o /dev/stdout -f grow_mib -- "$TARGETS/grow" --log "$log" 8 4
assert_rc 0 "grow --json"
lint "$MT_OUT" "grow --json"

log=$(new_log threads)
run_memtrace -o /dev/stdout -f thread_work -f idle_work -- "$TARGETS/threads" --log "$log" 1
assert_rc 0 "threads --json"
lint "$MT_OUT" "threads --json (two targets, one never called)"

# A call still open at the end ("open": true) and an exit record.
log=$(new_log exiter)
run_memtrace -o /dev/stdout -f exit_work -- "$TARGETS/exiter" --log "$log" 2 0 inside
assert_rc 0 "exiter --json"
assert_eq "open calls" "$(mtq "$MT_OUT" "len(calls('exit_work', True))")" 1
lint "$MT_OUT" "exiter --json (open call)"

# -o FILE with the table on stdout: the file is a stream, stdout is not.
log=$(new_log grow)
run_memtrace -o "$TMP/o.ndjson" -f grow_mib -- "$TARGETS/grow" --log "$log" 4
assert_rc 0 "grow -o"
lint "$TMP/o.ndjson" "grow -o FILE"
