# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# Part of tests/lib.sh: queries of a memtrace NDJSON stream (tests/lib/mtq.py)
# and the assertions built on them.

# mtq FILE EXPR: evaluates a Python expression over the NDJSON stream in FILE
# (helpers: recs, of(type), calls(func[, open_]), summary(), fn(func)) and
# prints it, a list one item per line. Fails the test on bad JSON.
mtq()
{
	local res
	res=$("$PY" "$LIB_DIR/lib/mtq.py" eval "$1" "$2" 2>&1) || fail "query '$2' on $1: $res"
	echo "$res"
}

# mtpy FILE CODE: runs Python statements over the stream (same helpers as
# mtq); the code reports problems with sys.exit("message").
mtpy()
{
	local res
	res=$("$PY" "$LIB_DIR/lib/mtq.py" exec "$1" "$2" 2>&1) || fail "$res"
	[ -z "$res" ] || echo "$res"
}

# assert_calls_match FILE FUNC LOG: the call records of FUNC, in order, grow
# as the target's own rss_before/rss_after say; as many calls as reported.
assert_calls_match()
{
	local file=$1 func=$2 log=$3 measured truth n i
	mapfile -t truth < <(truth_growth "$log")
	mapfile -t measured < <(mtq "$file" "[c['growth'] for c in calls('$func')]")
	n=${#truth[@]}
	[ "$n" -gt 0 ] || fail "target reported no calls in $log"
	assert_eq "$func completed calls" "${#measured[@]}" "$n"
	for ((i = 0; i < n; i++)); do
		assert_close "$func call $((i + 1)) growth" "${measured[i]}" "${truth[i]}"
	done
}

# assert_summary_growth FILE FUNC LOG: summary row of FUNC against the truth.
assert_summary_growth()
{
	local file=$1 func=$2 log=$3 want
	want=$(truth_growth "$log" | awk '{ s += $1 } END { print s + 0 }')
	assert_eq "$func summary calls" "$(mtq "$file" "fn('$func')['calls']")" "$(truth_growth "$log" | wc -l)"
	assert_close "$func summary growth" "$(mtq "$file" "fn('$func')['growth']")" "$want"
}

# assert_summary_sums FILE: every summary.functions number equals what the
# call records give (calls, open, partial, growth, growth_max, peak_max, thread_growth);
# each call is consistent (growth = exit - entry, peak >= entry and exit).
assert_summary_sums()
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
    # Calls that began before tracing are counted apart (docs/schema.md).
    partial = [c for c in calls(label(f)) if c.get("partial")]
    done = [c for c in calls(label(f)) if not c.get("partial")]
    opened = calls(label(f), True)
    want = {
        "calls": len(done),
        "open": len(opened),
        "partial": len(partial),
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
