#!/bin/bash
# stacks' options: bad --sample-bytes values, empty file names and contradictions are usage errors (exit 2, one line); --folded, --pprof, --flame onto a symbolic link is refused before the target starts, nothing created through it
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/stacks.sh"
require_env

for v in 0 -1 1x 2G 1025M 1073741825 K '' 1.5M 12KB 99999999999999999999999; do
	run_memtrace --sample-bytes "$v" -p $$
	assert_error 2 "--sample-bytes '$v'"
	[ -s "$MT_OUT" ] && fail "--sample-bytes '$v' wrote to stdout"
done
run_memtrace --no-stacks -p $$
assert_error 2 "--no-stacks with no -f"
for opt in --folded --pprof --flame; do
	run_memtrace --no-stacks "$opt" "$TMP/x.out" -f main -p $$
	assert_error 2 "--no-stacks with $opt"
	run_memtrace "$opt" '' -p $$
	assert_error 2 "$opt ''"
	grep -q -- "$opt needs a file name" "$MT_ERR" || fail "$opt '': the message does not name the option"
done
run_memtrace --no-stacks --sample-bytes 1M -f main -p $$
assert_error 2 "--no-stacks with --sample-bytes"
# The range's ends, with suffixes, are accepted (-d: the run ends at once, on an idle target).
start_target busy
for v in 1 4K 512k 1G 1GiB; do
	run_memtrace --sample-bytes "$v" -p "$T_PID" -d 0.2
	assert_rc 0 "--sample-bytes $v"
done
ok "--sample-bytes 1, 4K, 512k, 1G, 1GiB accepted"

# --folded onto a planted link: refused before anything runs, the victim untouched.
victim=$TMP/victim
echo "precious contents" >"$victim"
ln -s "$victim" "$TMP/link.folded"
ln -s "$TMP/created-through-link" "$TMP/dangling.folded"
for opt in --folded --pprof --flame; do
	for link in link.folded dangling.folded; do
		T_LOG=$TMP/never.log
		run_memtrace "$opt" "$TMP/$link" -- "$TARGETS/paths" --log "$T_LOG"
		assert_error 1 "$opt onto $link"
		grep -q "symbolic link" "$MT_ERR" || fail "$opt onto $link: the message does not say why"
		[ ! -e "$T_LOG" ] || fail "$opt onto $link: the target ran: $(cat "$T_LOG")"
		[ -L "$TMP/$link" ] || fail "$opt onto $link: the link itself was replaced"
	done
done
[ "$(cat "$victim")" = "precious contents" ] || fail "the file the link points to was changed"
[ ! -e "$TMP/created-through-link" ] || fail "a file was created through the dangling link"
ok "--folded, --pprof, --flame onto links: refused, target never started, nothing written"
