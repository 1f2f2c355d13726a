#!/bin/bash
# Python detection: CPython and its version found in launch and attach mode; -f NAME is a Python function unless the interpreter has a native one
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_py_usdt

S=lines.py
# Launch mode, --exact: Debian's 3.11 is an executable with the interpreter
# linked in (no libpython), with USDT probes.
json=$TMP/exact.ndjson
py_launch "$PY_USDT" $S -v --exact -o "$json" -f work -- 4
grep -q "CPython 3\.11 in $PY_USDT (with USDT probes)" "$MT_ERR" ||
	fail "-v does not say 'CPython 3.11 in $PY_USDT (with USDT probes)': $(cat "$MT_ERR")"
ok "$(grep CPython "$MT_ERR" | head -n 1)"
assert_eq "start targets" "$(mtq "$json" "' '.join('%s:%s:%s:%s' % (t['spec'], t['kind'], t['method'], t['object']) for t in of('start')[0]['targets'])")" \
	"work:python:usdt:$PY_USDT"
assert_calls_match "$json" work "$T_LOG"

# Launch mode, default: each pyenv build runs from its libpython3.X.so.
for v in $PY_FRAME_VERSIONS; do
	interp=$(py_interp "$v") || {
		echo "note: CPython $v is not installed ($PYENV_VERSIONS/$v): not tested"
		continue
	}
	mm=${v%.*}
	lib=$PYENV_VERSIONS/$v/lib/libpython$mm.so.1.0
	json=$TMP/frames-$v.ndjson
	run_memtrace -v -o "$json" -f work -- "$interp" "$PY_TARGETS/$S" --log "$(new_log lines)" 4
	assert_rc 0 "launch $interp"
	grep -q "CPython $mm in $lib" "$MT_ERR" || fail "-v does not say 'CPython $mm in $lib': $(cat "$MT_ERR")"
	ok "$(grep CPython "$MT_ERR" | head -n 1)"
	assert_eq "$v: start targets" "$(mtq "$json" "' '.join('%s:%s:%s:%s' % (t['spec'], t['kind'], t['method'], t['object']) for t in of('start')[0]['targets'])")" \
		"work:python:frames:$lib"
done

# A native function of the interpreter keeps its native meaning.
json=$TMP/native.ndjson
py_launch "$PY_USDT" $S -o "$json" -f PyList_Append -f work -- 4
assert_eq "PyList_Append is native, work is Python" \
	"$(mtq "$json" "' '.join('%s:%s:%s' % (t['func'], t['kind'], t['method']) for t in of('start')[0]['targets'])")" \
	"PyList_Append:native:uprobe work:python:frames"

# Attach mode, --exact, go by file: the interpreter is already running.
py_start_target "$PY_USDT" $S --wait-file "$TMP/go" 8 4
json=$TMP/attach.ndjson
start_memtrace -v --exact -p "$T_PID" -o "$json" -f work
wait_start "$json"
touch "$TMP/go"
target_done "$T_LOG" "$T_PID" 0
wait_memtrace 20
assert_rc 0 "attach $PY_USDT --exact"
grep -q "CPython 3\.11 in $PY_USDT (with USDT probes)" "$MT_ERR" || fail "attach: -v does not name CPython 3.11: $(cat "$MT_ERR")"
assert_eq "attach: start pid" "$(mtq "$json" "of('start')[0]['pid']")" "$T_PID"
assert_calls_match "$json" work "$T_LOG"
assert_summary_growth "$json" work "$T_LOG"
assert_py_line "attach: work" "$json" work $S bytes "$(py_sum "$T_LOG" line bytes)"
