#!/bin/bash
# stacks with no -f on a running CPython (3.10: an eval loop per frame; 3.12: inlined calls), attach mode: each call path's Python part in --folded, mixed with native frames, its bytes within 10% of the target's own growth; with -f naming a Python function too
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/stacks.sh"
. "$LIB_DIR/lib/pystacks.sh"
require_env

for v in 3.10.13 3.12.1; do
	interp=$(py_interp "$v") || skip "CPython $v is not installed ($PYENV_VERSIONS/$v)"
	py_start_target "$interp" stacks_paths.py --wait
	folded=$TMP/attach-$v.folded
	trace_attached "$TMP/attach-$v.ndjson" 0 "attach $v" --sample-bytes 64K --folded "$folded"
	assert_py_paths "$folded" "$T_LOG" "$interp" "attach $v"
done

# The walker's targets and the stacks at once: the same stacks, and mid's growth.
py_start_target "$interp" stacks_paths.py --wait
folded=$TMP/attach-f.folded
trace_attached "$TMP/attach-f.ndjson" 0 "attach -f mid" -f mid --sample-bytes 64K --folded "$folded"
assert_py_paths "$folded" "$T_LOG" "$interp" "attach -f mid"
assert_share "attach -f mid: mid's growth" "$(mtq "$TMP/attach-f.ndjson" "fn('mid')['growth']")" \
	"$(truth_path "$T_LOG" path_b)"
