#!/bin/bash
# Python names: a misspelt -f name is warned of at attach (not in the script or its own modules yet, a close name is) and, never seen, gets the close names at the end; a right one is silent
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_py_frames

S=docs.py
# The newest interpreter of the list (Debian's 3.11, with USDT probes, when installed).
INTERP=${PY_INTERPS[${#PY_INTERPS[@]} - 1]}

# has WHAT TEXT: memtrace's stderr holds TEXT; lacks WHAT TEXT: it does not.
has()
{
	grep -qF -- "$2" "$MT_ERR" || fail "$1: stderr lacks \"$2\": $(cat "$MT_ERR")"
	ok "$1: stderr has \"$2\""
}
lacks()
{
	! grep -qF -- "$2" "$MT_ERR" || fail "$1: stderr has \"$2\": $(cat "$MT_ERR")"
	ok "$1: stderr lacks \"$2\""
}
suggestion() { echo "no Python function 'make_dco' was seen in process $1 (none in"; }
later() { echo "no Python function '$1' in process $2 yet, only 'make_doc' in $PY_TARGETS/$S"; }

# Attach: the warning comes at attach, before the target runs; the suggestion at the end.
py_start_target "$INTERP" $S --wait 8 4
json=$TMP/attach.ndjson
start_memtrace -p "$T_PID" -o "$json" -f make_dco -f make_doc
wait_start "$json"
has "attach, at the start" "$(later make_dco "$T_PID")"
lacks "attach, at the start" "$(suggestion "$T_PID")"
lacks "attach, a right name" "'make_doc' in process"
kill -USR1 "$T_PID"
target_done "$T_LOG" "$T_PID" 0
wait_memtrace 20
assert_rc 0 "attach -f make_dco -f make_doc"
has "attach, at the end" "$(suggestion "$T_PID") $PY_TARGETS/$S"
has "attach, at the end" "; did you mean 'make_doc'?"
assert_eq "attach: warnings" "$(grep -c warning "$MT_ERR")" 2
assert_close "attach: make_doc growth" "$(mtq "$json" "fn('make_doc')['growth']")" \
	"$(truth_growth "$T_LOG" | awk '{ s += $1 } END { print s }')"

# A right name: not a word on stderr; nor for one close to nothing the
# sources define (exec() or another package may make it).
py_start_target "$INTERP" $S --wait 4
trace_attached "$TMP/right.ndjson" 0 "attach -f make_doc -f render_all" -f make_doc -f render_all
assert_eq "attach -f make_doc -f render_all: stderr" "$(cat "$MT_ERR")" ""

# The modules the script imports from its directory count: work() is samename_a.py's.
py_start_target "$INTERP" samename.py --wait a:4
trace_attached "$TMP/imported.ndjson" 0 "attach -f work -f wrok (samename.py)" -f work -f wrok
has "attach samename.py" "no Python function 'wrok' in process $T_PID yet, only 'work' in $PY_TARGETS/samename.py and"
lacks "attach samename.py" "'work' in process"

# Launch: nothing is loaded at the start, so no warning then; the suggestion at the end.
py_launch "$INTERP" $S -o "$TMP/launch.ndjson" -f make_dco -- 4
has "launch" "$(suggestion "$(mtq "$TMP/launch.ndjson" "of('start')[0]['pid']")")"
has "launch" "did you mean 'make_doc'?"
lacks "launch" "yet"
py_launch "$INTERP" $S -o "$TMP/launch-right.ndjson" -f make_doc -- 4
lacks "launch -f make_doc" "memtrace:"

# --exact: never called is never seen.
if [ -x "$PY_USDT" ] && readelf -n "$PY_USDT" 2>/dev/null | grep -q function__entry; then
	py_launch "$PY_USDT" $S --exact -o "$TMP/exact.ndjson" -f make_dco -- 4
	has "launch --exact" "did you mean 'make_doc'?"
else
	py_usdt_missing
fi
exit 0
