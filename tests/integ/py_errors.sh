#!/bin/bash
# Python errors: not CPython, Python 2, CPython < 3.10, --exact without USDT probes: exit 1, one clear line, command never runs
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# The command each launch would run: it leaves a mark if it ever gets to.
MARK=$TMP/ran
CODE="open('$MARK', 'w')"
not_run()
{
	[ ! -e "$MARK" ] || fail "$1: the command ran"
	ok "$1: the command did not run"
}

# has WHAT TEXT...: the error line holds every TEXT.
has()
{
	local what=$1 t
	shift
	for t in "$@"; do
		grep -qF -- "$t" "$MT_ERR" || fail "$what: message does not say '$t': $(cat "$MT_ERR")"
	done
}

# Not CPython, launch: a native name that is not there, and a Python one.
run_memtrace -f Inversa -- /bin/sleep 1
assert_error 1 "-f Inversa -- /bin/sleep"
has "-f Inversa -- /bin/sleep" Inversa "not CPython"
run_memtrace -f app.py:Inversa -- /bin/sleep 1
assert_error 1 "-f app.py:Inversa -- /bin/sleep"
has "-f app.py:Inversa -- /bin/sleep" app.py:Inversa "not CPython"
# Not CPython, attach: the process is left as it was.
start_target grow --wait 4
run_memtrace -p "$T_PID" -f app.py:grow_mib
assert_error 1 "-p (grow) -f app.py:grow_mib"
has "-p (grow) -f app.py:grow_mib" app.py:grow_mib "not CPython"
assert_unharmed "$T_PID"
kill -USR1 "$T_PID"
target_done "$T_LOG" "$T_PID" 0

# --exact where CPython has no USDT probes: pyenv's builds.
for v in 3.12.1 3.9.18; do
	interp=$(py_interp $v) || {
		echo "note: CPython $v is not installed: --exact on it not tested"
		continue
	}
	run_memtrace --exact -f work -- "$interp" -c "$CODE"
	assert_error 1 "--exact on $v"
	has "--exact on $v" "--exact" "USDT" "function__entry" "$PYENV_VERSIONS/$v/lib/libpython${v%.*}.so"
	not_run "--exact on $v"
done

# Versions before 3.10, Python 2 included: named, with the supported ones.
# 3.6 last: it has no _PyRuntime, the hardest to tell from a non-Python.
tested=0
for v in 3.9.18 3.8.18 3.7.16 2.7.18 3.6.15; do
	interp=$(py_interp $v) || {
		echo "note: CPython $v is not installed: not tested"
		continue
	}
	tested=$((tested + 1))
	for spec in work app.py:work; do
		run_memtrace -f "$spec" -- "$interp" -c "$CODE"
		assert_error 1 "-f $spec on $v"
		if [ "${v%%.*}" = 2 ]; then
			has "-f $spec on $v" "Python 2" "3.10"
		else
			has "-f $spec on $v" "CPython ${v%.*}" "supported: 3.10, 3.11, 3.12, 3.13"
		fi
		not_run "-f $spec on $v"
	done
done
[ "$tested" -gt 0 ] || echo "note: no CPython older than 3.10 installed in $PYENV_VERSIONS"
