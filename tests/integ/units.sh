#!/bin/bash
# a growth of one page shows as 4.00 KiB, not 0.00 MiB; --bytes (live and in report) is the target's own growth, exactly
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

PAGE=$(getconf PAGESIZE)
# first_probe takes the page the kernel maps at a process's first uprobe hit
# (tests/targets/pages.c), so touch_pages' rows hold its own pages only.
trace=(-f first_probe -f touch_pages)

# expect_row FILE WHAT WANT: touch_pages' row in FILE, fields joined by one space, is WANT.
expect_row()
{
	local got
	got=$(table_row "$1" touch_pages)
	assert_eq "$2" "$got" "$3"
}

log=$(new_log pages)
json=$TMP/run.ndjson
run_memtrace -o "$json" "${trace[@]}" -- "$TARGETS/pages" --log "$log" 1
assert_rc 0 "launch pages 1"
grep -q '^done' "$log" || fail "target did not finish: $(cat "$log")"
truth=$(truth_growth "$log")
assert_eq "the target's own growth: one page" "$truth" "$PAGE"
# Calls, growth, max growth/call, peak in call, thread-caused, retained. No tolerance:
# one page is the whole value, and 0.00 is the defect this test is about.
kib=$(awk -v b="$truth" 'BEGIN { printf "%.2f KiB", b / 1024 }')
expect_row "$MT_ERR" "table in MiB: one page in KiB" "touch_pages 1 $kib $kib $kib $kib $kib"
grep -q '^Function .* Growth (MiB) ' "$MT_ERR" || fail "header: $(head -n 1 "$MT_ERR")"
live=$MT_ERR

SEQ=$((SEQ + 1))
MT_OUT=$TMP/report.$SEQ.out MT_ERR=$TMP/report.$SEQ.err
"$MEMTRACE" report "$json" >"$MT_OUT" 2>"$MT_ERR"
MT_RC=$?
assert_rc 0 "memtrace report"
assert_eq "report: the same row as live" "$(table_row "$MT_OUT" touch_pages)" "$(table_row "$live" touch_pages)"

"$MEMTRACE" report --bytes "$json" >"$MT_OUT" 2>"$MT_ERR"
MT_RC=$?
assert_rc 0 "memtrace report --bytes"
grep -q '^Function .* Growth (B) ' "$MT_OUT" || fail "report --bytes header: $(cat "$MT_OUT")"
expect_row "$MT_OUT" "report --bytes: the target's growth" "touch_pages 1 $truth $truth $truth $truth $truth"

# Live --bytes over two calls: totals and maxima as the target measured them.
log=$(new_log pages)
run_memtrace --bytes "${trace[@]}" -- "$TARGETS/pages" --log "$log" 1 3
assert_rc 0 "launch --bytes pages 1 3"
grep -q '^done' "$log" || fail "target did not finish: $(cat "$log")"
mapfile -t want < <(truth_growth "$log")
assert_eq "the target's own growth per call" "${want[*]}" "$PAGE $((3 * PAGE))"
sum=$((want[0] + want[1]))
expect_row "$MT_ERR" "--bytes: the target's growth" "touch_pages 2 $sum ${want[1]} ${want[1]} $sum $sum"
grep -q '^Peak RSS: [0-9]* B over ' "$MT_ERR" || fail "--bytes peak line: $(grep '^Peak' "$MT_ERR")"
ok "--bytes: $(grep '^Peak' "$MT_ERR")"
