#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Attach and detach latency (a benchmark, not a test): memtrace -p on a
# waiting Python process with 1, 4 and 16 traced functions, in the default
# mode on pyenv's 3.12 and Debian's 3.11 and with --exact on Debian's 3.11.
#   tools/bench/attach.sh [ROUNDS]     (default 5), as root
#   MEMTRACE=/path/to/old/memtrace tools/bench/attach.sh   (another build)
# Attach: the start record's t (memtrace's start to every probe live).
# Detach: SIGINT to memtrace's exit (stop, last drain, tables, probes
# removed). Prints the median and range of each per cell, as a table for
# RESULTS.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${1:-5}
MEMTRACE=${MEMTRACE:-$root/memtrace}
PY312=${PYENV_VERSIONS:-/root/.pyenv/versions}/3.12.1/bin/python3.12
PY311=/usr/bin/python3.11
SCRIPT=$root/tests/targets/py/lines.py
# work() and idle() are lines.py's, main() and say() run outside work();
# the rest name no function, which costs the tracer the same.
FUNCS=(work idle main say f5 f6 f7 f8 f9 f10 f11 f12 f13 f14 f15 f16)

die() { echo "attach: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$MEMTRACE" ] || die "no $MEMTRACE: run make"
dir=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-attach.XXXXXX")
target=
trap '[ -z "$target" ] || kill "$target" 2>/dev/null || true; rm -rf "$dir"' EXIT

# start_target INTERP: lines.py waiting for a signal it never gets. Sets target.
start_target()
{
	local i
	"$1" "$SCRIPT" --wait 1 >"$dir/target.log" 2>&1 &
	target=$!
	for ((i = 0; i < 200; i++)); do
		grep -q '^ready' "$dir/target.log" 2>/dev/null && return 0
		sleep 0.05
	done
	die "$1 $SCRIPT did not start: $(cat "$dir/target.log")"
}

# one_run N MT_ARGS...: prints "ATTACH_S DETACH_S" of one memtrace run with
# the first N functions of FUNCS.
one_run()
{
	local n=$1 out=$dir/run.ndjson args=() i mt t0 t1
	shift
	for ((i = 0; i < n; i++)); do args+=(-f "${FUNCS[i]}"); done
	rm -f "$out"
	"$MEMTRACE" -p "$target" -o "$out" "$@" "${args[@]}" >/dev/null 2>"$dir/err" &
	mt=$!
	for ((i = 0; i < 1000; i++)); do
		grep -q '"type":"start"' "$out" 2>/dev/null && break
		kill -0 "$mt" 2>/dev/null || die "memtrace failed: $(cat "$dir/err")"
		sleep 0.01
	done
	t0=$(date +%s.%N)
	kill -INT "$mt"
	wait "$mt" || die "memtrace exited $?: $(cat "$dir/err")"
	t1=$(date +%s.%N)
	echo "$("$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["t"])' "$out")" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
}

# median_range: "median (min-max)" in ms of the numbers on stdin.
median_range()
{
	sort -g | awk '{ v[NR] = $1 * 1000 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f (%.0f-%.0f)", m, v[1], v[NR] }'
}

# cell LABEL INTERP MT_ARGS...: a table row per function count.
cell()
{
	local label=$1 interp=$2 n r
	shift 2
	if [ ! -x "$interp" ]; then
		echo "| $label | - | not installed ($interp) | - |"
		return
	fi
	start_target "$interp"
	for n in 1 4 16; do
		: >"$dir/times"
		for ((r = 0; r < rounds; r++)); do one_run "$n" "$@" >>"$dir/times"; done
		echo "| $label | $n | $(cut -d' ' -f1 "$dir/times" | median_range) | $(cut -d' ' -f2 "$dir/times" | median_range) |"
	done
	kill "$target"
	wait "$target" 2>/dev/null || true
	target=
}

PY=/usr/bin/python3
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $MEMTRACE, $rounds rounds, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| target, mode | functions | attach ms, median (min-max) | detach ms, median (min-max) |"
echo "| --- | --- | --- | --- |"
cell "pyenv 3.12, default" "$PY312"
cell "Debian 3.11, default" "$PY311"
cell "Debian 3.11, --exact" "$PY311" --exact
