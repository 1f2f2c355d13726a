#!/bin/bash
# a run that meets more ended processes than it keeps: the largest growers stay, right, and the rest is counted
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# 1300 short children (tests/targets/churn.c), 16 at a time, each exec'd
# anew: 1 MiB in grow_mib, every 100th 4 MiB. memtrace keeps 1024 ended
# processes (MT_PROCS_KEEP_ENDED in user/procs.h), the largest growers, so the
# thirteen big ones must be there with their own figures.
n=1300 keep=1024
launch_target churn -v --bytes -f grow_mib -- "$n" 16 1
[ "$(grep -c ' rss_after ' "$T_LOG")" -eq "$n" ] || fail "churn did not run its $n children: $(tail -3 "$T_LOG")"
parent=$(log_pid "$T_LOG")

assert_eq "processes traced (table title)" \
	"$(sed -n 's/^Processes by RSS growth: \([0-9]*\) traced$/\1/p' "$MT_ERR")" $((n + 1))
rows=$(procs_pids "$MT_ERR" | wc -l)
assert_le "rows of the process table under -v" "$rows" "$keep"
more=$(sed -n 's/^\.\.\. and \([0-9]*\) more (\([0-9]*\) ended and not kept: at most '"$keep"' ended are)$/\1 \2/p' "$MT_ERR")
[ -n "$more" ] || fail "no '... and N more (N ended and not kept...)' line: $(grep -A2 -B2 'more' "$MT_ERR" | head)"
read -r hidden dropped <<<"$more"
assert_eq "ended processes not kept" "$dropped" "$hidden"
assert_eq "rows shown plus those not kept" $((rows + dropped)) $((n + 1))

# The big children: kept, each its own growth, in both tables.
big=$(awk '$1 == "pid" && $3 == "rss_before" { b[$2] = $4 } $1 == "pid" && $3 == "rss_after" && $4 - b[$2] > 3 * 1048576 { print $2 }' "$T_LOG")
assert_eq "big children in the log" "$(echo "$big" | wc -w)" 13
for pid in $big; do
	assert_child_row "$MT_ERR" "$T_LOG" "$parent" "$pid"
	assert_proc_fn "$MT_ERR" grow_mib "$pid" 1 "$(forker_truth "$T_LOG" "$pid")"
done

# The function table counts every call; "Functions by process" shows the kept ones and counts the others.
read -r -a row <<<"$(table_row "$MT_ERR" grow_mib)"
assert_eq "grow_mib calls, all processes" "${row[1]:-}" "$n"
fn_rows=$(procs_fn_pids "$MT_ERR" grow_mib | grep -c "^[0-9]")
fn_more=$(sed -n 's/^grow_mib  *\.\.\. and \([0-9]*\) more processes (\([0-9]*\) ended and not kept)$/\1 \2/p' "$MT_ERR")
[ -n "$fn_more" ] || fail "no 'grow_mib ... and N more processes (N ended and not kept)' line: $(grep 'more processes' "$MT_ERR")"
read -r hidden fn_dropped <<<"$fn_more"
assert_eq "grow_mib: rows shown plus those not kept" $((fn_rows + fn_dropped)) "$n"
ok "$n ended children: $rows rows kept, $dropped counted; the 13 largest right"
