#!/bin/bash
# -o FILE saves the stream while the table prints; `memtrace report FILE` (no root) prints the same rows
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

log=$(new_log threads)
json=$TMP/run.ndjson
run_memtrace -o "$json" -f thread_work -f idle_work -- "$TARGETS/threads" --log "$log" 2
assert_rc 0 "launch threads with -o"
live=$MT_ERR
[ -s "$json" ] || fail "-o wrote nothing to $json"
grep -q '"type": *"summary"' "$json" || fail "no summary record in $json"
row=$(table_row "$live" thread_work)
[ -n "$row" ] || fail "no thread_work row in the live table: $(cat "$live")"
assert_eq "live table calls" "$(echo "$row" | awk '{ print $2 }')" 2

# The report needs no privileges: run it as nobody.
chmod 644 "$json"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	report() { setpriv --reuid=65534 --regid=65534 --clear-groups "$MEMTRACE" report "$@"; }
else
	report() { "$MEMTRACE" report "$@"; }
fi
SEQ=$((SEQ + 1))
MT_OUT=$TMP/report.$SEQ.out MT_ERR=$TMP/report.$SEQ.err
report "$json" >"$MT_OUT" 2>"$MT_ERR"
MT_RC=$?
assert_rc 0 "memtrace report"

# Same header and same function rows, character for character.
for f in Function thread_work; do
	a=$(grep -E "^ *$f " "$live")
	b=$(grep -E "^ *$f " "$MT_OUT")
	[ -n "$a" ] || fail "no '$f' line in the live output"
	[ "$a" = "$b" ] || fail "report differs from the live table for $f:
live:   $a
report: $b"
	ok "same row: $a"
done
# idle_work was traced but never called: both show it the same way (or both omit it).
[ "$(grep -E '^ *idle_work ' "$live")" = "$(grep -E '^ *idle_work ' "$MT_OUT")" ] ||
	fail "idle_work row differs: live '$(grep -E '^ *idle_work ' "$live")' report '$(grep -E '^ *idle_work ' "$MT_OUT")'"
