#!/bin/bash
# --cgroup meeting more processes than stack roots it names: the first 1024 start at "comm [pid]", later ones at "comm"
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

make_test_cgroup

# 1400 short children (tests/targets/churn.c), each growing 1 MiB, sampled
# every MiB or so: each process's stacks start at its own root frame up to
# MT_SAMPLES_PID_ROOTS (user/samples.h), then at its comm alone, so the
# profile of a run without end grows with its programs, not its pids.
n=1400 roots=1024
go=$TMP/go
start_target churn --wait-file "$go" "$n" 16 1
echo "$T_PID" >"$cg/cgroup.procs" || fail "cannot move $T_PID into $cg"
folded=$TMP/roots.folded
start_memtrace --cgroup "$cg" --sample-bytes 1M --folded "$folded" -o "$TMP/roots.ndjson"
wait_start "$TMP/roots.ndjson"
touch "$go"
target_done "$T_LOG" "$T_PID" 0
kill -INT "$MT_PID"
wait_memtrace 30
assert_rc 0 "memtrace --cgroup, ended by SIGINT"

# Root first, after "[truncated]" when the unwinder stopped early.
roots_of() { sed 's/^\[truncated\];//' "$folded" | cut -d';' -f1; }
with_pid=$(roots_of | sed -n 's/^churn \[\([0-9]*\)\]$/\1/p' | sort -u | wc -l)
without=$(roots_of | grep -c '^churn$' || true)
assert_eq "processes with a 'churn [pid]' root" "$with_pid" "$roots"
assert_ge "stacks rooted at 'churn' alone" "$without" 1
ok "$roots processes rooted at their pid, the rest at their comm"
