#!/bin/bash
# -d SECONDS ends tracing on time; memtrace detaches and the target keeps running unharmed
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

start_target busy
json=$TMP/run.ndjson
t0=$(date +%s%N)
start_memtrace -d 1 -p "$T_PID" -o "$json" -f busy_work
wait_start "$json"
t1=$(date +%s%N)
wait_memtrace 20
t2=$(date +%s%N)
assert_rc 0 "memtrace -d 1"
# Tracing lasts about 1 s once live (allow for start-up before the start record).
traced=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
total=$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
awk -v t="$traced" -v all="$total" 'BEGIN { exit !(all >= 0.95 && t <= 4) }' ||
	fail "-d 1: ran ${total}s in all, ${traced}s after the start record"
ok "-d 1 ran ${total}s (${traced}s after the start record)"

calls=$(table_row "$MT_OUT" busy_work | awk '{ print $2 }')
assert_ge "table calls of busy_work" "${calls:-none}" 10
assert_eq "summary is the last record" "$(mtq "$json" "recs[-1]['type']")" summary
assert_eq "no exit record (the target did not exit)" "$(mtq "$json" "len(of('exit'))")" 0

assert_ticking
