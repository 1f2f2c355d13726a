#!/bin/bash
# stacks with no -f on CPython 3.10-3.13 by frame walking (no USDT), launch mode: each call path's Python part (<module>;path_b;mid;grow_leaf, a thread's) in --folded mixed with native frames, its bytes within 10% of the target's own growth
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/stacks.sh"
. "$LIB_DIR/lib/pystacks.sh"
require_env

n=0
for v in $PY_FRAME_VERSIONS; do
	if ! interp=$(py_interp "$v"); then
		[ "${CI:-}" != true ] || fail "CPython $v needed under CI=true"
		echo "note: CPython $v is not installed: not tested"
		continue
	fi
	folded=$TMP/launch-$v.folded
	py_launch "$interp" stacks_paths.py --sample-bytes 64K --folded "$folded" --
	assert_launched "launch $v" "$T_LOG"
	assert_py_paths "$folded" "$T_LOG" "$interp" "launch $v"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || skip "no CPython 3.10-3.13 installed ($PYENV_VERSIONS)"
