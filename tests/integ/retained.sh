#!/bin/bash
# Retained: what a call leaves behind once its frame is gone, apart from its growth at return (Python --exact, native; null with frame walking)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_jsonlint

# BIG_MIB above glibc's largest mmap threshold (32 MiB): every temporary is unmapped when freed.
N=3 BIG_MIB=40 KEEP_MIB=4

# sum_truth LOG: the sum of the target's own rss_after - rss_before, over its calls.
sum_truth() { truth_growth "$1" | awk '{ s += $1 } END { print s + 0 }'; }

# check_retained WHAT JSON FUNC RETAINED: the summary's and the table's (stderr: launch mode)
# Retained of FUNC, and memtrace report reading it back.
check_retained()
{
	local what=$1 json=$2 func=$3 want=$4 row
	assert_close "$what: summary retained of $func" "$(mtq "$json" "fn('$func')['retained']")" "$want"
	"$PY" "$JSONLINT" "$json" >/dev/null || fail "$what: jsonlint: $("$PY" "$JSONLINT" "$json" 2>&1)"
	read -r -a row <<<"$(table_row "$MT_ERR" "$func")"
	assert_eq "$what: table title's last column" "$(awk '$1 == "Function" { print $NF; exit }' "$MT_ERR")" Retained
	assert_table_mib "$what: table Retained of $func" "${row[6]}" "$want"
	"$MEMTRACE" report "$json" >"$TMP/report.out" 2>"$TMP/report.err" || fail "$what: report: $(cat "$TMP/report.err")"
	read -r -a row <<<"$(table_row "$TMP/report.out" "$func")"
	assert_table_mib "$what: memtrace report's Retained of $func" "${row[6]}" "$want"
}

# --- Python, --exact: the frame's locals are freed after the return event --
if [ -x "$PY_USDT" ] && readelf -n "$PY_USDT" 2>/dev/null | grep -q function__entry; then
	json=$TMP/exact.ndjson
	py_launch "$PY_USDT" retained.py --exact -o "$json" -f build -- $N $BIG_MIB $KEEP_MIB
	truth=$(sum_truth "$T_LOG")
	# The target did what it was designed to do.
	assert_close "exact: target's own retained" "$truth" $((N * KEEP_MIB * MIB))
	# Growth at return still holds the temporary: memory_profiler's figure, unchanged.
	assert_close "exact: growth at return (temporary included)" "$(mtq "$json" "fn('build')['growth']")" \
		"$(mtq "$json" "sum(c['growth'] for c in calls('build'))")"
	assert_ge "exact: growth at return, larger by the temporaries" "$(mtq "$json" "fn('build')['growth']")" \
		$((truth + N * BIG_MIB * MIB - TOL_ABS))
	check_retained exact "$json" build "$truth"
	assert_summary_sums "$json"
else
	py_usdt_missing
fi

# --- Python, frame walking: no calls, no Retained ---------------------------
if interp=$(py_interp_first 3.12.1 3.11.7); then
	json=$TMP/frames.ndjson
	py_launch "$interp" retained.py -o "$json" -f build -- 1 $BIG_MIB $KEEP_MIB
	assert_eq "frames: summary retained" "$(mtq "$json" "fn('build')['retained']")" None
	read -r -a row <<<"$(table_row "$MT_ERR" build)"
	assert_eq "frames: table Retained" "${row[6]}" -
else
	py_interp_missing "frame walking (3.12.1 or 3.11.7)"
fi

# --- native: the frame is gone at the return probe --------------------------
json=$TMP/native.ndjson
launch_target retain -o "$json" -f keep_drop -- $N $((KEEP_MIB * 1024)) $((BIG_MIB * 1024))
truth=$(sum_truth "$T_LOG")
assert_close "native: target's own retained" "$truth" $((N * KEEP_MIB * MIB))
assert_close "native: growth" "$(mtq "$json" "fn('keep_drop')['growth']")" "$truth"
check_retained native "$json" keep_drop "$truth"
assert_summary_sums "$json"
