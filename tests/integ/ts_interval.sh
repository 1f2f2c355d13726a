#!/bin/bash
# -i 20 and -i 100: median sample spacing within 10% of the interval; samples keep coming while no traced function runs
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# ts_idle calls ts_tick once, idles 1 s (nothing traced runs, memory does not
# move), calls it again. Its own wall clock says when it was idle; a record's
# wall-clock time is start.ts_unix + (t - start.t).
for iv in 20 100; do
	json=$TMP/idle-$iv.ndjson
	launch_target ts_idle -i "$iv" -o "$json" -f ts_tick -- 1000
	read -r from to < <(awk '/^idle / { print $2, $3 }' "$T_LOG")
	[ -n "${to:-}" ] || fail "target reported no idle window: $(cat "$T_LOG")"
	mtpy "$json" "
import statistics
iv = $iv / 1000.0
start = of('start')[0]
wall = lambda t: start['ts_unix'] + (t - start['t'])
s = of('sample')
if len(s) < 3:
    sys.exit('-i $iv: %d samples' % len(s))
err = []
for a in s:
    if a['rss'] != a['anon'] + a['file'] + a['shmem'] or a['peak'] < a['rss']:
        err.append('inconsistent sample %r' % a)
ts = [a['t'] for a in s]
if ts != sorted(ts):
    err.append('samples out of time order')
gaps = [b - a for a, b in zip(ts, ts[1:])]
med = statistics.median(gaps)
# Tolerance: the median spacing within 10% of the interval.
if abs(med - iv) > 0.10 * iv:
    err.append('-i $iv: median spacing %.2f ms, want $iv ms +-10%% (%d samples, min %.2f, max %.2f ms)'
               % (med * 1e3, len(s), min(gaps) * 1e3, max(gaps) * 1e3))
else:
    print('ok: -i $iv: %d samples, median spacing %.2f ms (want $iv +-10%%), min %.2f, max %.2f ms'
          % (len(s), med * 1e3, min(gaps) * 1e3, max(gaps) * 1e3))
# While the target idled: as many samples as the interval allows (90%, less one).
idle = $to - $from
want = idle / iv
n = len([a for a in s if $from <= wall(a['t']) <= $to])
if n < int(0.9 * want) - 1:
    err.append('-i $iv: %d samples while the target idled %.3f s (no traced call), want about %.0f' % (n, idle, want))
else:
    print('ok: -i $iv: %d samples while the target idled %.3f s with no traced call (about %.0f expected)' % (n, idle, want))
if err:
    sys.exit('\n'.join(err))
"
	assert_eq "-i $iv: ts_tick calls" "$(mtq "$json" "fn('ts_tick')['calls']")" 2
done
