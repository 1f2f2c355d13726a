#!/bin/bash
# summary.functions equal the sums over the call records (calls, open, growth, maxima, thread_growth)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

log=$(new_log threads)
run_memtrace -o /dev/stdout -f thread_work -- "$TARGETS/threads" --log "$log" 3
assert_rc 0 "threads"
assert_eq "thread_work calls" "$(mtq "$MT_OUT" "len(calls('thread_work'))")" 3
assert_summary_sums "$MT_OUT"

# Several functions, one call left open by exit() inside it.
log=$(new_log exiter)
run_memtrace -o /dev/stdout -f exit_work -f main -- "$TARGETS/exiter" --log "$log" 4 0 inside
assert_rc 0 "exiter"
assert_eq "exit_work completed calls" "$(mtq "$MT_OUT" "len(calls('exit_work'))")" 4
assert_eq "exit_work open calls" "$(mtq "$MT_OUT" "len(calls('exit_work', True))")" 1
assert_eq "main open calls" "$(mtq "$MT_OUT" "len(calls('main', True))")" 1
assert_summary_sums "$MT_OUT"

# Two calls open at once in two threads.
log=$(new_log concurrent)
run_memtrace -o /dev/stdout -f par_work -- "$TARGETS/concurrent" --log "$log"
assert_rc 0 "concurrent"
assert_eq "par_work calls" "$(mtq "$MT_OUT" "len(calls('par_work'))")" 2
assert_summary_sums "$MT_OUT"
