#!/bin/bash
# -p with no such process, or a kernel thread: exit 1, one "memtrace: " line naming the problem
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# A pid that exists in no namespace of ours right now.
pid=$(($(cat /proc/sys/kernel/pid_max) - 1))
while [ -e "/proc/$pid" ]; do pid=$((pid - 1)); done
run_memtrace -p "$pid" -f grow_mib
assert_error 1 "no such pid $pid"
grep -q "$pid" "$MT_ERR" || fail "message does not name pid $pid: $(cat "$MT_ERR")"

# A process that exits while memtrace looks at it is the same error, not a crash.
"$TARGETS/grow" 1 >/dev/null &
gone=$!
wait "$gone"
run_memtrace -p "$gone" -f grow_mib
assert_error 1 "exited pid $gone"

# A kernel thread (kthreadd, PID 2) has no user memory: a clear line, not an attach attempt.
run_memtrace -p 2 -f grow_mib
assert_error 1 "kernel thread"
grep -q 'kernel thread' "$MT_ERR" || fail "message does not say kernel thread: $(cat "$MT_ERR")"
