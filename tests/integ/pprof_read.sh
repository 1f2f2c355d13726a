#!/bin/bash
# --pprof's file as `go tool pprof` reads it: totals, flat/cum bytes, file:line and build ids
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The profile is tests/unit/test_pprof.c's fixture (its comment lists the
# stacks), written by that test's binary: no root, no BPF, no network.
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/stacks.sh"

WRITER=$OUT_DIR/tests/test_pprof
require_go
[ -x "$WRITER" ] || skip "unit tests not built ($WRITER): run make check"

PROFILE=$TMP/profile.pb.gz
"$WRITER" "$PROFILE" || fail "test_pprof could not write $PROFILE"

pprof -raw >"$TMP/raw"
# Sample lines of -raw: "    3145728          2: 1 2 3 ".
assert_eq "bytes of all samples (-raw)" \
	"$(awk '/^Samples:/ { s = 1 } /^Locations/ { s = 0 }
		s && /^ *[0-9]+ +[0-9]+: / { b += $1; n += $2 } END { print b, n }' "$TMP/raw")" \
	"7868416 7"
assert_eq "the default sample type" "$(grep -c '^rss_growth/bytes\[dflt\] samples/count$' "$TMP/raw")" 1
assert_eq "period" "$(awk '/^Period:/ { print $2 }' "$TMP/raw")" 524288
grep -q '^Comment: memtrace: RSS growth by call stack, sampled every ~524288 bytes$' "$TMP/raw" ||
	fail "no comment in -raw: $(head -3 "$TMP/raw")"
ok "comment"
for m in '/usr/bin/app 0123abcd' '/lib/libc.so.6 c0ffee'; do
	grep -Eq "^[0-9]+: 0x0/0xffffffffffffffff/0x0 $m \[FN\]\[FL\]\[LN\]$" "$TMP/raw" ||
		fail "mapping '$m' missing or not symbolized: $(sed -n '/^Mappings/,$p' "$TMP/raw")"
	ok "mapping $m, with its build id"
done
# Locations: "     3: 0x1130 M=1 main app.c:10 s=0".
for l in '0x1130 M=[0-9]+ main app\.c:10' '0x9000 M=[0-9]+ malloc :0' '0x0 work app\.py:5' \
	'0x0 <module> app\.py:1' '0x0 \[truncated\] :0'; do
	grep -Eq "^ +[0-9]+: $l " "$TMP/raw" ||
		fail "no location '$l': $(sed -n '/^Locations/,/^Mappings/p' "$TMP/raw")"
	ok "location $l"
done

# -top rows: "   6815744B 86.62% 86.62%    6815744B 86.62%  malloc"; flat and cum in bytes.
pprof -top -nodefraction=0 -unit=B -sample_index=rss_growth >"$TMP/top"
top_row() { awk -v f="$2" '$NF == f && NF == 6 { gsub(/B/, ""); print $1, $4; exit }' "$1"; }
grep -q '^Showing nodes accounting for 7868416B, 100% of 7868416B total$' "$TMP/top" ||
	fail "-top total: $(head -8 "$TMP/top")"
ok "-top total 7868416 B"
# Recursion counts once in cum: grow's 5 MiB is 3 + 1 + 1 MiB, not 6 MiB.
for row in 'malloc 6815744 6815744' 'grow 1048576 5242880' 'main 0 7344128' 'work 0 2097152' \
	'<module> 0 2097152' '[unknown] 0 524288' '[truncated] 0 524288'; do
	assert_eq "-top flat, cum of ${row%% *}" "$(top_row "$TMP/top" "${row%% *}")" "${row#* }"
done

pprof -top -nodefraction=0 -sample_index=samples >"$TMP/samples"
grep -q '^Showing nodes accounting for 7, 100% of 7 total$' "$TMP/samples" ||
	fail "-top -sample_index=samples: $(head -8 "$TMP/samples")"
ok "samples total 7"
assert_eq "samples flat, cum of malloc" "$(top_row "$TMP/samples" malloc)" "5 5"

# No -sample_index: bytes are the default; -lines: file:line per row.
pprof -top -nodefraction=0 -lines -unit=B >"$TMP/lines"
grep -q '^Type: rss_growth$' "$TMP/lines" || fail "default sample type: $(head -8 "$TMP/lines")"
ok "bytes by default"
assert_eq "-lines row of grow" \
	"$(awk '$(NF-1) == "grow" { print $1, $4, $NF; exit }' "$TMP/lines")" \
	"1048576B 5242880B app.c:20"
assert_eq "-lines row of work" \
	"$(awk '$(NF-1) == "work" { print $4, $NF; exit }' "$TMP/lines")" "2097152B app.py:5"
