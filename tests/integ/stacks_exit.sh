#!/bin/bash
# stacks when the target exits in the middle of growing (exit 3 inside grow_leaf): memtrace exits with its status, the samples so far are written, and what no sample claimed yet is said
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/stacks.sh"
require_env

folded=$TMP/exit.folded
T_LOG=$(new_log paths)
run_memtrace --folded "$folded" -- "$TARGETS/paths" --log "$T_LOG" exit
assert_rc 3 "the target's exit status"
grep -q '^exiting 3' "$T_LOG" || fail "the target did not exit midway: $(cat "$T_LOG")"
assert_paths "$folded" "$T_LOG" "exit midway" path_a
# path_c had made 16 MiB resident when it exited: no more, and most of it.
got=$(folded_bytes "$folded" path_c)
assert_le "exit midway: path_c" "$got" $((16 * MIB + 512 * 1024))
assert_ge "exit midway: path_c" "$got" $((8 * MIB))
line=$(assert_stacks_line "$MT_ERR")
echo "$line" | grep -Eq '; [0-9.]+ (MiB|KiB|B) not yet sampled$' || fail "the stacks line does not say what is not yet sampled: $line"
ok "stacks line: $line"
# Attribution is the folded total, to the 10 KiB the line's two decimals show.
attributed=$(echo "$line" | awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "MiB" && $(i + 2) == "of") { print $i * 1048576; exit } }')
assert_le "folded total against the line's attributed figure" \
	"$(awk -v a="$attributed" -v t="$(folded_total "$folded")" 'BEGIN { d = a - t; print d < 0 ? -d : d }')" 10486
