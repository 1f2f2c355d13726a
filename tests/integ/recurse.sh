#!/bin/bash
# recursion: only outermost calls count (3 calls of rec(10), 10 MiB growth each)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

launch_target recurse -o /dev/stdout -f rec -- 3 10

assert_eq "call records of rec" "$(mtq "$MT_OUT" "len(calls('rec'))")" 3
assert_eq "open calls of rec" "$(mtq "$MT_OUT" "len(calls('rec', True))")" 0
assert_eq "summary calls" "$(mtq "$MT_OUT" "fn('rec')['calls']")" 3
mapfile -t want < <(truth_growth "$T_LOG")
for i in 0 1 2; do
	assert_close "target's own growth, call $((i + 1))" "${want[i]}" $((10 * MIB))
done
assert_calls_match "$MT_OUT" rec "$T_LOG"
assert_summary_growth "$MT_OUT" rec "$T_LOG"
