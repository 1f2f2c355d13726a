#!/bin/bash
# --listen: Debian's prometheus scrapes /metrics every second during a run; its HTTP API gives each function's calls exactly and growth within 2% of the targets' own figures (one process, and a parent with forked children)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/listen.sh"
require_env

START=$TMP/go HOLD=$TMP/hold
# One process, held after its calls so it stays (and stays in /metrics).
GROW_LOG=$(new_log grow)
listen_memtrace -f grow_mib -- "$TARGETS/grow" --wait-file "$START" --hold-file "$HOLD" --log "$GROW_LOG" 8 16 24
GROW_MT=$MT_PID GROW_ADDR=$MT_ADDR GROW_ERR=$MT_ERR
# A parent and two children, one after another: the children end before the scrapes that count.
FORK_LOG=$(new_log forker)
listen_memtrace -f grow_mib -- "$TARGETS/forker" --wait-file "$START" --hold-file "$HOLD" --log "$FORK_LOG" 4 12 20
FORK_MT=$MT_PID FORK_ADDR=$MT_ADDR

prom_start grow="$GROW_ADDR" forker="$FORK_ADDR"
prom_wait 'sum(up{job=~"grow|forker"})' 2
ok "prometheus scrapes both runs (up)"
touch "$START"
wait_for_line "$GROW_LOG" '^done$' 20 || fail "grow did not finish: $(cat "$GROW_LOG")"
for _ in $(seq 100); do [ "$(forker_pids "$FORK_LOG" | wc -l)" -eq 3 ] && break; sleep 0.1; done
wait_for_line "$FORK_LOG" '^done$' 20 || fail "forker did not finish: $(cat "$FORK_LOG")"

# Exact calls once a scrape after the last call is in.
prom_wait 'sum(memtrace_calls_total{job="grow",function="grow_mib"})' 3
ok "grow: sum(memtrace_calls_total{function=\"grow_mib\"}) = 3"
want=$(truth_growth "$GROW_LOG" | awk '{ s += $1 } END { print s }')
got=$(prom_query 'sum(memtrace_growth_bytes{job="grow",function="grow_mib"})')
assert_close "grow: sum(memtrace_growth_bytes{function=\"grow_mib\"})" "$got" "$want"
MT_ERR=$GROW_ERR
got=$(prom_query "memtrace_process_rss_bytes{job=\"grow\",pid=\"$(log_pid "$GROW_LOG")\",comm=\"grow\"}")
assert_close "grow: memtrace_process_rss_bytes of its pid and comm" "$got" \
	"$(awk '/^rss_after / { a = $2 } END { print a }' "$GROW_LOG")"

# Series of ended processes may leave /metrics once scraped: each series' last value counts.
prom_wait 'sum(last_over_time(memtrace_calls_total{job="forker",function="grow_mib"}[5m]))' 3
ok "forker: the calls of the parent and its two children = 3"
want=0
for pid in $(forker_pids "$FORK_LOG"); do
	want=$((want + $(forker_truth "$FORK_LOG" "$pid")))
done
got=$(prom_query 'sum(last_over_time(memtrace_growth_bytes{job="forker",function="grow_mib"}[5m]))')
assert_close "forker: growth summed over its 3 processes" "$got" "$want"
got=$(prom_query 'count(last_over_time(memtrace_growth_bytes{job="forker",function="grow_mib"}[5m]))')
assert_eq "forker: one growth series per process" "$got" 3

touch "$HOLD"
for MT_PID in "$GROW_MT" "$FORK_MT"; do
	kill -INT "$MT_PID"
	wait_memtrace 20
	assert_rc 0 "memtrace --listen, stopped by SIGINT after its command ended"
done
