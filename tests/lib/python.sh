# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash

# --- Python targets (tests/integ/py_*.sh) ----------------------------------

# Python targets are scripts (tests/targets/py/*.py), run by absolute path
# with an absolute interpreter path: `python3` on PATH may be a pyenv shim.
PY_TARGETS=$ROOT/tests/targets/py
# Debian's python3.11: the one with CPython's USDT probes (--exact), and numpy.
PY_USDT=/usr/bin/python3.11
PYENV_VERSIONS=${PYENV_VERSIONS:-/root/.pyenv/versions}
# The versions the frame-walking mode supports, as pyenv builds.
PY_FRAME_VERSIONS="3.10.13 3.11.7 3.12.1 3.13.0"

# py_interp VERSION: pyenv's interpreter for VERSION (3.12.1 ->
# .../3.12.1/bin/python3.12), printed if it is installed and runs.
py_interp()
{
	local p=$PYENV_VERSIONS/$1/bin/python${1%.*}
	[ -x "$p" ] && "$p" -c pass 2>/dev/null && echo "$p"
}

# require_py_usdt: Debian's python3.11 with its USDT probes, or skip.
require_py_usdt()
{
	[ -x "$PY_USDT" ] || skip "$PY_USDT not installed (Debian's python3.11, the one with USDT probes)"
	readelf -n "$PY_USDT" 2>/dev/null | grep -q 'function__entry' ||
		skip "$PY_USDT has no USDT probe function__entry"
}

# py_usdt_missing: for a test whose --exact part needs $PY_USDT, which is
# absent: says so, and fails under CI=true, where nothing may be skipped.
py_usdt_missing()
{
	[ "${CI:-}" != true ] || fail "$PY_USDT with USDT probes needed under CI=true"
	echo "note: $PY_USDT with USDT probes is not installed: --exact not tested"
}

# py_interp_first VERSION...: the first of these pyenv interpreters that is
# installed; nothing (and status 1) if none is.
py_interp_first()
{
	local v
	for v in "$@"; do
		py_interp "$v" && return 0
	done
	return 1
}

# py_interp_missing WHAT: for a test whose part WHAT needs a pyenv CPython,
# none of which is installed: says so, and fails under CI=true.
py_interp_missing()
{
	[ "${CI:-}" != true ] || fail "a pyenv CPython needed under CI=true ($1)"
	echo "note: no pyenv CPython for $1 installed: not tested"
}

# require_py_interps WHAT VERSION...: PY_INTERPS (array) = pyenv's interpreters
# of these versions, in order; a test whose part WHAT needs them all is
# skipped (failed under CI=true) when one is missing.
require_py_interps()
{
	local what=$1 v p
	shift
	PY_INTERPS=()
	for v in "$@"; do
		if ! p=$(py_interp "$v"); then
			py_interp_missing "$what"
			skip "pyenv CPython $v needed ($what)"
		fi
		PY_INTERPS+=("$p")
	done
}

# py_frame_interps: every interpreter the frame-walking tests run on, one a
# line: pyenv's supported versions that are installed, then Debian's 3.11.
# Says on stderr which are missing. Run it once, outside $(...), with
# require_py_frames, which sets PY_INTERPS or skips the test.
py_frame_interps()
{
	local v p
	for v in $PY_FRAME_VERSIONS; do
		if p=$(py_interp "$v"); then
			echo "$p"
		else
			echo "note: CPython $v is not installed ($PYENV_VERSIONS/$v): not tested" >&2
		fi
	done
	if [ -x "$PY_USDT" ]; then
		echo "$PY_USDT"
	fi
}

# require_py_frames: PY_INTERPS (array) = py_frame_interps, or skip.
require_py_frames()
{
	mapfile -t PY_INTERPS < <(py_frame_interps)
	[ ${#PY_INTERPS[@]} -gt 0 ] || skip "no CPython 3.10-3.13 installed ($PYENV_VERSIONS, $PY_USDT)"
}

# py_line SCRIPT TAG: the line number of SCRIPT's line ending in "# L:TAG".
py_line()
{
	local n
	n=$(grep -n -- "# L:$2\$" "$1" | cut -d: -f1)
	[ "$(echo "$n" | wc -w)" -eq 1 ] || fail "tag L:$2 is not on exactly one line of $1"
	echo "$n"
}

# py_sum LOG WORDS...: sum of the last field of the log lines starting with
# WORDS (e.g. py_sum LOG line bytes).
py_sum()
{
	local log=$1
	shift
	awk -v k="$* " 'index($0, k) == 1 { s += $NF } END { print s + 0 }' "$log"
}

# py_start_target INTERP SCRIPT ARGS...: like start_target, for a Python
# target (tests/targets/py/SCRIPT) in the background. Sets T_PID, T_LOG.
py_start_target()
{
	local interp=$1 script=$2
	shift 2
	spawn_target "$script" 20 "$interp" "$PY_TARGETS/$script" "$@"
}

# py_launch INTERP SCRIPT MT_ARGS... -- ARGS...: launch_cmd (tests/lib/harness.sh)
# of INTERP running tests/targets/py/SCRIPT. Sets T_LOG, MT_OUT, MT_ERR, MT_RC.
py_launch() { launch_cmd "${2%.py}" 2 "$1" "$PY_TARGETS/$2" "${@:3}"; }

# py_lines_of FILE FUNC SCRIPT: the summary.lines entries of FUNC in SCRIPT,
# as a Python expression for mtq/mtpy (a dict: line number -> entry).
py_lines_of()
{
	echo "{l['line']: l for l in summary()['lines'] if named(l, '$2') and l['file'].endswith('/$3')}"
}

# py_line_field FILE FUNC SCRIPT LINE FIELD [DEFAULT]: one field of one
# summary.lines entry; DEFAULT (else a message) when the line has no entry.
py_line_field()
{
	mtq "$1" "($(py_lines_of "$1" "$2" "$3")).get($4, {}).get('$5', '${6:-no entry for line $4 of $3}')"
}

# assert_py_line WHAT FILE FUNC SCRIPT TAG WANT: the increment of the line
# tagged TAG against WANT bytes. A line without an entry counts as 0: frame
# walking lists only the lines it saw memory change on.
assert_py_line()
{
	local what=$1 file=$2 func=$3 script=$4 tag=$5 want=$6 line
	line=$(py_line "$PY_TARGETS/$script" "$tag")
	assert_close "$what: line $line (L:$tag) increment" \
		"$(py_line_field "$file" "$func" "$script" "$line" increment 0)" "$want"
}

# assert_py_tables OUT JSON: the line tables in OUT (memtrace's stdout) are
# memory_profiler's, one per (function, file) of JSON's summary.lines, each
# "Filename: FILE", a blank line, memory_profiler's header and "=" rule, then
# its rows in line order, formatted by memory_profiler's template
# '{0:>6} {1:>12} {2:>12}  {3:>10}   {4:<}' with sizes as '%6.2f MiB' (a
# cell the mode cannot know is "-"); each entry's source is the file's line.
assert_py_tables()
{
	"$PY" "$LIB_DIR/lib/pytables.py" "$1" "$2" || fail "line tables in $1 do not match $2"
}

# py_check_frames INTERP: the default (frame-walking) mode on INTERP, with
# lines.py in launch and in attach mode: work()'s growth and its lines'
# increments match what work() saw; calls and Occurrences are unknown to
# this mode, so null in JSON and "-" in the tables; no call records.
py_check_frames()
{
	local interp=$1 S=lines.py json row sum tag line
	json=$TMP/launch.ndjson
	py_launch "$interp" $S -o "$json" -f work -f idle -- 8 16 4
	assert_eq "target kind and method" \
		"$(mtq "$json" "' '.join('%s:%s:%s' % (t['func'], t['kind'], t['method']) for t in of('start')[0]['targets'])")" \
		"work:python:frames idle:python:frames"
	sum=$(truth_growth "$T_LOG" | awk '{ s += $1 } END { print s }')
	assert_close "target's own growth" "$sum" $(((28 + 9) * MIB))
	assert_close "work: summary growth" "$(mtq "$json" "fn('work')['growth']")" "$sum"
	assert_eq "work: summary calls" "$(mtq "$json" "fn('work')['calls']")" None
	assert_eq "work: call records" "$(mtq "$json" "len(calls('work'))")" 0
	for tag in bytes calloc loop; do
		assert_py_line "work" "$json" work $S $tag "$(py_sum "$T_LOG" line $tag)"
	done
	assert_close "sum of work's line increments" \
		"$(mtq "$json" "sum(l['increment'] for l in ($(py_lines_of "$json" work $S)).values())")" "$sum"
	assert_eq "occurrences of work's lines" \
		"$(mtq "$json" "sorted(set(str(l['occurrences']) for l in ($(py_lines_of "$json" work $S)).values()))")" None
	assert_eq "idle: growth and lines" \
		"$(mtq "$json" "'%s %s' % (fn('idle')['growth'], len($(py_lines_of "$json" idle $S)))")" "0 0"
	assert_py_tables "$MT_ERR" "$json"
	read -r -a row <<<"$(table_row "$MT_ERR" work)"
	assert_eq "table calls" "${row[1]:-}" -
	assert_table_mib "table growth" "${row[2]:-}" "$sum"
	line=$(py_line "$PY_TARGETS/$S" bytes)
	grep -Eq "^ +$line +[0-9.]+ MiB +[0-9.]+ MiB +- +   a = b\"a\"" "$MT_ERR" ||
		fail "bytes line not shown with '-' occurrences: $(grep -E "^ +$line " "$MT_ERR")"
	ok "table row: $(grep -E "^ +$line " "$MT_ERR")"

	# Attach mode: the interpreter is already running when memtrace arrives.
	py_start_target "$interp" $S --wait 8 4
	json=$TMP/attach.ndjson
	trace_attached "$json" 0 "attach $interp $S" -f work
	sum=$(truth_growth "$T_LOG" | awk '{ s += $1 } END { print s }')
	assert_close "attach: work: summary growth" "$(mtq "$json" "fn('work')['growth']")" "$sum"
	for tag in bytes loop; do
		assert_py_line "attach: work" "$json" work $S $tag "$(py_sum "$T_LOG" line $tag)"
	done
}
