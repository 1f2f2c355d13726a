#!/bin/bash
# stacks' outputs from one real run agree and their consumers read them: --pprof by go tool pprof (totals and per-path bytes equal to --folded), --flame by xmllint and rsvg-convert, the -o stream by the lint, memtrace report (the same stack tables) and memtrace flame (the same picture)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/stacks.sh"
require_env

require_go

folded=$TMP/run.folded
PROFILE=$TMP/run.pb.gz
flame=$TMP/run.svg
stream=$TMP/run.ndjson
launch_target paths --folded "$folded" --pprof "$PROFILE" --flame "$flame" -o "$stream" --
assert_paths "$folded" "$T_LOG" "launch"
live_err=$MT_ERR

# pprof: its totals are the folded file's, path by path.
pprof -raw >"$TMP/raw"
assert_eq "pprof -raw: bytes of all samples = --folded's total" \
	"$(awk '/^Samples:/ { s = 1 } /^Locations/ { s = 0 } s && /^ *[0-9]+ +[0-9]+: / { b += $1 } END { print b }' "$TMP/raw")" \
	"$(folded_total "$folded")"
pprof -top -cum -nodefraction=0 -unit=B -sample_index=rss_growth >"$TMP/top"
for p in path_a path_b path_c mid grow_leaf; do
	# "  0     0%   0%   41943040B 17.1%  path_a": cum is the 4th column.
	assert_eq "pprof -top: cum bytes of $p = --folded's" \
		"$(awk -v f="$p" '$NF == f { sub(/B$/, "", $4); print $4; exit }' "$TMP/top")" \
		"$(folded_bytes "$folded" "$p")"
done
grep -Eq '^Build ID: [0-9a-f]{40}$' "$TMP/top" || fail "pprof shows no build id: $(head -3 "$TMP/top")"
ok "pprof: a build id"

# The flame graph: valid XML, rendered, path_c's box carries its bytes.
xmllint --noout "$flame" || fail "--flame: not well-formed XML"
rsvg-convert "$flame" -o "$TMP/flame.png" && [ -s "$TMP/flame.png" ] || fail "--flame: rsvg-convert cannot render it"
want=$(awk -v b="$(folded_bytes "$folded" path_c)" 'BEGIN { printf "%.1f MiB", b / 1048576 }')
grep -Eq "<title>path_c \([^)]*paths\.c:[0-9]+\) — $want" "$flame" ||
	fail "--flame: no box 'path_c (paths.c:LINE) — $want': $(grep -o '<title>path_c[^<]*' "$flame")"
ok "--flame: well-formed, rendered, path_c $want"

# The stream: schema-valid; report and flame rebuild the same stacks without root.
require_jsonlint
python3 "$JSONLINT" "$stream" >/dev/null || fail "the stream fails the lint"
grep -q '"type":"stack"' "$stream" || fail "no stack records in the stream"
"$MEMTRACE" report "$stream" >"$TMP/report.out" 2>"$TMP/report.err" || fail "memtrace report: $(cat "$TMP/report.err")"
diff <(sed -n '/^Stacks:/,$p' "$live_err") <(sed -n '/^Stacks:/,$p' "$TMP/report.out") >"$TMP/diff" ||
	fail "memtrace report's stack tables differ from the run's: $(head -20 "$TMP/diff")"
ok "memtrace report: the run's stack tables, line for line"
"$MEMTRACE" flame "$stream" -o "$TMP/replay.svg" 2>"$TMP/flame.err" || fail "memtrace flame: $(cat "$TMP/flame.err")"
cmp -s "$flame" "$TMP/replay.svg" || fail "memtrace flame draws another picture than --flame: $(diff "$flame" "$TMP/replay.svg" | head -5)"
ok "memtrace flame: the same SVG as --flame"
