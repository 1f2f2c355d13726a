#!/bin/bash
# RSS over time per process: each forked child's sample records with its own pid, its last RSS as it measured it; --svg and 'memtrace plot' draw a labelled curve per process; one process: its samples alone; -a --svg
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_svg_tools
require_jsonlint

# svg_labels SVG: the "comm [pid]" labels of the process curves, one a line.
svg_labels() { grep -o '>[^<>]* \[[0-9]*\]</text>' "$1" | sed 's/^>//; s/<\/text>$//'; }
# svg_points SVG: the number of points of each polyline, one a line.
svg_points() { grep -o 'points="[^"]*"' "$1" | awk '{ print NF }'; }
# ticks_py: Python for mtpy, ticks(): the sample records by tick. A tick's
# samples are written one after another, microseconds apart; ticks are -i apart.
ticks_py()
{
	cat <<'EOF'
def ticks():
    out = []
    samples = list(of('sample'))
    # The stop's sample (the first process's last) may come within 5 ms of the last tick's: its own tick.
    last_first = max((i for i, r in enumerate(samples) if r['pid'] == samples[0]['pid']), default=-1)
    for i, r in enumerate(samples):
        if not out or r['t'] - out[-1][-1]['t'] > 0.005 or i == last_first:
            out.append([])
        out[-1].append(r)
    return out
EOF
}

# The parent's grow_mib(6), then two children, each its own, each staying
# 200 ms after its call (and then measuring its RSS): samples every 20 ms
# meet it grown.
json=$TMP/procs.ndjson
svg=$TMP/procs.svg
launch_cmd forker 3 "$TARGETS/forker" --linger 200 -o "$json" --svg "$svg" -i 20 -f grow_mib -- 6 10 20
parent=$(log_pid "$T_LOG")
forker_check "$T_LOG" "$parent" 3
mapfile -t pids < <(forker_pids "$T_LOG")
res=$("$PY" "$JSONLINT" "$json" 2>&1) || fail "the stream is not schema-valid: $res"
ok "jsonlint: the stream of several processes' samples is valid"

for pid in "${pids[@]:1}"; do
	assert_ge "child $pid: sample records" "$(mtq "$json" "len([r for r in of('sample') if r['pid'] == $pid])")" 3
	last=$(mtq "$json" "[r['rss'] for r in of('sample') if r['pid'] == $pid][-1]")
	assert_close "child $pid: its last sample's rss, as it measured its own at the end" "$last" \
		"$(awk -v p="$pid" '$1 == "pid" && $2 == p && $3 == "rss_end" { print $4 }' "$T_LOG")"
	# Its logging after its call faults in code its parent had, its fork had not.
	assert_ge "child $pid: its last sample's rss, after its call" "$last" \
		"$(($(forker_rss_after "$T_LOG" "$pid") - TOL_ABS))"
done
assert_eq "sample records' pids" "$(mtq "$json" "sorted(set(r['pid'] for r in of('sample')))" | paste -sd' ')" \
	"$(printf '%s\n' "${pids[@]}" | sort -n | paste -sd' ')"
# The first process's samples as before: one a tick, the first of its tick.
mtpy "$json" "$(ticks_py)
bad = [g for g in ticks() if g[0]['pid'] != $parent or [r['pid'] for r in g].count($parent) != 1]
if bad:
    sys.exit('ticks without the parent first, or with it twice: %r' % bad[:3])
"
ok "the parent's samples: one a tick, the first of it"

# One curve per process, each labelled "comm [pid]": the parent's RSS, anon
# and file, and one for each child.
assert_svg "$svg" grow_mib
want=$(for pid in "${pids[@]}"; do echo "forker [$pid]"; done | sort)
assert_eq "--svg: curve labels" "$(svg_labels "$svg" | sort | paste -sd,)" "$(echo "$want" | paste -sd,)"
assert_eq "--svg: polylines (the parent's 3, a child's 1)" "$(grep -c '<polyline' "$svg")" $((3 + ${#pids[@]} - 1))
! grep -q 'not drawn</text>' "$svg" || fail "--svg says processes were left out: $(grep 'not drawn' "$svg")"

# memtrace plot draws the same curves from the stream.
svg2=$TMP/procs-plot.svg
run_memtrace plot "$json" -o "$svg2"
assert_rc 0 "memtrace plot $json"
assert_svg "$svg2" grow_mib
assert_eq "plot: curve labels" "$(svg_labels "$svg2" | sort | paste -sd,)" "$(echo "$want" | paste -sd,)"
assert_eq "plot: points of each curve, as --svg drew them" "$(svg_points "$svg2" | paste -sd' ')" \
	"$(svg_points "$svg" | paste -sd' ')"

# One process (no children): its samples alone, with the keys they always had.
launch_target forker -o "$json" --svg "$svg" -i 20 -f grow_mib -- 6
parent=$(log_pid "$T_LOG")
assert_eq "one process: sample records' pids" "$(mtq "$json" "sorted(set(r['pid'] for r in of('sample')))")" "$parent"
assert_eq "one process: sample keys" "$(mtq "$json" "sorted(set(','.join(sorted(r)) for r in of('sample')))")" \
	"anon,file,peak,pid,rss,shmem,t,type"
assert_eq "one process: polylines" "$(grep -c '<polyline' "$svg")" 3
[ -z "$(svg_labels "$svg")" ] || fail "one process: the SVG labels process curves: $(svg_labels "$svg")"
ok "one process: no process curves"

# -a: no first process; --svg draws the largest processes, and each tick
# samples 16 processes at most. A quiet host (CI) may have no process that
# grows within the second: a grow target does, started once memtrace runs.
(sleep 0.3; exec "$TARGETS/grow" 4 4 4 4 4 >/dev/null) &
grower=$!
run_memtrace -a -d 1.5 -i 50 -o "$json" --svg "$svg"
wait "$grower"
assert_rc 0 "memtrace -a --svg"
assert_svg "$svg"
grep -q 'processes sampled</text>' "$svg" || fail "-a: the title does not count the processes: $(grep -m1 '<text' "$svg")"
curves=$(grep -c '<polyline' "$svg")
assert_ge "-a: curves drawn" "$curves" 1
assert_le "-a: curves drawn" "$curves" 8
assert_eq "-a: labels, one a curve" "$(svg_labels "$svg" | wc -l)" "$curves"
mtpy "$json" "$(ticks_py)
n = max(len(g) for g in ticks())
if n > 16:
    sys.exit('-a: %d samples in one tick, want 16 at most' % n)
"
ok "-a: 16 samples a tick at most"
