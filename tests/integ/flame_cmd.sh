#!/bin/bash
# memtrace flame (no root): a saved stream's frame/stack records to an SVG flame graph with the right bytes; bad streams and a symlinked -o refused in one line
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_jsonlint
require_svg_tools

# 15 MiB over three stacks: main at two pcs (lines 10 and 11) merges into one
# frame of 13 MiB; grow_mib takes 9 MiB under it and 2 MiB under a truncated
# stack; a Python frame with a hostile name takes 4 MiB.
json=$TMP/run.ndjson
cat >"$json" <<'EOF'
{"type":"start","t":0.1,"schema":1,"ts_unix":1796122705.9,"pid":3442,"comm":"grow","cmdline":["./grow","8"],"targets":[],"page_size":4096}
{"type":"frame","t":0.2,"id":0,"kind":"native","func":"_start","file":null,"line":null,"object":"/usr/bin/grow","build_id":"abcd","addr":4096}
{"type":"frame","t":0.2,"id":1,"kind":"native","func":"main","file":"grow.c","line":10,"object":"/usr/bin/grow","build_id":"abcd","addr":4200}
{"type":"frame","t":0.2,"id":2,"kind":"native","func":"grow_mib","file":"grow.c","line":20,"object":"/usr/bin/grow","build_id":"abcd","addr":4300}
{"type":"stack","t":0.2,"tid":3442,"bytes":8388608,"frames":[0,1,2],"truncated":false}
{"type":"frame","t":0.3,"id":3,"kind":"native","func":"main","file":"grow.c","line":11,"object":"/usr/bin/grow","build_id":"abcd","addr":4210}
{"type":"frame","t":0.3,"id":4,"kind":"python","func":"load<&>\"\u0001x","file":"/app/x.py","line":3,"object":null,"build_id":null,"addr":null}
{"type":"stack","t":0.3,"tid":3442,"bytes":4194304,"frames":[0,3,4],"truncated":false}
{"type":"frame","t":0.4,"id":5,"kind":"unknown","func":"[unknown]","file":null,"line":null,"object":null,"build_id":null,"addr":null}
{"type":"stack","t":0.4,"tid":3443,"bytes":2097152,"frames":[5,2],"truncated":true}
{"type":"stack","t":0.5,"tid":3442,"bytes":1048576,"frames":[0,1,2],"truncated":false}
{"type":"summary","t":0.6,"pid":3442,"duration":0.5,"peak_rss":20000000,"functions":[],"lines":[],"lost":0,"sample_bytes":524288}
EOF
res=$("$PY" "$JSONLINT" "$json" 2>&1) || fail "the hand-written stream is not schema-valid: $res"
ok "jsonlint: the hand-written stream is valid"

# No privileges needed: run as nobody, as `memtrace report` and `plot` are.
chmod 644 "$json"
chmod 777 "$TMP"
as_nobody()
{
	SEQ=$((SEQ + 1))
	MT_OUT=$TMP/flame.$SEQ.out MT_ERR=$TMP/flame.$SEQ.err
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$MEMTRACE" "$@" >"$MT_OUT" 2>"$MT_ERR"
	else
		"$MEMTRACE" "$@" >"$MT_OUT" 2>"$MT_ERR"
	fi
	MT_RC=$?
}

svg=$TMP/run.svg
as_nobody flame "$json" -o "$svg"
assert_rc 0 "memtrace flame"
grep -q "wrote $svg (4 samples, 3 stacks)" "$MT_ERR" || fail "flame does not say what it wrote: $(cat "$MT_ERR")"
assert_svg "$svg" grow_mib main _start '[truncated]' '[unknown]'

# The tooltips carry each merged frame's bytes and share of the 15 MiB.
for want in 'all — 15.0 MiB, 100.0%' '_start (/usr/bin/grow) — 13.0 MiB, 86.7%' \
	'main (grow.c) — 13.0 MiB, 86.7%' 'grow_mib (grow.c:20) — 9.0 MiB, 60.0%' \
	'grow_mib (grow.c:20) — 2.0 MiB, 13.3%' '[truncated] — 2.0 MiB, 13.3%' \
	'load&lt;&amp;&gt;&quot;?x (/app/x.py:3) — 4.0 MiB, 26.7%'; do
	grep -qF "<title>$want</title>" "$svg" || fail "no frame titled '$want': $(grep -o '<title>[^<]*</title>' "$svg")"
	ok "frame: $want"
done
grep -qF '15.0 MiB in 4 samples, one per 512.0 KiB of growth on average' "$svg" ||
	fail "header without the totals and the sampling interval: $(grep -o '<text[^>]*>RSS growth[^<]*' "$svg")"
grep -qF 'memtrace: ./grow 8 (pid 3442)' "$svg" || fail "no default title from the start record"
ok "header: title, totals, sampling interval"

as_nobody flame "$json" -o "$TMP/titled.svg" --title 'my <run>'
assert_rc 0 "flame --title"
grep -qF 'my &lt;run&gt;' "$TMP/titled.svg" || fail "--title not used (escaped)"
ok "--title heads the picture, escaped"

# memtrace report rebuilds the same profile and prints its stack tables.
as_nobody report "$json"
assert_rc 0 "memtrace report"
grep -q '^Stacks: 4 samples of RSS growth.* 15.00 MiB attributed' "$MT_OUT" ||
	fail "report: no stack header with 4 samples and 15.00 MiB: $(cat "$MT_OUT")"
# No -f in that run: no function table, as live (user/main.c); the stacks' own table follows their header.
grep -qE '^Function +Calls' "$MT_OUT" && fail "report: a function table for a run with no -f"
[ "$(grep -n '^Stacks:' "$MT_OUT" | cut -d: -f1)" -lt "$(grep -n '^Function ' "$MT_OUT" | head -n 1 | cut -d: -f1)" ] ||
	fail "report: the stacks' function table comes before their header"
row=$(grep -E '^grow_mib \(grow\) ' "$MT_OUT" | tr -s ' ')
[ "$row" = "grow_mib (grow) 11.00 MiB 73.3% 11.00 MiB 73.3%" ] || fail "report: grow_mib row '$row', want 11.00 MiB inclusive and self"
row=$(grep -E '^main \(grow\) ' "$MT_OUT" | tr -s ' ')
[ "$row" = "main (grow) 13.00 MiB 86.7% 0.00 MiB 0.0%" ] || fail "report: main row '$row', want 13.00 MiB inclusive (two pcs merged)"
grep -qE '^ +1\. 9\.00 MiB +60\.0% +2 samples$' "$MT_OUT" || fail "report: top stack is not 9.00 MiB in 2 samples"
ok "report: stack tables with 15.00 MiB, grow_mib 11.00 MiB, main 13.00 MiB, top stack 9.00 MiB"

# Bad streams: one line naming the file and line, exit 1, no SVG left behind.
bad()
{
	local what=$1 line=$2 want=$3 out=$TMP/bad.svg
	as_nobody flame "$TMP/bad.ndjson" -o "$out"
	assert_error 1 "flame: $what"
	grep -qF "bad.ndjson:$line: " "$MT_ERR" || fail "$what: the message does not name line $line"
	grep -qF "$want" "$MT_ERR" || fail "$what: the message does not say '$want'"
	[ ! -e "$out" ] || fail "$what: $out left behind"
	for f in "$out".*; do
		[ ! -e "$f" ] || fail "$what: a temporary file left behind: $f"
	done
}
head -n 3 "$json" >"$TMP/bad.ndjson"
sed -n 4p "$json" | sed 's/"id":2/"id":3/' >>"$TMP/bad.ndjson"
bad "frame id gap" 4 'id 3 where 2 comes next'
as_nobody report "$TMP/bad.ndjson"
assert_error 1 "report: frame id gap"
grep -qF 'bad.ndjson:4: "frame" record: id 3 where 2 comes next' "$MT_ERR" || fail "report: frame id gap: wrong message"
head -n 4 "$json" >"$TMP/bad.ndjson"
echo '{"type":"stack","t":0.2,"tid":1,"bytes":4096,"frames":[0,1,7],"truncated":false}' >>"$TMP/bad.ndjson"
bad "stack naming an unknown frame" 5 'frames[2] is 7, no frame record before it'
head -n 4 "$json" >"$TMP/bad.ndjson"
echo '{"type":"stack","t":0.2,"tid":1,"bytes":-4096,"frames":[0,1],"truncated":false}' >>"$TMP/bad.ndjson"
bad "negative bytes" 5 '"bytes" is -4096'
head -n 4 "$json" >"$TMP/bad.ndjson"
sed -n 3p "$json" | sed 's/"id":1/"id":3/' >>"$TMP/bad.ndjson"
bad "a frame written twice" 5 'the same frame as id 1 again'
head -n 4 "$json" >"$TMP/bad.ndjson"
echo '{"type":"stack","t":0.2,"tid":1,"bytes":4096,"frames":[0,1],"truncated":"no"}' >>"$TMP/bad.ndjson"
bad "truncated not a boolean" 5 '"truncated" should be a boolean, not a string'
head -n 4 "$json" >"$TMP/bad.ndjson"
"$PY" -c 'import json; print(json.dumps({"type":"stack","t":0.2,"tid":1,"bytes":1,"frames":[0]*100000,"truncated":False}))' >>"$TMP/bad.ndjson"
bad "a stack of 100000 frames" 5 '100000 frames, more than 16384'
ok "bad streams: one line each, exit 1, nothing left behind"

# -o onto a symbolic link: refused, the file it points to untouched.
victim=$TMP/victim
echo "precious" >"$victim"
ln -s "$victim" "$TMP/link.svg"
run_memtrace flame "$json" -o "$TMP/link.svg"
assert_error 1 "flame -o LINK"
grep -q "symbolic link" "$MT_ERR" || fail "flame -o LINK: the message does not say why"
if [ "$(cat "$victim")" != precious ] || [ ! -L "$TMP/link.svg" ]; then
	fail "flame -o LINK: the link or its target was changed"
fi
ok "flame -o LINK: refused, $victim untouched"

# Usage: no -o, two files, an unknown option: exit 2; --help: exit 0.
run_memtrace flame "$json"
assert_error 2 "flame without -o"
run_memtrace flame "$json" "$json" -o "$svg"
assert_error 2 "flame with two streams"
run_memtrace flame --bogus "$json"
assert_error 2 "flame --bogus"
run_memtrace flame --help
assert_rc 0 "flame --help"
grep -q '^Usage: memtrace flame' "$MT_OUT" || fail "flame --help prints no usage"
ok "flame --help"
