#!/bin/bash
# report and plot of /dev/zero, an over-long line or out-of-range numbers: one clear line naming the line, exit 1, bounded memory
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
# No BPF: reading saved streams needs no privileges.
[ -x "$MEMTRACE" ] || skip "memtrace not built ($MEMTRACE): run make"

# 1 GiB of address space is far more than a bounded reader needs, and far
# less than reading /dev/zero without a bound grows to.
limited() { (ulimit -v 1048576 && "$@"); }

reader_error()
{
	local what=$1 want=$2
	shift 2
	SEQ=$((SEQ + 1))
	MT_OUT=$TMP/read.$SEQ.out
	MT_ERR=$TMP/read.$SEQ.err
	timeout -k 5 60 bash -c 'ulimit -v 1048576 && exec "$@"' _ "$MEMTRACE" "$@" >"$MT_OUT" 2>"$MT_ERR"
	MT_RC=$?
	[ "$MT_RC" -ne 124 ] || fail "$what: did not finish within 60 s"
	assert_error 1 "$what"
	grep -qF -- "$want" "$MT_ERR" || fail "$what: stderr does not say '$want': $(cat "$MT_ERR")"
	[ ! -s "$MT_OUT" ] || fail "$what: wrote to stdout: $(head -c 300 "$MT_OUT")"
}

reader_error "report /dev/zero" "memtrace: /dev/zero:1: line longer than 64 MiB; is this a memtrace stream?" \
	report /dev/zero
reader_error "plot /dev/zero" "memtrace: /dev/zero:1: line longer than 64 MiB; is this a memtrace stream?" \
	plot /dev/zero -o "$TMP/zero.svg"
[ ! -e "$TMP/zero.svg" ] || fail "plot of /dev/zero wrote $TMP/zero.svg"

start='{"type":"start","t":0.0,"schema":1,"ts_unix":1.0,"pid":5,"comm":"x","cmdline":["x"],"targets":[],"page_size":4096}'
call() { printf '{"type":"call","t":1.0,"pid":5,"tid":5,"func":"f","dur":0.5,"rss_entry":%s,"rss_exit":%s,"rss_peak":%s,"growth":%s,"thread_growth":0}\n' "$@"; }

# An over-long line in the middle (65 MiB of spaces): named by its number.
{
	echo "$start"
	call 0 4096 4096 4096
	head -c $((65 * MIB)) /dev/zero | tr '\0' ' '
	echo
	call 0 4096 4096 4096
} >"$TMP/long.ndjson"
reader_error "report, line 3 too long" "long.ndjson:3: line longer than 64 MiB" report "$TMP/long.ndjson"

# Numbers no memory size can be: refused with the line, not summed into an overflow.
{
	echo "$start"
	call 0 4096 4096 4096
	call 0 9223372036854775807 9223372036854775807 9223372036854775807
} >"$TMP/huge.ndjson"
reader_error "report, huge rss_exit" 'huge.ndjson:3: "call" record: "rss_exit" is 9223372036854775807, outside 0..1152921504606846976' \
	report "$TMP/huge.ndjson"
reader_error "plot, huge rss_exit" 'huge.ndjson:3: "call" record: "rss_exit" is 9223372036854775807' \
	plot "$TMP/huge.ndjson" -o "$TMP/huge.svg"
{
	echo "$start"
	echo '{"type":"call","t":1e300,"pid":5,"tid":5,"func":"f","dur":0.5,"rss_entry":0,"rss_exit":0,"rss_peak":0,"growth":0,"thread_growth":0}'
} >"$TMP/far.ndjson"
reader_error "report, t = 1e300" 'far.ndjson:2: "call" record: "t" is 1e+300, outside' report "$TMP/far.ndjson"
echo "$start" >"$TMP/dup.ndjson"
echo '{"type":"lost","t":1,"count":1,"count":2}' >>"$TMP/dup.ndjson"
reader_error "report, a duplicate key" "dup.ndjson:2: not valid JSON: duplicate key" report "$TMP/dup.ndjson"

# The largest sane values still read, and sum without wrapping.
{
	echo "$start"
	for i in 1 2 3 4 5 6 7 8 9; do call 0 1152921504606846976 1152921504606846976 1152921504606846976; done
} >"$TMP/edge.ndjson"
SEQ=$((SEQ + 1))
limited "$MEMTRACE" report "$TMP/edge.ndjson" >"$TMP/edge.out" 2>"$TMP/edge.err"
MT_RC=$? MT_ERR=$TMP/edge.err
assert_rc 0 "report of 1 EiB calls"
row=$(table_row "$TMP/edge.out" f)
# 9 x 2^60 bytes saturates at INT64_MAX bytes = 8796093022208.00 MiB.
assert_eq "summed growth saturates" "$(echo "$row" | awk '{ print $3 }')" 8796093022208.00
ok "1 EiB calls: $row"
