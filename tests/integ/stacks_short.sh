#!/bin/bash
# stacks of a short launched command (grow: two 4 MiB calls 50 ms apart, ~100 ms in all): its frames are named from maps read while it lived (samples wake the reader within 20 ms; the unwinder reads the command's maps, not memtrace's own before the exec, and rereads them every few ms at first)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/stacks.sh"
require_env

# A command that exits within a few ms of mapping its libraries can still
# lose its names (README, "Limits"); the second call, 50 ms later, must not.
for i in 1 2 3; do
	folded=$TMP/short.$i.folded
	launch_target grow --sample-bytes 64K --folded "$folded" -- 4 4
	got=$(folded_bytes "$folded" grow_mib)
	assert_ge "run $i: grow_mib (one call at least)" "$got" $((4 * MIB * 9 / 10))
	assert_le "run $i: grow_mib (two calls at most)" "$got" $((8 * MIB * 11 / 10))
	# memtrace's own libraries (mapped in its fork before the exec) never name a frame.
	grep -Eq 'libbpf|libdw|libjansson' "$folded" && fail "run $i: memtrace's own libraries in the stacks: $(head -3 "$folded")"
done
ok "a ~100 ms command's stacks named, three runs in three"
