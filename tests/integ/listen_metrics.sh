#!/bin/bash
# --listen /metrics: promtool check metrics passes on a target whose comm and path need escaping (quote, backslash, newline, invalid UTF-8), label values escaped exactly; --max-series drops the smallest and counts them; /, HEAD, 404, 405, 400
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/listen.sh"
command -v promtool >/dev/null || skip "promtool not installed (prometheus, tools/install-deps.sh --test)"
require_env

# grow under a name with a double quote, a backslash, a newline and a byte of invalid UTF-8:
# its comm (the first 15 bytes) and its path come to the labels as they are.
name=$'g"r\\o\nw\xffx'
cp "$TARGETS/grow" "$TMP/$name"
HOLD=$TMP/hold LOG=$(new_log grow)
listen_memtrace -f grow_mib -- "$TMP/$name" --hold-file "$HOLD" --log "$LOG" 4 8
wait_for_line "$LOG" '^done$' 10 || fail "grow did not finish: $(cat "$LOG")"
pid=$(log_pid "$LOG")

http_get metrics >"$TMP/metrics"
assert_eq "GET /metrics" "$(http_code)" 200
promtool check metrics <"$TMP/metrics" >"$TMP/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(cat "$TMP/promtool.out")"
ok "promtool check metrics passes"
"$PY" -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$TMP/metrics" ||
	fail "/metrics is not valid UTF-8"
ok "/metrics is valid UTF-8"
# The escapes of the format, and 0xff read as Latin-1 (U+00FF, as the JSON stream does).
esc=$(printf 'g\\"r\\\\o\\nw\xc3\xbfx')
grep -qF "memtrace_process_rss_bytes{pid=\"$pid\",comm=\"$esc\"} " "$TMP/metrics" ||
	fail "no RSS series with comm=\"$esc\": $(grep process_rss "$TMP/metrics")"
ok "comm label escaped: $esc"
grep -qF "memtrace_calls_total{function=\"grow_mib\",object=\"$TMP/$esc\",pid=\"$pid\",comm=\"$esc\"} 2" \
	"$TMP/metrics" || fail "no calls series of grow_mib with the escaped object: $(grep calls_total "$TMP/metrics")"
ok "object label escaped, 2 calls"
want=$(truth_growth "$LOG" | awk '{ s += $1 } END { print s }')
assert_close "memtrace_growth_bytes of grow_mib" "$(metric_sum "$TMP/metrics" memtrace_growth_bytes 'function="grow_mib"')" "$want"
for fam in memtrace_calls_total:counter memtrace_growth_bytes:gauge memtrace_peak_in_call_bytes:gauge \
	memtrace_process_rss_bytes:gauge memtrace_lost_records_total:counter memtrace_dropped_series_total:counter; do
	grep -qx "# TYPE ${fam%%:*} ${fam#*:}" "$TMP/metrics" || fail "no '# TYPE ${fam%%:*} ${fam#*:}'"
	grep -q "^# HELP ${fam%%:*} " "$TMP/metrics" || fail "no '# HELP ${fam%%:*}'"
done
ok "every family has its HELP and TYPE"
grep -qx 'memtrace_dropped_series_total 0' "$TMP/metrics" || fail "memtrace_dropped_series_total is not 0"
ok "no series dropped"

# The other pages and methods.
http_get "" >"$TMP/index"
assert_eq "GET /" "$(http_code)" 200
grep -q '^/metrics ' "$TMP/index" && grep -q '^/pprof ' "$TMP/index" || fail "/ lists no endpoints: $(cat "$TMP/index")"
assert_eq "HEAD /metrics: no body" "$(http_get metrics -I | grep -c '^memtrace_')" 0
assert_eq "HEAD /metrics" "$(http_code)" 200
http_get metrics -X POST -d x=1 >/dev/null
assert_eq "POST /metrics" "$(http_code)" 405
http_get metrics -X DELETE >/dev/null
assert_eq "DELETE /metrics" "$(http_code)" 405
http_get nothing/here >/dev/null
assert_eq "GET /nothing/here" "$(http_code)" 404
http_get "metrics?x=1" >/dev/null
assert_eq "GET /metrics?x=1" "$(http_code)" 400
touch "$HOLD"
wait_gone "$pid" 10
kill -INT "$MT_PID"
wait_memtrace 20
assert_rc 0 "memtrace --listen, stopped by SIGINT"

# --max-series 2: grow_mib's 3 series do not fit, the process's RSS does; the dropped add up per response.
rm -f "$HOLD"
LOG=$(new_log grow)
listen_memtrace --max-series 2 -f grow_mib -- "$TARGETS/grow" --hold-file "$HOLD" --log "$LOG" 1
wait_for_line "$LOG" '^done$' 10 || fail "grow did not finish: $(cat "$LOG")"
for want in 3 6; do
	http_get metrics >"$TMP/metrics"
	promtool check metrics <"$TMP/metrics" >"$TMP/promtool.out" 2>&1 ||
		fail "promtool check metrics (--max-series 2): $(cat "$TMP/promtool.out")"
	assert_eq "--max-series 2: series of grow_mib" "$(grep -c '^memtrace_[a-z_]*{function=' "$TMP/metrics")" 0
	assert_eq "--max-series 2: RSS series" "$(grep -c '^memtrace_process_rss_bytes{' "$TMP/metrics")" 1
	grep -qx "memtrace_dropped_series_total $want" "$TMP/metrics" ||
		fail "memtrace_dropped_series_total is not $want: $(grep dropped "$TMP/metrics")"
	ok "memtrace_dropped_series_total $want"
done
touch "$HOLD"
kill -INT "$MT_PID"
wait_memtrace 20
assert_rc 0 "memtrace --listen --max-series 2, stopped by SIGINT"
