#!/bin/bash
# MEMTRACE_NO_UPROBE_MULTI=1: single uprobes for a pattern's functions; calls and growth right
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

export MEMTRACE_NO_UPROBE_MULTI=1
json=$TMP/run.ndjson
# 13 functions: fn_000 .. fn_009 (N % 5 + 1 calls a round, 3 rounds) and the growing ones.
launch_target many -v -o "$json" --no-stacks -f 'many:fn_00*' -f 'many:grow_*' -- 3
grep -q 'native functions attach through single uprobes (MEMTRACE_NO_UPROBE_MULTI)' "$MT_ERR" ||
	fail "not attached through single uprobes: $(grep -m1 'attach through' "$MT_ERR")"
assert_eq "functions traced" "$(mtq "$json" "len(summary()['functions'])")" 13
for n in 0 3 9; do
	assert_eq "fn_00$n calls" "$(mtq "$json" "fn('fn_00$n')['calls']")" $((3 * (n % 5 + 1)))
done
mapfile -t truth < <(truth_growth "$T_LOG")
assert_close "grow_four growth" "$(mtq "$json" "fn('grow_four')['growth']")" "${truth[2]}"
assert_close "grow_one growth" "$(mtq "$json" "fn('grow_one')['growth']")" "${truth[0]}"
