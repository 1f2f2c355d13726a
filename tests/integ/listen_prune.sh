#!/bin/bash
# --listen: an ended process stays in /metrics, at its final figures, until a response carrying it was sent; the next scrape no longer has it, while the running parent stays; an ended command is reaped at once
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/listen.sh"
. "$LIB_DIR/lib/procs.sh"
require_env
require_py_interps "a Python process under --listen" 3.12.1

START=$TMP/go HOLD=$TMP/hold LOG=$(new_log forker)
# A parent and two children, one after another; the parent stays (held) once they have ended.
listen_memtrace -f grow_mib -- "$TARGETS/forker" --wait-file "$START" --hold-file "$HOLD" --log "$LOG" 4 12 20
touch "$START"
wait_for_line "$LOG" '^done$' 20 || fail "forker did not finish: $(cat "$LOG")"
mapfile -t pids < <(forker_pids "$LOG")
assert_eq "forker: processes that made a call" "${#pids[@]}" 3
parent=$(log_pid "$LOG")
# The children's exit records reach memtrace within a turn of its loop.
sleep 0.5

http_get metrics >"$TMP/m1" && assert_eq "first /metrics: status" "$(http_code)" 200
http_get metrics >"$TMP/m2" && assert_eq "second /metrics: status" "$(http_code)" 200
for pid in "${pids[@]}"; do
	labels="pid=\"$pid\""
	assert_eq "first scrape: calls of pid $pid" "$(metric_sum "$TMP/m1" memtrace_calls_total "$labels")" 1
	assert_close "first scrape: growth of pid $pid" \
		"$(metric_sum "$TMP/m1" memtrace_growth_bytes "$labels")" "$(forker_truth "$LOG" "$pid")"
	if [ "$pid" = "$parent" ]; then
		assert_close "second scrape: the running parent's growth is still there" \
			"$(metric_sum "$TMP/m2" memtrace_growth_bytes "$labels")" "$(forker_truth "$LOG" "$pid")"
		grep -q "^memtrace_process_rss_bytes{$labels" "$TMP/m2" ||
			fail "second scrape: the running parent $pid has no memtrace_process_rss_bytes"
	elif grep -q "$labels" "$TMP/m2"; then
		fail "second scrape: ended child $pid is still there: $(grep "$labels" "$TMP/m2")"
	fi
done
ok "ended children dropped once scraped, the parent kept"

# The launched parent ends: memtrace serves on, and reaps it at once (no zombie until the stop).
touch "$HOLD"
for _ in $(seq 100); do [ -e "/proc/$parent" ] || break; sleep 0.05; done
[ -e "/proc/$parent" ] && fail "the ended command $parent is still there: $(ps -o pid=,stat= -p "$parent")"
ok "the ended command was reaped while memtrace serves on"
kill -INT "$MT_PID"
wait_memtrace 20
assert_rc 0 "memtrace --listen, stopped by SIGINT: the command's status"

# Python by frame walking: its growth comes back at each scrape from the walked lines,
# so a dropped process must not return with them (as pid "?" rows).
LOG=$(new_log py)
listen_memtrace --children -f pool_work -- sh -c "\"${PY_INTERPS[0]}\" \"$PY_TARGETS/one.py\" --log \"$LOG\" 6; sleep 30"
wait_for_line "$LOG" '^done$' 20 || fail "one.py did not finish: $(cat "$LOG")"
pid=$(forker_pids "$LOG")
for _ in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.05; done
sleep 0.3
http_get metrics >"$TMP/p1"
http_get metrics >"$TMP/p2"
assert_close "Python, first scrape after its end: pool_work growth of pid $pid" \
	"$(metric_sum "$TMP/p1" memtrace_growth_bytes "pid=\"$pid\"")" "$(forker_truth "$LOG" "$pid")"
grep -q "pid=\"$pid\"" "$TMP/p2" && fail "Python, second scrape: ended $pid is back: $(grep "pid=\"$pid\"" "$TMP/p2")"
grep -q 'comm="?"' "$TMP/p2" && fail "Python, second scrape: rows of no process: $(grep 'comm="?"' "$TMP/p2")"
ok "Python: the ended process dropped once scraped, and its walked growth not added back"
kill -INT "$MT_PID"
wait_memtrace 20
