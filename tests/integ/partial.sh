#!/bin/bash
# calls in progress when memtrace attaches: Python --exact reports them as partial, apart from the counted calls; native and frame walking invent nothing from before the attach
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_jsonlint

# attach_inside JSON ARGS...: memtrace -p $T_PID -o JSON ARGS while the
# target ($T_LOG) waits inside its first call for $TMP/go (and, Python, in
# tail() for a byte on $TMP/fifo); then lets it go on to its end, which
# ends tracing: tail() first, then the call waiting for $TMP/go.
attach_inside()
{
	local json=$1
	shift
	wait_for_line "$T_LOG" '^rss_inside ' 20 || fail "target never got inside its call: $(cat "$T_LOG")"
	start_memtrace -p "$T_PID" -o "$json" "$@"
	wait_start "$json"
	if [ -p "$TMP/fifo" ]; then
		echo x >"$TMP/fifo"
		wait_for_line "$T_LOG" '^rss_tail ' 20 || fail "tail() did not return: $(cat "$T_LOG")"
	fi
	touch "$TMP/go"
	target_done "$T_LOG" "$T_PID" 0
	wait_memtrace 20
	assert_rc 0 "attach inside a call"
	"$PY" "$JSONLINT" "$json" >/dev/null || fail "jsonlint: $("$PY" "$JSONLINT" "$json" 2>&1)"
	rm -f "$TMP/go" "$TMP/fifo"
}

# log_value LOG KEY: the last value of "KEY N" in the target's report.
log_value() { awk -v k="$2" '$1 == k { v = $NF } END { print v }' "$1"; }

# assert_complete_call JSON FUNC: the one complete call matches the target's own deltas.
assert_complete_call()
{
	local json=$1 func=$2 truth
	truth=$(truth_growth "$T_LOG")
	assert_eq "$func: complete calls recorded" \
		"$(mtq "$json" "len([c for c in calls('$func') if not c.get('partial')])")" 1
	assert_close "$func: the complete call's growth" \
		"$(mtq "$json" "[c['growth'] for c in calls('$func') if not c.get('partial')][0]")" "$truth"
	assert_close "$func: summary growth_max, the complete call's" \
		"$(mtq "$json" "fn('$func')['growth_max']")" "$truth"
}

# --- Python, --exact: the calls running at the attach are partial ----------
if [ -x "$PY_USDT" ] && readelf -n "$PY_USDT" 2>/dev/null | grep -q function__entry; then
	json=$TMP/exact.ndjson
	py_start_target "$PY_USDT" partial.py "$TMP/go" 8 16 4 "$TMP/fifo" 2
	attach_inside "$json" --exact -f span -f tail
	inside=$(log_value "$T_LOG" rss_inside)
	partial="[c for c in calls('span') if c.get('partial')]"
	assert_eq "exact: span's partial call records" "$(mtq "$json" "len($partial)")" 1
	# Measured from when tracing began (RSS then: as while waiting), not from
	# its entry: all the process did meanwhile, tail()'s 2 MiB included.
	assert_close "exact: span's partial call, rss_entry (RSS when tracing began)" \
		"$(mtq "$json" "$partial[0]['rss_entry']")" "$inside"
	assert_close "exact: span's partial call, growth (what followed the attach)" \
		"$(mtq "$json" "$partial[0]['growth']")" "$(($(log_value "$T_LOG" rss_return) - inside))"
	# Its own thread's part is known from its first line after the attach.
	assert_close "exact: span's partial call, thread_growth" \
		"$(mtq "$json" "$partial[0]['thread_growth']")" "$(log_value "$T_LOG" line)"
	# tail() was seen only at its return: still measured from when tracing began.
	assert_eq "exact: tail's calls" "$(mtq "$json" "'%d %d' % (len(calls('tail')), len([c for c in calls('tail') if c.get('partial')]))")" "1 1"
	assert_close "exact: tail's partial call, growth" "$(mtq "$json" "calls('tail')[0]['growth']")" \
		"$(($(log_value "$T_LOG" rss_tail) - inside))"
	assert_complete_call "$json" span
	assert_eq "exact: summary calls, partial of span and tail" \
		"$(mtq "$json" "'%s %s %s %s' % (fn('span')['calls'], fn('span')['partial'], fn('tail')['calls'], fn('tail')['partial'])")" "1 1 0 1"
	assert_close "exact: span's summary growth, the complete call's only" \
		"$(mtq "$json" "fn('span')['growth']")" "$(truth_growth "$T_LOG")"
	assert_eq "exact: tail's growth_max, with no counted call" "$(mtq "$json" "fn('tail')['growth_max']")" None
	assert_summary_sums "$json"
	read -r -a row <<<"$(table_row "$MT_OUT" span)"
	assert_eq "exact: table calls of span" "${row[*]:1:3}" "1 (+1 partial)"
	assert_table_mib "exact: table max growth/call of span" "${row[5]}" "$(truth_growth "$T_LOG")"
	read -r -a row <<<"$(table_row "$MT_OUT" tail)"
	assert_eq "exact: table row of tail" "${row[*]:1:7}" "0 (+1 partial) 0.00 - - 0.00"
	grep -q '^memtrace: warning: 2 calls began before tracing' "$MT_ERR" ||
		fail "exact: no 'began before tracing' line on stderr: $(cat "$MT_ERR")"
	ok "exact: stderr says 2 calls began before tracing"
	# Lines: those run after the attach count, the ones running at the attach do not.
	assert_py_line "exact" "$json" span partial.py after \
		"$(($(log_value "$T_LOG" line) + $(truth_growth "$T_LOG")))"
	assert_py_line "exact" "$json" span partial.py before 0
	assert_py_line "exact" "$json" tail partial.py tail 0
	# memtrace report rebuilds the same table from the stream.
	"$MEMTRACE" report "$json" >"$TMP/report.out" 2>"$TMP/report.err" || fail "report: $(cat "$TMP/report.err")"
	grep -q '^span  *1 (+1 partial) ' "$TMP/report.out" || fail "report table: $(cat "$TMP/report.out")"
	grep -q '2 calls began before tracing' "$TMP/report.err" || fail "report stderr: $(cat "$TMP/report.err")"
	ok "report: 1 (+1 partial) and the warning"
else
	py_usdt_missing
fi

# --- Python, frame walking: only what the lines did after the attach -------
if interp=$(py_interp_first 3.12.1 3.11.7); then
	json=$TMP/frames.ndjson
	py_start_target "$interp" partial.py "$TMP/go" 8 16 4 "$TMP/fifo" 2
	attach_inside "$json" -f span -f tail
	assert_eq "frames: no call records" "$(mtq "$json" "len(of('call'))")" 0
	assert_close "frames: span's growth, its thread's from the attach on" "$(mtq "$json" "fn('span')['growth']")" \
		"$(($(log_value "$T_LOG" line) + $(truth_growth "$T_LOG")))"
	assert_py_line "frames" "$json" span partial.py before 0
	assert_py_line "frames" "$json" span partial.py after \
		"$(($(log_value "$T_LOG" line) + $(truth_growth "$T_LOG")))"
	assert_py_line "frames" "$json" tail partial.py tail $((2 * MIB))
else
	py_interp_missing "frame walking (3.12.1 or 3.11.7)"
fi

# --- native: a call entered before the attach is not seen ------------------
json=$TMP/native.ndjson
start_target partial "$TMP/go" 8 16 4
attach_inside "$json" -f span
# Its return probe was never armed: the outer call is absent, not half-counted;
# the call it made after the attach counts as a call of its own.
assert_eq "native: calls recorded, none partial" \
	"$(mtq "$json" "'%d %d' % (len(calls('span')), len([c for c in calls('span') if c.get('partial')]))")" "2 0"
assert_close "native: the nested call's growth" "$(mtq "$json" "calls('span')[0]['growth']")" \
	"$(($(log_value "$T_LOG" rss_return) - $(log_value "$T_LOG" rss_inside)))"
assert_close "native: the complete call's growth" "$(mtq "$json" "calls('span')[1]['growth']")" \
	"$(truth_growth "$T_LOG")"
assert_eq "native: summary calls, partial" "$(mtq "$json" "'%s %s' % (fn('span')['calls'], fn('span')['partial'])")" "2 0"
assert_summary_sums "$json"
