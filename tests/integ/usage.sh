#!/bin/bash
# usage errors exit 2 (no -f with --no-stacks, -p with a command, bad -d, unknown option); -h and -V exit 0
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
# No BPF here: usage is checked before anything needs privileges.
[ -x "$MEMTRACE" ] || skip "memtrace not built ($MEMTRACE): run make"

# Every case is checked and reported; the test fails at the end if any did.
bad=0
usage_error()
{
	local what=$1 why=""
	shift
	run_memtrace "$@"
	if [ "$MT_RC" -ne 2 ]; then
		why="exit $MT_RC, want 2"
	elif [ ! -s "$MT_ERR" ]; then
		why="nothing on stderr"
	elif ! grep -q '^memtrace: ' "$MT_ERR"; then
		why="stderr does not start with 'memtrace: '"
	elif [ -s "$MT_OUT" ]; then
		why="usage error wrote to stdout: $(head -n 3 "$MT_OUT")"
	fi
	if [ -n "$why" ]; then
		echo "FAIL: $what (memtrace $*): $why; stderr: $(head -n 3 "$MT_ERR")"
		bad=$((bad + 1))
	else
		ok "$what: exit 2: $(head -n 1 "$MT_ERR")"
	fi
}

usage_error "no arguments"
usage_error "no -f, --no-stacks" --no-stacks -p $$
usage_error "no -f, --no-stacks, launch" --no-stacks -- true
usage_error "no -p and no command" -f main
usage_error "-p and a command" -p $$ -f main -- true
usage_error "-d abc" -d abc -p $$ -f main
usage_error "-d -1" -d -1 -p $$ -f main
usage_error "-d 1x" -d 1x -p $$ -f main
usage_error "-d without value" -p $$ -f main -d
usage_error "-d 1e20" -d 1e20 -p $$ -f main
usage_error "-i 1e20" -i 1e20 -p $$ -f main
usage_error "-i 0.5" -i 0.5 -p $$ -f main
usage_error "--every inf" --every inf -p $$ -f main
usage_error "-p abc" -p abc -f main
usage_error "-f with an empty name" -p $$ -f ''
usage_error "unknown option" --no-such-option -p $$ -f main
usage_error "unknown short option" -Z -p $$ -f main
usage_error "report without a file" report

for h in -h --help; do
	run_memtrace $h
	assert_rc 0 "memtrace $h"
	grep -qi 'usage' "$MT_OUT" || fail "$h: no usage on stdout"
	grep -qi 'example' "$MT_OUT" || fail "$h: no examples on stdout"
	grep -q -- '-p PID' "$MT_OUT" || fail "$h: does not show -p PID"
	ok "$h prints usage with examples"
done
for v in -V --version; do
	run_memtrace $v
	assert_rc 0 "memtrace $v"
	grep -Eq '[0-9]+\.[0-9]+' "$MT_OUT" || fail "$v: no version number: $(cat "$MT_OUT")"
	ok "$v: $(head -n 1 "$MT_OUT")"
done
MT_ERR=
[ "$bad" -eq 0 ] || fail "$bad usage error case(s) wrong"
