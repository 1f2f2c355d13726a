#!/bin/bash
# several processes' options: a bad --cgroup is a runtime error (exit 1), bad -p lists and contradictions usage errors (exit 2); one line each, nothing left behind
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# assert_nothing_written WHAT: the run's -o file was not created, nothing on stdout.
out=$TMP/never.ndjson
assert_nothing_written()
{
	[ ! -e "$out" ] || fail "$1: created $out"
	[ ! -s "$MT_OUT" ] || fail "$1: wrote to stdout: $(head -n 3 "$MT_OUT")"
}

run_memtrace --cgroup /nonexistent/memtrace-cg -o "$out"
assert_error 1 "--cgroup /nonexistent/memtrace-cg"
grep -q '/nonexistent/memtrace-cg' "$MT_ERR" || fail "the message does not name the path: $(cat "$MT_ERR")"
assert_nothing_written "--cgroup /nonexistent/memtrace-cg"

# A directory of another file system, then a file of the cgroup one.
cgfile=$(awk '$3 == "cgroup2" { print $2 "/cgroup.procs"; exit }' /proc/mounts)
for path in "$TMP" ${cgfile:+"$cgfile"}; do
	run_memtrace --cgroup "$path" -o "$out"
	assert_error 1 "--cgroup $path"
	grep -qF "'$path'" "$MT_ERR" || fail "the message does not name '$path': $(cat "$MT_ERR")"
	assert_nothing_written "--cgroup $path"
done
[ -n "$cgfile" ] || echo "note: no cgroup v2 mount: --cgroup on one of its files not tested"

for list in 1,x x 5,5 "$$,$$" , 1, ,1 1,,2 0 -1 1,-2; do
	run_memtrace -p "$list" -o "$out"
	assert_error 2 "-p '$list'"
	assert_nothing_written "-p '$list'"
done
run_memtrace -p $$ -p $$ -o "$out"
assert_error 2 "-p $$ -p $$ (the same process twice)"

while read -r what args; do
	# shellcheck disable=SC2086 # the arguments are words
	run_memtrace $args -o "$out"
	assert_error 2 "$what"
	assert_nothing_written "$what"
done <<EOT
--children-and-no-children --children --no-children -- /bin/true
--children-with--a --children -a
--children-alone --children
--no-children-with--p -p $$ --no-children
--no-children-with--a -a --no-children
-a-with--p -a -p $$
-a-with-a-command -a -- /bin/true
-a-with---cgroup -a --cgroup /sys/fs/cgroup
--cgroup-with--p --cgroup /sys/fs/cgroup -p $$
-a---mprof -a --mprof $TMP/x.dat
--cgroup---mprof --cgroup /sys/fs/cgroup --mprof $TMP/x.dat
EOT
for f in x.dat; do
	[ ! -e "$TMP/$f" ] || fail "a usage error created $TMP/$f"
done
ok "no plot file created"
