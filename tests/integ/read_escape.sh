#!/bin/bash
# report of a stream whose names hold ESC, CSI (C1), DEL and tabs: escaped as \xNN in the tables, no control byte reaches the terminal
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
# No BPF: reading saved streams needs no privileges.
[ -x "$MEMTRACE" ] || skip "memtrace not built ($MEMTRACE): run make"

# \u009b is CSI in 8-bit terminals; \u001b]0; would retitle the window.
json=$TMP/hostile.ndjson
cat >"$json" <<'JSON'
{"type":"start","t":0.0,"schema":1,"ts_unix":1.0,"pid":5,"comm":"c\u001b[2J","cmdline":["x"],"targets":[],"page_size":4096}
{"type":"call","t":1.0,"pid":5,"tid":5,"func":"evil\u001b]0;owned\u0007","dur":0.5,"rss_entry":0,"rss_exit":1048576,"rss_peak":1048576,"growth":1048576,"thread_growth":0}
{"type":"summary","t":2.0,"pid":5,"duration":2.0,"peak_rss":1048576,"functions":[{"func":"evil\u001b]0;owned\u0007","kind":"native","calls":1,"open":0,"growth":1048576,"growth_max":1048576,"peak_max":1048576,"thread_growth":0},{"func":"f\u009b31m\u007fé","kind":"native","calls":0,"open":0,"growth":0,"growth_max":null,"peak_max":null,"thread_growth":0}],"lines":[{"func":"g","file":"x\u001b[Hy.py","line":3,"mem":1048576,"increment":0,"occurrences":1,"source":"\tz = '\u001b[31m' + '\u009b'"}],"lost":0}
JSON
run_memtrace report "$json"
assert_rc 0 "report of hostile names"
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$MT_OUT"; then
	fail "a control byte reached the output: $(od -c "$MT_OUT" | head -n 20)"
fi
LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$MT_OUT" && fail "a C1 control (UTF-8 encoded) reached the output"
ok "no C0, DEL or C1 control byte in the report"
for want in 'memtrace report: pid 5 (c\x1b[2J)' 'evil\x1b]0;owned\x07   ' 'f\xc2\x9b31m\x7fé' \
	'Filename: x\x1b[Hy.py' "	z = '\\x1b[31m' + '\\xc2\\x9b'" '  f\xc2\x9b31m\x7fé: never called while tracing'; do
	grep -qF -- "$want" "$MT_OUT" || fail "no '$want' in the report: $(cat "$MT_OUT")"
	ok "shown as: $want"
done
# The column after an escaped name still lines up: \xNN counts four columns.
head=$(grep -n '^Function' "$MT_OUT" | cut -d: -f1)
[ -n "$head" ] || fail "no table header"
calls_col=$(sed -n "${head}p" "$MT_OUT" | awk '{ print index($0, "Calls") + 4 }')
row=$(grep -F 'evil\x1b' "$MT_OUT" | head -n 1)
[ "${row:$((calls_col - 1)):1}" = 1 ] || fail "the Calls column is out of line: '$row'"
ok "columns line up after escaped names"
