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
# path_c had made 16 MiB resident when it exited. Its first sample carries what
# grew since the previous one, and what grew after its last sample is unsampled:
# each side moves by an exponential draw of mean 512 KiB, 4 MiB once in 3000.
got=$(folded_bytes "$folded" path_c)
assert_le "exit midway: path_c" "$got" $((20 * MIB))
assert_ge "exit midway: path_c" "$got" $((12 * MIB))
line=$(assert_stacks_line "$MT_ERR")
echo "$line" | grep -Eq "; [0-9.]+ (MiB|KiB|B) of it came after its thread's last sample" ||
	fail "the stacks line does not say what is unsampled: $line"
ok "stacks lines: $(echo "$line" | tr '\n' ' ')"
# Attribution is the folded total, to the 10 KiB the header's two decimals show.
attributed=$(echo "$line" | awk '/^Stacks:/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "MiB" && $(i + 2) == "attributed") { print $i * 1048576; exit } }')
[ -n "$attributed" ] || fail "no attributed figure in the Stacks: header: $line"
assert_le "folded total against the header's attributed figure" \
	"$(awk -v a="$attributed" -v t="$(folded_total "$folded")" 'BEGIN { d = a - t; print d < 0 ? -d : d }')" 10486
