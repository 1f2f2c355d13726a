#!/bin/bash
# stacks across an exec: path_a before the target execs itself, path_b and path_c after; each within 10% of the target's own growth, at most 0.5% [unknown]; memtrace's own fork before the command's exec is not in the stacks
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/stacks.sh"
require_env

folded=$TMP/exec.folded
launch_target paths --folded "$folded" -- exec
[ "$(grep -c '^ready' "$T_LOG")" -eq 2 ] || fail "the target did not exec itself: $(cat "$T_LOG")"
assert_paths "$folded" "$T_LOG" "exec"
assert_stacks_line "$MT_ERR"
# Samples still queued at the exec are unwound with the maps of their own image, not [unknown].
unknown=$(folded_bytes "$folded" "[unknown]")
total=$(folded_total "$folded")
awk -v u="$unknown" -v t="$total" 'BEGIN { exit !(t > 0 && u <= 0.005 * t) }' ||
	fail "exec: $unknown of $total bytes [unknown] (at most 0.5%)"
ok "exec: $unknown of $total bytes [unknown]"
# Before the exec, the launched process is memtrace's own fork, running memtrace's code.
if grep -E 'mt_launch|run_trace' "$folded"; then
	fail "memtrace's own code is in the stacks"
fi
ok "no memtrace frame in the stacks"
