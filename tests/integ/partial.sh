#!/bin/bash
# a call in progress when memtrace attaches: Python --exact reports it as partial, apart from the counted calls; native and frame walking invent nothing from before the attach
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_jsonlint

# attach_inside JSON ARGS...: memtrace -p $T_PID -o JSON ARGS while the
# target ($T_LOG) waits inside its first call for $TMP/go; then lets it go
# on to its end, which ends tracing.
attach_inside()
{
	local json=$1
	shift
	wait_for_line "$T_LOG" '^rss_inside ' 20 || fail "target never got inside its call: $(cat "$T_LOG")"
	start_memtrace -p "$T_PID" -o "$json" "$@"
	wait_start "$json"
	touch "$TMP/go"
	target_done "$T_LOG" "$T_PID" 0
	wait_memtrace 20
	assert_rc 0 "attach inside a call"
	"$PY" "$JSONLINT" "$json" >/dev/null || fail "jsonlint: $("$PY" "$JSONLINT" "$json" 2>&1)"
	rm -f "$TMP/go"
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

# --- Python, --exact: the call running at the attach is partial ------------
if [ -x "$PY_USDT" ] && readelf -n "$PY_USDT" 2>/dev/null | grep -q function__entry; then
	json=$TMP/exact.ndjson
	py_start_target "$PY_USDT" partial.py "$TMP/go" 8 16 4
	attach_inside "$json" --exact -f span
	inside=$(log_value "$T_LOG" rss_inside)
	assert_eq "exact: partial call records" "$(mtq "$json" "len([c for c in calls('span') if c.get('partial')])")" 1
	# Seen from its first line after the attach: the 16 MiB it kept then, not the 8 before.
	assert_close "exact: partial call's growth (what followed the attach)" \
		"$(mtq "$json" "[c['growth'] for c in calls('span') if c.get('partial')][0]")" \
		"$(($(log_value "$T_LOG" rss_return) - inside))"
	assert_close "exact: partial call's rss_entry (RSS when first seen)" \
		"$(mtq "$json" "[c['rss_entry'] for c in calls('span') if c.get('partial')][0]")" "$inside"
	assert_complete_call "$json" span
	assert_eq "exact: summary calls, partial" "$(mtq "$json" "'%s %s' % (fn('span')['calls'], fn('span')['partial'])")" "1 1"
	assert_close "exact: summary growth, the complete call's only" \
		"$(mtq "$json" "fn('span')['growth']")" "$(truth_growth "$T_LOG")"
	assert_summary_sums "$json"
	read -r -a row <<<"$(table_row "$MT_OUT" span)"
	assert_eq "exact: table calls" "${row[*]:1:3}" "1 (+1 partial)"
	assert_table_mib "exact: table max growth/call" "${row[5]}" "$(truth_growth "$T_LOG")"
	grep -q '^memtrace: warning: 1 call began before tracing' "$MT_ERR" ||
		fail "exact: no 'began before tracing' line on stderr: $(cat "$MT_ERR")"
	ok "exact: stderr says 1 call began before tracing"
	# Lines: those run after the attach count, the one running at the attach does not.
	assert_py_line "exact" "$json" span partial.py after \
		"$(($(log_value "$T_LOG" line) + $(truth_growth "$T_LOG")))"
	assert_py_line "exact" "$json" span partial.py before 0
	# memtrace report rebuilds the same table from the stream.
	"$MEMTRACE" report "$json" >"$TMP/report.out" 2>"$TMP/report.err" || fail "report: $(cat "$TMP/report.err")"
	grep -q '^span  *1 (+1 partial) ' "$TMP/report.out" || fail "report table: $(cat "$TMP/report.out")"
	grep -q 'began before tracing' "$TMP/report.err" || fail "report stderr: $(cat "$TMP/report.err")"
	ok "report: 1 (+1 partial) and the warning"
else
	echo "note: $PY_USDT with USDT probes not installed: --exact not tested"
	[ "${CI:-}" != true ] || fail "$PY_USDT with USDT probes needed under CI=true"
fi

# --- Python, frame walking: only what the lines did after the attach -------
interp=$(py_interp 3.12.1) || interp=$(py_interp 3.11.7) || interp=
if [ -n "$interp" ]; then
	json=$TMP/frames.ndjson
	py_start_target "$interp" partial.py "$TMP/go" 8 16 4
	attach_inside "$json" -f span
	assert_eq "frames: no call records" "$(mtq "$json" "len(calls('span'))")" 0
	assert_close "frames: span's growth, from the attach on" "$(mtq "$json" "fn('span')['growth']")" \
		"$(($(log_value "$T_LOG" rss_return) - $(log_value "$T_LOG" rss_inside) + $(truth_growth "$T_LOG")))"
	assert_py_line "frames" "$json" span partial.py before 0
	assert_py_line "frames" "$json" span partial.py after \
		"$(($(log_value "$T_LOG" line) + $(truth_growth "$T_LOG")))"
else
	echo "note: pyenv's CPython 3.12.1 or 3.11.7 not installed: frame walking not tested"
	[ "${CI:-}" != true ] || fail "a pyenv CPython needed under CI=true"
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
