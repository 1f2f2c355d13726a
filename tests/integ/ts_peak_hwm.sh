#!/bin/bash
# a 200 MiB map/touch/unmap between two samples (-i: 5 times a measured spike, >= 1 s): max sample peak and peak_rss equal the target's VmHWM; no polled rss saw it
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# The spike starts right after a sample and lasts a fraction of the
# interval: polling cannot see it, only the kernel-side peak can. Touching
# 200 MiB takes from a tenth of a second to most of one, as busy as the
# machine is: a first traced run measures it, and the interval is five times
# that (at least 1 s), so the spike fits between two samples with room for
# the test to react to the first one.
spike_ms()
{
	awk '/^spike / { printf "%d\n", ($3 - $2) * 1000 + 1 }' "$1"
}
launch_target ts_spike -i 1000 -o "$TMP/measure.ndjson" -f ts_spike_map -- 200 0
ms=$(spike_ms "$T_LOG")
[ -n "$ms" ] || fail "target reported no spike window: $(cat "$T_LOG")"
iv=$((ms * 5 < 1000 ? 1000 : (ms * 5 + 99) / 100 * 100))
ok "measuring run: the spike lasted $ms ms; interval $iv ms"

go=$TMP/go
log=$(new_log ts_spike)
json=$TMP/run.ndjson
# The target stays longer than an interval after the spike: a sample comes after it.
start_memtrace -i "$iv" -o "$json" -f ts_spike_map -- "$TARGETS/ts_spike" --log "$log" --wait-file "$go" \
	200 $((iv * 3 / 2))
wait_start "$json"
wait_for_line "$json" '"type": *"sample"' $((iv / 1000 + 10)) || fail "no sample record after the start record"
wait_for_line "$log" '^ready [0-9]+$' 10 || fail "target did not start: $(cat "$log")"
log_pid "$log" >/dev/null
touch "$go"
wait_memtrace $((iv * 3 / 1000 + 30))
assert_launched "ts_spike -i $iv" "$log"
hwm=$(awk '/^hwm / { print $2 }' "$log")
read -r from to < <(awk '/^spike / { print $2, $3 }' "$log")
{ [ -n "$hwm" ] && [ -n "${to:-}" ]; } || fail "target reported no hwm or spike window: $(cat "$log")"
ok "target: VmHWM $hwm, spike lasted $(spike_ms "$log") ms"

# The spike fell strictly between two samples (else this run proves nothing).
mtpy "$json" "
start = of('start')[0]
wall = lambda t: start['ts_unix'] + (t - start['t'])
w = [wall(a['t']) for a in of('sample')]
inside = [x for x in w if $from - 0.002 <= x <= $to + 0.002]
if inside:
    sys.exit('a sample was taken during the spike (%r within %r..%r): the interval did not isolate it' % (inside, $from, $to))
if not (any(x < $from for x in w) and any(x > $to for x in w)):
    sys.exit('the spike is not between two samples (samples at %r, spike %r..%r)' % (w, $from, $to))
print('ok: the spike lay between two samples, none during it (%d samples)' % len(w))
"
assert_close "max(sample.peak) vs VmHWM" "$(mtq "$json" "max(a['peak'] for a in of('sample'))")" "$hwm"
assert_close "summary.peak_rss vs VmHWM" "$(mtq "$json" "summary()['peak_rss']")" "$hwm"
# Polling never saw it: every sample's rss stays far below the spike.
mtpy "$json" "
s = of('sample')
hi = max(a['rss'] for a in s)
if hi > $hwm / 4:
    sys.exit('a sample rss of %d saw the spike (VmHWM $hwm): the peak may not come from the kernel side' % hi)
k = max(range(len(s)), key=lambda i: s[i]['peak'])
if s[k]['rss'] > $hwm / 4:
    sys.exit('the sample carrying the peak has rss %d' % s[k]['rss'])
after = [a['peak'] for a in s[k + 1:]]
if not after:
    sys.exit('no sample after the one carrying the peak')
if max(after) > $hwm / 4:
    sys.exit('peak not reset after the sample that carried it: later peaks %r' % after)
print('ok: no sample rss above %d (largest %d); the one sample after the spike carries peak %d, later ones %d'
      % ($hwm // 4, hi, s[k]['peak'], max(after)))
"
