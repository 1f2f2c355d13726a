#!/bin/bash
# summary.functions equal the sums over the call records (calls, open, growth, maxima, thread_growth)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

check_sums()
{
	mtpy "$1" '
s = summary()
err = []
oks = []
lost = sum(r.get("count", 0) for r in of("lost"))
if s.get("lost") != lost:
    err.append("summary lost %r, lost records sum to %d" % (s.get("lost"), lost))
for c in of("call"):
    if c["growth"] != c["rss_exit"] - c["rss_entry"]:
        err.append("call %r: growth != rss_exit - rss_entry" % c)
    if c["rss_peak"] < max(c["rss_entry"], c["rss_exit"]):
        err.append("call %r: rss_peak below entry or exit" % c)
    if c["dur"] < 0:
        err.append("call %r: negative dur" % c)
peak = max([c["rss_peak"] for c in of("call")] or [0])
if s["peak_rss"] < peak:
    err.append("summary peak_rss %d below a call peak %d" % (s["peak_rss"], peak))
if not s["duration"] > 0:
    err.append("summary duration %r" % s["duration"])
for f in s["functions"]:
    done = calls(f["func"])
    opened = calls(f["func"], True)
    want = {
        "calls": len(done),
        "open": len(opened),
        "growth": sum(c["growth"] for c in done),
        "growth_max": max([c["growth"] for c in done] or [0]),
        "peak_max": max([c["rss_peak"] - c["rss_entry"] for c in done] or [0]),
        "thread_growth": sum(c["thread_growth"] for c in done),
    }
    if not done:
        # No completed call: a maximum over nothing is unknown (null) or 0.
        for k in ("growth_max", "peak_max"):
            if f.get(k) is None:
                want[k] = None
    for k, v in want.items():
        if f.get(k) != v:
            err.append("%s.%s = %r, call records give %r" % (f["func"], k, f.get(k), v))
    oks.append("ok: %s: %s" % (f["func"], ", ".join("%s=%s" % kv for kv in sorted(want.items()))))
if err:
    sys.exit("summary does not match the call records:\n" + "\n".join(err))
print("\n".join(oks))
'
}

log=$(new_log threads)
run_memtrace --json -f thread_work -- "$TARGETS/threads" --log "$log" 3
assert_rc 0 "threads"
assert_eq "thread_work calls" "$(mtq "$MT_OUT" "len(calls('thread_work'))")" 3
check_sums "$MT_OUT"

# Several functions, one call left open by exit() inside it.
log=$(new_log exiter)
run_memtrace --json -f exit_work -f main -- "$TARGETS/exiter" --log "$log" 4 0 inside
assert_rc 0 "exiter"
assert_eq "exit_work completed calls" "$(mtq "$MT_OUT" "len(calls('exit_work'))")" 4
assert_eq "exit_work open calls" "$(mtq "$MT_OUT" "len(calls('exit_work', True))")" 1
assert_eq "main open calls" "$(mtq "$MT_OUT" "len(calls('main', True))")" 1
check_sums "$MT_OUT"
