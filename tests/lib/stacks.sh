# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# For tests/integ/stacks_*.sh, sourced after tests/lib.sh: the --folded file
# (one line per stack: frames root first joined by ';', a space, the bytes)
# against the paths target's own figures (tests/targets/paths.c).

# The tolerance of a path's bytes: sampling moves up to about one sampling
# interval (exponential, mean --sample-bytes) across each path's two ends.
STACKS_TOL_REL=0.10

# folded_bytes FILE FRAME: the bytes of the lines with FRAME as one of their frames.
folded_bytes()
{
	awk -v want="$2" '
		{
			i = match($0, / -?[0-9]+$/)
			if (!i) { bad = 1; exit }
			n = split(substr($0, 1, i - 1), fr, ";")
			for (j = 1; j <= n; j++)
				if (fr[j] == want) { s += substr($0, i + 1); break }
		}
		END { if (bad) { print "malformed"; exit 1 } printf "%d\n", s }' "$1"
}

# folded_total FILE: the bytes of every line.
folded_total() { awk '{ s += $NF } END { printf "%d\n", s }' "$1"; }

# truth_path LOG PATH: the target's own figure for PATH ("path_a 41984000"), the last one.
truth_path() { awk -v p="$2" '$1 == p { v = $2 } END { print v }' "$1"; }

# assert_share WHAT GOT WANT: GOT within STACKS_TOL_REL of WANT.
assert_share()
{
	local what=$1 got=$2 want=$3
	if awk -v g="$got" -v w="$want" -v r="$STACKS_TOL_REL" \
		'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g ~ /^[0-9]+$/ && w > 0 && d <= r * w) }'; then
		ok "$what: $got bytes, want $want ($(awk -v g="$got" -v w="$want" 'BEGIN { printf "%+.2f%%", 100 * (g - w) / w }'))"
	else
		fail "$what: got $got bytes, want $want (within $(awk -v r="$STACKS_TOL_REL" 'BEGIN { print 100 * r }')%)"
	fi
}

# assert_paths FOLDED LOG WHAT [PATH...]: each path's folded bytes against the target's figure.
assert_paths()
{
	local folded=$1 log=$2 what=$3 p want paths
	shift 3
	paths=("$@")
	[ ${#paths[@]} -gt 0 ] || paths=(path_a path_b path_c)
	[ -s "$folded" ] || fail "$what: no --folded file"
	for p in "${paths[@]}"; do
		want=$(truth_path "$log" "$p")
		[ -n "$want" ] || fail "$what: the target reported nothing for $p: $(cat "$log")"
		assert_share "$what: $p" "$(folded_bytes "$folded" "$p")" "$want"
	done
}

# assert_stacks_line FILE: the run's "stacks:" line (growth seen, growth in no
# stack) and the tables' "Stacks:" header (samples, growth attributed) are
# there, in that order; prints both.
assert_stacks_line()
{
	grep -A1 -E '^stacks: [0-9.]+ (MiB|KiB|B) of growth seen; [0-9.]+ (MiB|KiB|B) of it came after' "$1" |
		grep -E '^(stacks: |Stacks: [0-9]+ samples? )' | grep -c . | grep -qx 2 ||
		fail "no 'stacks:' line followed by the 'Stacks:' header in $1: $(tail -n 5 "$1")"
	grep -A1 '^stacks: ' "$1"
}

# require_go: Debian's go (golang-go), whose `go tool pprof` reads --pprof files.
require_go()
{
	GO=/usr/lib/go-1.19/bin/go
	[ -x "$GO" ] || GO=$(command -v go) || skip "go not installed (tools/install-deps.sh --test)"
}

# pprof ARGS...: `go tool pprof ARGS $PROFILE`, its caches and temporary files
# in $TMP, nothing fetched from anywhere.
pprof()
{
	mkdir -p "$TMP/home" "$TMP/pprof"
	HOME=$TMP/home GOCACHE=$TMP/gocache GOFLAGS='' GOPROXY=off PPROF_TMPDIR=$TMP/pprof \
		"$GO" tool pprof "$@" "$PROFILE" 2>"$TMP/pprof.err" ||
		fail "go tool pprof $*: $(head -5 "$TMP/pprof.err")"
}
