#!/bin/bash
# --svg FILE: well-formed (xmllint), renders (rsvg-convert), self-contained, names the traced functions and the peak
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_svg_tools

json=$TMP/run.ndjson
svg=$TMP/run.svg
launch_target ts_calls -o "$json" --svg "$svg" -f ts_keep -f ts_burst -- 4
assert_svg "$svg" ts_keep ts_burst

# The overall peak is labelled with the run's peak (summary.peak_rss, MiB).
peak=$(mtq "$json" "'%.2f' % (summary()['peak_rss'] / 1048576.0)")
grep -q "peak $peak MiB" "$svg" || fail "SVG does not label the peak as 'peak $peak MiB': $(grep -o 'peak [0-9.]* MiB' "$svg" | head -n 3)"
ok "SVG labels the overall peak: peak $peak MiB"
