#!/bin/bash
# stacks: two threads grow at once along different paths (path_a 40 MiB, path_b 80 MiB); each path's folded bytes within 10% of what its thread made resident, launch and attach
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/stacks.sh"
require_env

check_threads()
{
	local folded=$1 what=$2 a b
	assert_paths "$folded" "$T_LOG" "$what"
	# The threads' figures are their own pages; together they are the process's growth.
	a=$(truth_path "$T_LOG" path_a)
	b=$(truth_path "$T_LOG" path_b)
	assert_share "$what: the target's threads against its own RSS" "$((a + b))" "$(truth_path "$T_LOG" threads)"
	# Each path ran on its own thread, apart from main (path_c).
	awk '/path_a/ && /path_b/ { exit 1 }' "$folded" || fail "$what: a stack holds both paths"
	grep -q 'start_thread' <(grep path_a "$folded") || fail "$what: path_a's stacks do not start at its thread's start: $(grep path_a "$folded")"
	ok "$what: path_a and path_b on their own threads' stacks"
}

folded=$TMP/launch.folded
launch_target paths --folded "$folded" -- threads
check_threads "$folded" "launch"

start_target paths --wait threads
folded=$TMP/attach.folded
trace_attached "$TMP/attach.ndjson" 0 "attach" --sample-bytes 128K --folded "$folded"
check_threads "$folded" "attach, --sample-bytes 128K"
