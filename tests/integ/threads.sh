#!/bin/bash
# threads: process growth 48 MiB per call, of which 16 MiB caused by the calling thread
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

launch_target threads -o /dev/stdout -f thread_work -- 2

assert_calls_match "$MT_OUT" thread_work "$T_LOG"
# Thread truth: the window's growth less helper B's, measured while the caller waited.
mapfile -t own < <(awk '/^rss_before / { b = $2 } /^rss_after / { a = $2 }
	/^b_before / { bb = $2 } /^b_after / { print (a - b) - ($2 - bb) }' "$T_LOG")
mapfile -t total < <(truth_growth "$T_LOG")
mapfile -t got < <(mtq "$MT_OUT" "[c['thread_growth'] for c in calls('thread_work')]")
for i in 0 1; do
	# The target did what it was designed to do (else the test proves nothing).
	assert_close "target's own growth, call $((i + 1))" "${total[i]}" $((48 * MIB))
	assert_close "target's own thread growth, call $((i + 1))" "${own[i]}" $((16 * MIB))
	assert_close "call $((i + 1)) thread_growth" "${got[i]}" "${own[i]}"
done
sum=$(printf '%s\n' "${own[@]}" | awk '{ s += $1 } END { print s }')
assert_close "summary thread_growth" "$(mtq "$MT_OUT" "fn('thread_work')['thread_growth']")" "$sum"

# Attach mode: helper thread B already exists when memtrace attaches.
start_target threads --wait 1
json=$TMP/run.ndjson
trace_attached "$json" 0 "attach threads" -f thread_work
assert_calls_match "$json" thread_work "$T_LOG"
own=$(awk '/^rss_before / { b = $2 } /^rss_after / { a = $2 }
	/^b_before / { bb = $2 } /^b_after / { print (a - b) - ($2 - bb) }' "$T_LOG")
assert_close "attach: thread_growth" "$(mtq "$json" "calls('thread_work')[0]['thread_growth']")" "$own"
