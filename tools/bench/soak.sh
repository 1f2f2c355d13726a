#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Soak (a benchmark, not a test): memtrace attached for a long time to a
# native function called as fast as one CPU can, with -o, as root.
#   tools/bench/soak.sh [SECONDS]      (default 3600)
# Prints memtrace's RSS once a minute, then checks the stream in one pass:
# every line a JSON object, the summary last, and its call count equal to the
# call records plus the records reported lost. The stream grows by about
# 3 GB a minute on a 2-CPU VM: mind the disk; it is deleted at the end
# unless KEEP=1.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUTPUT:-.output}
case $out in /*) ;; *) out=$root/$out ;; esac
secs=${1:-3600}
PY=/usr/bin/python3

[ "$(id -u)" -eq 0 ] || { echo "soak: needs root" >&2; exit 1; }
[ -x "$root/memtrace" ] || { echo "soak: no $root/memtrace: run make" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-soak.XXXXXX")
bin=$dir/natcalls
gcc -O2 -g -Wall -Wextra "$here/workloads/natcalls.c" -o "$bin"

# Calls without end: the run is ended by memtrace's -d and a kill after it.
"$bin" push 1000000000000000 >/dev/null &
target=$!
trap 'kill "$target" 2>/dev/null || true; wait 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -f "$dir/soak.ndjson"' EXIT
"$root/memtrace" -p "$target" -f nc_push -d "$secs" -o "$dir/soak.ndjson" >"$dir/table.txt" 2>"$dir/err.txt" &
mt=$!
echo "soak: $secs s, target $target, memtrace $mt, files in $dir"
start=$(date +%s)
while kill -0 "$mt" 2>/dev/null; do
	sleep 60
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$mt/status" 2>/dev/null || true)
	size=$(stat -c %s "$dir/soak.ndjson" 2>/dev/null || echo 0)
	[ -n "$rss" ] && echo "soak: $(( $(date +%s) - start )) s: memtrace RSS $rss KiB, stream $((size / 1048576)) MiB"
done
wait "$mt" && rc=0 || rc=$?
kill "$target" 2>/dev/null || true
echo "soak: memtrace exit $rc; stderr: $(cat "$dir/err.txt")"
"$PY" - "$dir/soak.ndjson" <<'PYEOF'
import json, sys
calls = lost = lines = 0
summary = None
with open(sys.argv[1]) as f:
    for line in f:
        lines += 1
        r = json.loads(line)
        if summary is not None:
            sys.exit("soak: a record after the summary, line %d" % lines)
        if r["type"] == "call" and not r.get("open"):
            calls += 1
        elif r["type"] == "lost":
            lost += r["count"]
        elif r["type"] == "summary":
            summary = r
fn = summary["functions"][0]
print("soak: %d lines, every one valid JSON" % lines)
print("soak: summary calls %d, call records %d, records lost %d, summary lost %d"
      % (fn["calls"], calls, lost, summary["lost"]))
ok = fn["calls"] == calls + lost and lost == summary["lost"]
print("soak: summary equals the call records plus the lost ones: %s" % ("yes" if ok else "NO"))
sys.exit(0 if ok else 1)
PYEOF
cat "$dir/table.txt"
