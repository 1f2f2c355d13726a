#!/bin/bash
# without root (CAP_BPF): exit 1, one line saying root/CAP_BPF is needed; target unharmed
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
command -v setpriv >/dev/null || skip "setpriv not installed (util-linux)"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_nobody true || skip "cannot switch to uid 65534"
as_nobody test -x "$MEMTRACE" || skip "$MEMTRACE not executable by nobody"

# A target of the same unprivileged user, so only the missing capability is in the way.
SEQ=$((SEQ + 1))
T_LOG=$TMP/busy.$SEQ.log
# setpriv execs the target: $! is the target's pid.
setpriv --reuid=65534 --regid=65534 --clear-groups "$TARGETS/busy" >"$T_LOG" 2>&1 &
T_PID=$!
TARGET_PIDS+=("$T_PID")
wait_for_line "$T_LOG" '^ready' 10 || fail "target did not start: $(cat "$T_LOG")"
[ "$(awk '/^ready/ { print $2 }' "$T_LOG")" = "$T_PID" ] || fail "target pid is not \$!"

SEQ=$((SEQ + 1))
MT_OUT=$TMP/mt.$SEQ.out MT_ERR=$TMP/mt.$SEQ.err
timeout -k 5 30 setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$MEMTRACE" -p "$T_PID" -f busy_work >"$MT_OUT" 2>"$MT_ERR"
MT_RC=$?
assert_error 1 "attach as nobody"
grep -Eqi 'root|CAP_BPF' "$MT_ERR" || fail "message does not mention root or CAP_BPF"
assert_unharmed "$T_PID"

SEQ=$((SEQ + 1))
MT_OUT=$TMP/mt.$SEQ.out MT_ERR=$TMP/mt.$SEQ.err
timeout -k 5 30 setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$MEMTRACE" -f grow_mib -- "$TARGETS/grow" 4 >"$MT_OUT" 2>"$MT_ERR"
MT_RC=$?
assert_error 1 "launch as nobody"
grep -Eqi 'root|CAP_BPF' "$MT_ERR" || fail "message does not mention root or CAP_BPF"
