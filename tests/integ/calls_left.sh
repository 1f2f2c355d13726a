#!/bin/bash
# calls left without returning (pthread_exit, longjmp) and more open calls than slots: nothing silently lost
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_jsonlint

# 400 threads call pthread_exit() inside exit_inside(): their calls are closed
# at the thread's exit, and normal(), called 100 times afterwards, is counted.
launch_target leave -o /dev/stdout -f exit_inside -f normal -- exit 400
"$PY" "$JSONLINT" "$MT_OUT" || fail "stream fails the lint"
assert_calls_match "$MT_OUT" normal "$T_LOG"
assert_summary_growth "$MT_OUT" normal "$T_LOG"
assert_eq "exit_inside calls" "$(mtq "$MT_OUT" "fn('exit_inside')['calls']")" 400
# pthread_exit() unwinds the stack before the thread exits: a call may be seen
# as left by the unwinding (a memory event on the way) or at the exit.
assert_eq "exit_inside calls ended without returning" \
	"$(mtq "$MT_OUT" "sum(1 for c in calls('exit_inside') if c.get('ended') in ('thread_exit', 'unwound'))")" 400
assert_eq "exit_inside summary unwound" "$(mtq "$MT_OUT" "fn('exit_inside')['unwound']")" 400
# normal() returns every time: none of its calls may be taken for one that did not
# (its first return is the process's first through the kernel's trampoline).
assert_eq "normal calls that did not return" "$(mtq "$MT_OUT" "fn('normal')['unwound']")" 0
assert_eq "nothing untimed" "$(mtq "$MT_OUT" "sum(f['untimed'] for f in summary()['functions'])")" 0
grep -q 'exit_inside: 400 of its calls ended without returning' "$MT_ERR" ||
	fail "no line saying how exit_inside's calls ended: $(cat "$MT_ERR")"
# Each thread's own 256 KiB (with its stack pages, less what its exit path
# frees) is its call's thread-caused growth: 400 x 256 KiB in all, within 2%.
tg=$(mtq "$MT_OUT" "sum(c['thread_growth'] for c in calls('exit_inside'))")
assert_ge "thread-caused growth of exit_inside, all calls" "$tg" $((400 * 256 * 1024 * 98 / 100))

# jumper() touches 10 MiB and longjmp()s out; the 8 MiB touched afterwards,
# outside any traced function, is not its growth.
launch_target leave -o /dev/stdout -f jumper -- longjmp
more=$(awk '/^rss_more / { m = $2 } /^rss_after / { a = $2 } END { print m - a }' "$T_LOG")
assert_close "the target touched 8 MiB after landing (else this proves nothing)" "$more" $((8 * MIB))
assert_calls_match "$MT_OUT" jumper "$T_LOG"
assert_eq "jumper's call ended unwound" "$(mtq "$MT_OUT" "calls('jumper')[0].get('ended')")" unwound

# More threads inside hold() at once than the kernel table has slots
# (MT_MAX_ACTIVE in bpf/memtrace.h): the rest are counted as untimed, named
# per function, and later calls are still counted.
slots=$(awk '/^#define MT_MAX_ACTIVE / { print $3 }' "$ROOT/bpf/memtrace.h")
n=$((slots + 200))
MT_TIMEOUT=100 launch_target leave -o /dev/stdout -f hold -f normal -- many "$n"
"$PY" "$JSONLINT" "$MT_OUT" || fail "stream fails the lint"
assert_eq "hold calls timed" "$(mtq "$MT_OUT" "fn('hold')['calls']")" "$slots"
assert_eq "hold calls untimed" "$(mtq "$MT_OUT" "fn('hold')['untimed']")" 200
assert_calls_match "$MT_OUT" normal "$T_LOG"
grep -q "hold: 200 calls were not counted: more than $slots calls were open at once" "$MT_ERR" ||
	fail "no line naming the untimed calls: $(cat "$MT_ERR")"
if grep -q 'exact' "$MT_ERR"; then
	fail "claims exact totals although calls were dropped: $(cat "$MT_ERR")"
fi
ok "dropped calls named per function"
