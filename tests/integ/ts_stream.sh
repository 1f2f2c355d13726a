#!/bin/bash
# report and plot read another run's stream as nobody; a stream cut mid-line still plots; bad, missing or no file: exit 1, 1, 2
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_svg_tools
command -v setpriv >/dev/null || skip "setpriv not installed (util-linux)"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_nobody true || skip "cannot switch to uid 65534"
as_nobody test -x "$MEMTRACE" || skip "$MEMTRACE not executable by nobody"

# One run writes the stream...
json=$TMP/run.ndjson
launch_target ts_calls -o "$json" -f ts_keep -f ts_burst -- 4
chmod 644 "$json"
out=$TMP/nobody
mkdir "$out" && chown 65534:65534 "$out" || fail "cannot make $out for nobody"

# ...other processes, unprivileged, read it. Sets MT_RC, MT_OUT, MT_ERR.
nobody_memtrace()
{
	SEQ=$((SEQ + 1))
	MT_OUT=$TMP/nobody.$SEQ.out
	MT_ERR=$TMP/nobody.$SEQ.err
	timeout -k 5 30 setpriv --reuid=65534 --regid=65534 --clear-groups "$MEMTRACE" "$@" >"$MT_OUT" 2>"$MT_ERR"
	MT_RC=$?
	[ "$MT_RC" -ne 124 ] || fail "memtrace $* did not finish within 30s"
}

# report: each function's calls and growth as the target saw them.
nobody_memtrace report "$json"
assert_rc 0 "memtrace report (as nobody)"
for f in ts_keep ts_burst; do
	row=$(table_row "$MT_OUT" "$f")
	[ -n "$row" ] || fail "report has no $f row: $(cat "$MT_OUT")"
	assert_eq "report: $f calls" "$(echo "$row" | awk '{ print $2 }')" "$(grep -c "^call $f " "$T_LOG")"
	assert_table_mib "report: $f growth" "$(echo "$row" | awk '{ print $3 }')" \
		"$(awk -v f="$f" '$1 == "call" && $2 == f { s += $4 - $3 } END { print s + 0 }' "$T_LOG")"
done

# plot: an SVG and an mprof file, one FUNC line per call.
nobody_memtrace plot "$json" -o "$out/run.svg" --mprof "$out/run.dat"
assert_rc 0 "memtrace plot (as nobody)"
assert_svg "$out/run.svg" ts_keep ts_burst
assert_eq "plot --mprof: FUNC lines" "$(grep -c '^FUNC ' "$out/run.dat")" "$(grep -c '^call ' "$T_LOG")"
assert_eq "plot --mprof: first line" "$(head -n 1 "$out/run.dat" | cut -d' ' -f1)" CMDLINE

# A stream cut in the middle of a line (memtrace killed while writing): cut
# halfway through the last call record; the calls before it still count.
cut=$TMP/cut.ndjson
read -r bytes ncalls < <("$PY" - "$json" <<'PYEOF'
import sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
last = max(i for i, l in enumerate(lines) if b'"type":"call"' in l.replace(b" ", b""))
print(sum(len(l) + 1 for l in lines[:last]) + len(lines[last]) // 2,
      sum(1 for l in lines[:last] if b'"type":"call"' in l.replace(b" ", b"")))
PYEOF
)
[ -n "${ncalls:-}" ] || fail "no call record to cut in $json"
head -c "$bytes" "$json" >"$cut" && chmod 644 "$cut"
ok "cut the stream at byte $bytes of $(stat -c %s "$json"), mid-line, after $ncalls complete call records"
nobody_memtrace plot "$cut" -o "$out/cut.svg"
assert_rc 0 "memtrace plot of a stream cut mid-line"
assert_svg "$out/cut.svg" ts_keep ts_burst
nobody_memtrace report "$cut"
assert_rc 0 "memtrace report of a stream cut mid-line"
got=$(for f in ts_keep ts_burst; do table_row "$MT_OUT" "$f" | awk '{ print $2 }'; done | awk '{ s += $1 } END { print s + 0 }')
assert_eq "report of the cut stream: calls" "$got" "$ncalls"

# Not a stream, no such file, no file at all.
printf 'hello\nthis is not a memtrace stream\n' >"$TMP/text.txt"
head -c 4096 "$MEMTRACE" >"$TMP/binary"
: >"$TMP/empty"
echo '{"a": 1}' >"$TMP/other.json"
chmod 644 "$TMP/text.txt" "$TMP/binary" "$TMP/empty" "$TMP/other.json"
for cmd in report plot; do
	o=()
	[ "$cmd" = plot ] && o=(-o "$out/bad.svg")
	for f in text.txt binary empty other.json; do
		nobody_memtrace "$cmd" "$TMP/$f" "${o[@]}"
		assert_error 1 "$cmd of a non-stream file ($f)"
	done
	[ ! -e "$out/bad.svg" ] || fail "plot of a non-stream file wrote $out/bad.svg"
	nobody_memtrace "$cmd" "$TMP/no-such-file.ndjson" "${o[@]}"
	assert_error 1 "$cmd of a missing file"
	grep -q 'no-such-file.ndjson' "$MT_ERR" || fail "$cmd: the error does not name the missing file: $(cat "$MT_ERR")"
	nobody_memtrace "$cmd"
	assert_rc 2 "$cmd with no arguments"
	[ "$(head -c 10 "$MT_ERR")" = "memtrace: " ] || fail "$cmd with no arguments: stderr does not start with 'memtrace: ': $(head -n 2 "$MT_ERR")"
	ok "$cmd with no arguments: exit 2: $(head -n 1 "$MT_ERR")"
done
