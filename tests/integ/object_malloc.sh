#!/bin/bash
# OBJECT:NAME (libc.so.6:malloc) counts every call: at least the 1000 mallocs the target makes
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# Attach mode: libc is mapped already; the 1000 calls come after the go signal.
start_target mallocs --wait 1000
json=$TMP/run.ndjson
trace_attached "$json" 0 "attach, libc.so.6:malloc" -f libc.so.6:malloc
assert_ge "malloc call records (attach)" "$(mtq "$json" "len(calls('malloc'))")" 1000
assert_ge "summary calls of malloc (attach)" "$(mtq "$json" "fn('malloc')['calls']")" 1000
assert_eq "target kind" "$(mtq "$json" "of('start')[0]['targets'][0]['kind']")" native

# Launch mode: libc.so.6 is not mapped yet when the probes go in.
log=$(new_log mallocs)
run_memtrace -o /dev/stdout -f libc.so.6:malloc -- "$TARGETS/mallocs" --log "$log" 1000
assert_rc 0 "launch, libc.so.6:malloc"
grep -q '^mallocs 1000' "$log" || fail "target did not finish: $(cat "$log")"
assert_ge "malloc call records (launch)" "$(mtq "$MT_OUT" "len(calls('malloc'))")" 1000

# A path as OBJECT: the executable itself.
log=$(new_log grow)
run_memtrace -o /dev/stdout -f "$TARGETS/grow:grow_mib" -- "$TARGETS/grow" --log "$log" 4 8
assert_rc 0 "launch, PATH:grow_mib"
assert_calls_match "$MT_OUT" grow_mib "$log"
