#!/bin/bash
# Python: a co_filename that is a FIFO, /dev/zero, a directory or a file over 16 MiB is never read: memtrace neither hangs nor grows, Line Contents stay empty, one warning each
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
[ -x "$PY_USDT" ] || skip "$PY_USDT not installed (Debian's python3.11)"
command -v setpriv >/dev/null || skip "setpriv not installed (util-linux)"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
"${NOBODY[@]}" test -r "$PY_TARGETS/secsrc.py" || skip "$PY_TARGETS/secsrc.py not readable by uid 65534"

# All of them readable by the target: only their kind or size is in the way.
FIFO=$TMP/fifo
mkfifo -m 666 "$FIFO"
DIR=$TMP/dir
mkdir -m 755 "$DIR"
BIG=$TMP/big.py
truncate -s $((17 * MIB)) "$BIG"
chmod 644 "$BIG"

# memtrace's own peak RSS (VmHWM) is about 20 MiB; reading a 16 MiB source could add 32.
HWM_MAX=$((128 * MIB))

# unread NAME WHY: secsrc.py's work() and more() compiled as NAME, traced as
# nobody: memtrace ends with the target, the rows have no source, stderr
# is one warning: NAME and WHY.
unread()
{
	local json=$TMP/unread.$SEQ.ndjson hwm=0 h i
	SEQ=$((SEQ + 1))
	T_LOG=$TMP/secsrc.$SEQ.log
	"${NOBODY[@]}" "$PY_USDT" "$PY_TARGETS/secsrc.py" --wait --name "$1" 8 4 >"$T_LOG" 2>&1 &
	T_PID=$!
	TARGET_PIDS+=("$T_PID")
	wait_for_line "$T_LOG" '^ready [0-9]+$' 20 || fail "secsrc.py did not start: $(cat "$T_LOG")"
	start_memtrace -p "$T_PID" -o "$json" -f work -f more
	wait_start "$json"
	kill -USR1 "$T_PID"
	# A read of the FIFO or of /dev/zero would never end; of /dev/zero, grow without end.
	for ((i = 0; i < 400; i++)); do
		alive "$MT_PID" || break
		h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$MT_PID/status" 2>/dev/null)
		[ -n "$h" ] && hwm=$h
		sleep 0.05
	done
	target_done "$T_LOG" "$T_PID" 0
	wait_memtrace 5
	assert_le "$1: memtrace's peak RSS, KiB" "$hwm" $((HWM_MAX / 1024))
	assert_rc 0 "$1: attach secsrc.py"
	assert_eq "$1: rows, no source" \
		"$(mtq "$json" "' | '.join('%d:%s' % (l['line'], l['source'] or '') for l in sorted(summary()['lines'], key=lambda l: l['line']))")" \
		"2: | 3: | 7:"
	grep -qxF "Filename: $1" "$MT_OUT" || fail "no Filename: $1 table: $(cat "$MT_OUT")"
	grep -E '^ +[0-9]+ +[0-9.]+ MiB' "$MT_OUT" | grep -Ev ' -   $' && fail "$1: a row has Line Contents"
	assert_eq "$1: warnings" "$(cat "$MT_ERR")" "memtrace: warning: cannot show source of $1: $2"
}

unread "$FIFO" "it is not a regular file"
unread /dev/zero "it is not a regular file"
unread "$DIR" "it is not a regular file"
unread "$BIG" "it is larger than 16 MiB"
exit 0
