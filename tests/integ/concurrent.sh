#!/bin/bash
# two threads inside the same function at once: each call's growth is the process's, thread_growth its own
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

launch_target concurrent -o /dev/stdout -f par_work -- 8 24

total=$(truth_growth "$T_LOG")
assert_eq "par_work calls" "$(mtq "$MT_OUT" "len(calls('par_work'))")" 2
for k in 1 2; do
	read -r tid own < <(awk -v k="$k" '/^own / && ++n == k { print $2, $3 }' "$T_LOG")
	got=$(mtq "$MT_OUT" "[c for c in calls('par_work') if c['tid'] == $tid][0]")
	case $got in FAIL*) fail "no par_work call of thread $tid: $got" ;; esac
	assert_close "thread $tid: growth (both threads' allocations)" \
		"$(mtq "$MT_OUT" "[c['growth'] for c in calls('par_work') if c['tid'] == $tid][0]")" "$total"
	assert_close "thread $tid: thread_growth (its own only)" \
		"$(mtq "$MT_OUT" "[c['thread_growth'] for c in calls('par_work') if c['tid'] == $tid][0]")" "$own"
done
