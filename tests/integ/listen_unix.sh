#!/bin/bash
# --listen with --cgroup on a Unix socket (a new file, served, removed at SIGTERM) and with -a on TCP: each process's figures in /metrics as it measured them
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/listen.sh"
require_env

make_test_cgroup
go=$TMP/go hold=$TMP/hold sock=$TMP/memtrace.sock
start_target grow --wait-file "$go" --hold-file "$hold" 4 8
pid=$T_PID log=$T_LOG
echo "$pid" >"$cg/cgroup.procs" || fail "cannot move $pid into $cg"
start_memtrace --cgroup "$cg" -f grow_mib --listen "unix:$sock" -o "$TMP/cg.ndjson"
wait_start "$TMP/cg.ndjson"
grep -qx "memtrace: serving /metrics and /pprof on unix:$sock" "$MT_ERR" ||
	fail "memtrace does not say where it serves: $(cat "$MT_ERR")"
[ -S "$sock" ] || fail "no socket at $sock"
ok "serving on unix:$sock"
touch "$go"
wait_for_line "$log" '^done$' 10 || fail "grow did not finish: $(cat "$log")"
curl -s --max-time 5 --unix-socket "$sock" http://memtrace/metrics >"$TMP/metrics" ||
	fail "GET /metrics on $sock failed"
assert_eq "calls of grow_mib in $pid" \
	"$(metric_sum "$TMP/metrics" memtrace_calls_total "function=\"grow_mib\",object=\"$TARGETS/grow\",pid=\"$pid\",comm=\"grow\"")" 2
assert_close "growth of grow_mib in $pid" \
	"$(metric_sum "$TMP/metrics" memtrace_growth_bytes "pid=\"$pid\"")" \
	"$(truth_growth "$log" | awk '{ s += $1 } END { print s }')"
kill -TERM "$MT_PID"
wait_memtrace 20
assert_rc 0 "memtrace --cgroup --listen unix:, stopped by SIGTERM"
[ ! -e "$sock" ] || fail "the socket $sock is left behind"
ok "the socket is removed at the end"
touch "$hold"
target_done "$log" "$pid" 0

# -a: a process started later grows; its RSS is served.
rm -f "$go" "$hold"
listen_memtrace -a --no-stacks -v
wait_for_line "$MT_ERR" '^memtrace: tracing 0 functions in every process; Ctrl-C to stop$' 30 ||
	fail "memtrace -a did not start tracing: $(cat "$MT_ERR")"
start_target grow --wait-file "$go" --hold-file "$hold" 16
touch "$go"
wait_for_line "$T_LOG" '^done$' 10 || fail "grow did not finish: $(cat "$T_LOG")"
sleep 0.2
http_get metrics >"$TMP/metrics"
assert_close "-a: memtrace_process_rss_bytes of $T_PID" \
	"$(metric_sum "$TMP/metrics" memtrace_process_rss_bytes "pid=\"$T_PID\",comm=\"grow\"")" \
	"$(truth_end "$T_LOG")"
kill -INT "$MT_PID"
wait_memtrace 20
assert_rc 0 "memtrace -a --listen, stopped by SIGINT"
touch "$hold"
target_done "$T_LOG" "$T_PID" 0
