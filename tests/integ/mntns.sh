#!/bin/bash
# attach mode across mount and pid namespaces: the binary exists only inside the target's namespace
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
command -v unshare >/dev/null || skip "unshare (util-linux) not installed"

# The target runs from a tmpfs mounted only in its own mount namespace, as
# PID 1 of its own pid namespace: from here $dir is empty, so
# memtrace must resolve the executable through /proc/PID/root.
dir=$TMP/ns-root
mkdir -p "$dir"
T_LOG=$TMP/grow-ns.log
unshare --mount --pid --fork --propagation private sh -c "
	mount -t tmpfs none '$dir' && cp '$TARGETS/grow' '$dir/grow' && exec '$dir/grow' --wait 8 4
" >"$T_LOG" 2>&1 &
ns_parent=$!
TARGET_PIDS+=("$ns_parent")
wait_for_line "$T_LOG" '^ready [0-9]+$' 10 || fail "namespaced target did not start: $(cat "$T_LOG")"
# Its own view of its pid is 1; ours is the child of the unshare process.
pid=$(pgrep -P "$ns_parent" -x grow)
[ -n "$pid" ] || fail "cannot find the namespaced target's host pid"
TARGET_PIDS+=("$pid")
[ -e "$dir/grow" ] && fail "$dir/grow is visible outside the namespace: the test proves nothing"
ok "target pid $pid runs $dir/grow, invisible from the host"

json=$TMP/run.ndjson
start_memtrace -p "$pid" -o "$json" -f grow_mib
wait_start "$json"
assert_eq "start object" "$(mtq "$json" "of('start')[0]['targets'][0]['object']")" "$dir/grow"
kill -USR1 "$pid"
wait_memtrace 20
assert_rc 0 "namespaced attach"
wait "$ns_parent" 2>/dev/null
assert_calls_match "$json" grow_mib "$T_LOG"
exit 0
