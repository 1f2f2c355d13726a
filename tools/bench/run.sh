#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# memtrace benchmarks (make bench): memtrace side by side with the tools a
# user would otherwise pick, alternating, then the table in RESULTS.md.
#   tools/bench/run.sh [--quick] [--rounds N] [--only seed,callheavy,...] [--no-stats]
#   BENCH_QUICK=1 BENCH_ROUNDS=N BENCH_ONLY=... do the same from make.
# Needs root; Debian packages: tools/install-deps.sh --bench. Not a test: no
# time is asserted anywhere.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUTPUT:-.output}
case $out in /*) ;; *) out=$root/$out ;; esac
bench_out=$out/bench
PY=/usr/bin/python3 # Debian's: the python3 on PATH may be a pyenv shim

die() { echo "bench: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (eBPF tracers, heaptrack -p through gdb)"
[ -x "$root/memtrace" ] || die "no $root/memtrace: run 'make' first"
missing=
for t in bpftrace heaptrack heaptrack_print valgrind python3-mprof gdb bpftool /usr/bin/time \
	/usr/bin/python3.11 gcc; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
/usr/bin/python3.11 -c 'import numpy, memory_profiler' 2>/dev/null || missing="$missing python3-numpy/python3-memory-profiler"
[ -z "$missing" ] || die "missing:$missing (tools/install-deps.sh --bench installs them)"

# Native workloads, -O2 like the integration-test targets; natcalls' traced
# functions are assembly, so their first instructions do not depend on flags.
mkdir -p "$bench_out"
for w in natcalls mallocs faults stackpaths; do
	src=$here/workloads/$w.c
	bin=$bench_out/$w
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ "$here/workloads/bench.h" -nt "$bin" ]; then
		echo "  CC       $bin"
		gcc -O2 -g -Wall -Wextra "$src" -o "$bin"
	fi
done

cd "$root"
OUTPUT=$out "$PY" "$here/bench.py" --out "$bench_out/runs.json" "$@" 2>&1 | tee "$bench_out/bench.log"
"$PY" "$here/analyze.py" "$bench_out/runs.json" --json "$here/results.json" --markdown "$here/RESULTS.md"
# Sampled stacks: cost per --sample-bytes, accuracy, and (BENCH_SOAK=600) memtrace's RSS over time.
if [ -z "${BENCH_ONLY:-}" ] || [ "${BENCH_ONLY#*stacks}" != "$BENCH_ONLY" ]; then
	OUTPUT=$out "$PY" "$here/stacks.py" --rounds "${BENCH_ROUNDS:-3}" --soak "${BENCH_SOAK:-0}" \
		--out "$bench_out/stacks.json" --markdown "$here/RESULTS.md" 2>&1 | tee -a "$bench_out/bench.log"
fi
# Many native functions: attach and detach with uprobe_multi and single uprobes, probe cost per call.
if [ -z "${BENCH_ONLY:-}" ] || [ "${BENCH_ONLY#*attach}" != "$BENCH_ONLY" ]; then
	OUTPUT=$out "$PY" "$here/attach.py" --rounds "${BENCH_ROUNDS:-3}" --markdown "$here/RESULTS.md" 2>&1 |
		tee -a "$bench_out/bench.log"
fi
