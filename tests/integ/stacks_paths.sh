#!/bin/bash
# stacks with no -f: three call paths into one allocating leaf (no frame pointers), launch and attach, default and small --sample-bytes; --folded bytes per path within 10% of the target's own growth
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/stacks.sh"
require_env

for sb in default 64K; do
	opt=()
	[ "$sb" = default ] || opt=(--sample-bytes "$sb")

	folded=$TMP/launch-$sb.folded
	launch_target paths "${opt[@]}" --folded "$folded" --
	assert_paths "$folded" "$T_LOG" "launch, --sample-bytes $sb"
	# mid is on path_b's stack only.
	assert_share "launch, --sample-bytes $sb: mid" "$(folded_bytes "$folded" mid)" \
		"$(truth_path "$T_LOG" path_b)"
	# Launched: tables and the stacks line on stderr, stdout the command's alone.
	assert_stacks_line "$MT_ERR"
	grep -q '^stacks:' "$MT_OUT" && fail "launch: the stacks line went to the command's stdout"
	# No -f: no function table.
	grep -q '^Function  *Calls' "$MT_ERR" && fail "launch with no -f printed a function table"

	start_target paths --wait
	folded=$TMP/attach-$sb.folded
	trace_attached "$TMP/attach-$sb.ndjson" 0 "attach, --sample-bytes $sb" "${opt[@]}" --folded "$folded"
	assert_paths "$folded" "$T_LOG" "attach, --sample-bytes $sb"
	assert_stacks_line "$MT_OUT"
done

# With -f, stacks are on too; the function table is unchanged and comes first.
folded=$TMP/with-f.folded
launch_target paths -f grow_leaf --folded "$folded" --
assert_paths "$folded" "$T_LOG" "with -f grow_leaf"
read -r -a row <<<"$(table_row "$MT_ERR" grow_leaf)"
assert_eq "with -f: grow_leaf calls" "${row[1]}" 3
assert_stacks_line "$MT_ERR" >/dev/null
[ "$(grep -n '^Function  *Calls' "$MT_ERR" | cut -d: -f1)" -lt "$(grep -n '^stacks:' "$MT_ERR" | cut -d: -f1)" ] ||
	fail "with -f: the stacks line comes before the function table"
ok "with -f: function table, then the stacks line"

# --no-stacks: no sampling, no stacks line.
launch_target paths -f grow_leaf --no-stacks --
grep -q '^stacks:' "$MT_ERR" && fail "--no-stacks printed a stacks line"
ok "--no-stacks: no stacks line"
