#!/bin/bash
# a debuginfod server that never answers: memtrace says what it waits for, Ctrl-C stops it at once, and the next run may ask again
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
[ -x "$TARGETS/grow-stripped" ] || skip "$TARGETS/grow-stripped not built: run make targets"

unset DEBUGINFOD_TIMEOUT DEBUGINFOD_RETRY_LIMIT
stripped=$TARGETS/grow-stripped
id=$(readelf -n "$stripped" 2>/dev/null | awk '/Build ID:/ { print $3 }')
[ -n "$id" ] || fail "$stripped has no build id"

# A server that accepts connections and never says a word. In TARGET_PIDS: the
# EXIT trap kills it, pass or fail.
"$PY" -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept()[0])
' >"$TMP/port" &
TARGET_PIDS+=("$!")
wait_for_line "$TMP/port" '^[0-9]+$' 10 || fail "the silent server did not start"
export DEBUGINFOD_URLS=http://127.0.0.1:$(cat "$TMP/port") DEBUGINFOD_CACHE_PATH=$TMP/cache

start_memtrace -f grow_mib -- "$stripped" --log "$(new_log grow)" 4
wait_for_line "$MT_ERR" 'fetching debug info for .*grow-stripped from debuginfod\.\.\.$' 5 ||
	fail "no line saying memtrace waits for debuginfod"
ok "$(head -n 1 "$MT_ERR")"
sent=$(date +%s%N)
kill -INT "$MT_PID"
wait_memtrace 5
took=$((($(date +%s%N) - sent) / 1000000))
[ "$took" -lt 3000 ] || fail "memtrace took ${took} ms to stop on SIGINT during a download"
[ "$MT_RC" -ne 0 ] || fail "memtrace exited 0 after an interrupted start"
ok "stopped ${took} ms after SIGINT, exit $MT_RC"
# libdebuginfod marks a cancelled query as "not found" (an empty file) for ten minutes.
[ -e "$TMP/cache/$id/debuginfo" ] && fail "the interrupted query left a 'not found' mark in the cache"
ok "no 'not found' mark left in the cache"
