#!/bin/bash
# Python: work() defined in two files is reported per file (two rows, two Filename: tables); FILE.py:NAME narrows to one file
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_py_frames

S=samename.py
A=$PY_TARGETS/samename_a.py B=$PY_TARGETS/samename_b.py
ARGS=(a:8 b:4 a:16)

# truth LOG a|b: the growth of that file's work() calls, as the target saw it.
truth() { awk -v w="$2" '/^file / { f = $2 } /^rss_before / { b = $2 } /^rss_after / && f == w { s += $2 - b } END { print s + 0 }' "$1"; }
# fn_of JSON FUNC: the summary row labelled FUNC ("work (FILE)": func and file), exactly.
fn_of() { mtq "$1" "[f for f in summary()['functions'] if label(f) == '$2'][0]['$3'] if [f for f in summary()['functions'] if label(f) == '$2'] else 'no row $2'"; }

# both MODE JSON LOG OUT: -f work found both, each with its own growth and lines.
both()
{
	local mode=$1 json=$2 log=$3 out=$4 w
	assert_finished "$log"
	assert_close "$mode: target's own growth, a" "$(truth "$log" a)" $((24 * MIB))
	assert_close "$mode: target's own growth, b" "$(truth "$log" b)" $((8 * MIB))
	assert_eq "$mode: summary rows" "$(mtq "$json" "' | '.join(sorted(label(f) for f in summary()['functions']))")" \
		"work ($A) | work ($B)"
	for w in a b; do
		f="work ($PY_TARGETS/samename_$w.py)"
		assert_close "$mode: $f growth" "$(fn_of "$json" "$f" growth)" "$(truth "$log" $w)"
		assert_py_line "$mode: $w" "$json" "$f" samename_$w.py alloc_$w "$(truth "$log" $w)"
		grep -qF "$f " "$out" || fail "$mode: no table row for '$f': $(cat "$out")"
		grep -qxF "Filename: $PY_TARGETS/samename_$w.py" "$out" || fail "$mode: no Filename: table for samename_$w.py"
	done
	assert_py_tables "$out" "$json"
}

if [ -x "$PY_USDT" ]; then
	json=$TMP/exact.ndjson
	py_launch "$PY_USDT" $S --exact -o "$json" -f work -- "${ARGS[@]}"
	both exact "$json" "$T_LOG" "$MT_ERR"
	assert_eq "exact: calls, a" "$(fn_of "$json" "work ($A)" calls)" 2
	assert_eq "exact: calls, b" "$(fn_of "$json" "work ($B)" calls)" 1
	exact_json=$json

	# FILE.py:NAME: only samename_a.py's work().
	json=$TMP/exact-a.ndjson
	py_launch "$PY_USDT" $S --exact -o "$json" -f samename_a.py:work -- "${ARGS[@]}"
	assert_eq "exact, a only: calls" "$(mtq "$json" "len(calls('work'))")" 2
	mapfile -t want < <(awk '/^file / { f = $2 } /^rss_before / { b = $2 } /^rss_after / && f == "a" { print $2 - b }' "$T_LOG")
	mapfile -t got < <(mtq "$json" "[c['growth'] for c in calls('work')]")
	for i in 0 1; do assert_close "exact, a only: call $((i + 1)) growth" "${got[i]}" "${want[i]}"; done
	assert_close "exact, a only: summary growth" "$(mtq "$json" "summary()['functions'][0]['growth']")" "$(truth "$T_LOG" a)"
	assert_eq "exact, a only: files of the lines" "$(mtq "$json" "sorted(set(l['file'] for l in summary()['lines']))")" "$A"
else
	py_usdt_missing
fi

# Frame walking, in attach mode, on the first interpreter there is.
interp=${PY_INTERPS[0]}
py_start_target "$interp" $S --wait "${ARGS[@]}"
json=$TMP/frames.ndjson
trace_attached "$json" 0 "attach $interp $S -f work" -f work
both "$interp" "$json" "$T_LOG" "$MT_OUT"

py_start_target "$interp" $S --wait "${ARGS[@]}"
json=$TMP/frames-b.ndjson
trace_attached "$json" 0 "attach $interp $S -f samename_b.py:work" -f samename_b.py:work
assert_close "$interp, b only: growth" "$(mtq "$json" "summary()['functions'][0]['growth']")" "$(truth "$T_LOG" b)"
assert_eq "$interp, b only: files of the lines" "$(mtq "$json" "sorted(set(l['file'] for l in summary()['lines']))")" "$B"

# Last: the call records must say which work() they are, as the summary
# rows do, or a reader of the stream cannot tell them apart.
[ -n "${exact_json:-}" ] && assert_summary_sums "$exact_json"
exit 0
