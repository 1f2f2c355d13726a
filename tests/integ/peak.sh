#!/bin/bash
# peak48 (map, touch, unmap 48 MiB): peak in call >= 48 MiB while growth stays ~0
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

launch_target peak -o /dev/stdout -f peak48 -- 2

assert_calls_match "$MT_OUT" peak48 "$T_LOG"
mapfile -t truth < <(awk '/^peak_truth / { print $2 }' "$T_LOG")
mapfile -t got < <(mtq "$MT_OUT" "[c['rss_peak'] - c['rss_entry'] for c in calls('peak48')]")
min=$((48 * MIB - TOL_ABS))
for i in 0 1; do
	assert_ge "call $((i + 1)) rss_peak - rss_entry" "${got[i]}" "$min"
	assert_close "call $((i + 1)) peak vs the target's own peak" "${got[i]}" "${truth[i]}"
done
assert_ge "summary peak_max" "$(mtq "$MT_OUT" "fn('peak48')['peak_max']")" "$min"
assert_ge "summary peak_rss" "$(mtq "$MT_OUT" "summary()['peak_rss']")" "$min"
