#!/bin/bash
# attach mode to a chrooted target: maps name its files by our full path, not its root's
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
command -v chroot >/dev/null || skip "chroot (coreutils) not installed"

# A jail with the target and the libraries it needs, at their usual paths.
jail=$TMP/jail
mkdir -p "$jail/bin"
cp "$TARGETS/grow" "$jail/bin/grow"
for lib in $(ldd "$TARGETS/grow" | grep -o '/[^ ]*'); do
	mkdir -p "$jail$(dirname "$lib")"
	cp "$lib" "$jail$lib"
done
# The target measures itself through /proc/self/status.
mkdir -p "$jail/proc"
mount -t proc proc "$jail/proc" || skip "cannot mount proc in the jail"
test_cleanup() { umount -l "$jail/proc"; }
T_LOG=$TMP/grow-jail.log
chroot "$jail" /bin/grow --wait 8 4 >"$T_LOG" 2>&1 &
T_PID=$!
TARGET_PIDS+=("$T_PID")
wait_for_line "$T_LOG" '^ready [0-9]+$' 10 || fail "chrooted target did not start: $(cat "$T_LOG")"
[ "$(readlink "/proc/$T_PID/root")" = "$jail" ] || fail "target's root is not the jail: the test proves nothing"
grep -q " $jail/bin/grow\$" "/proc/$T_PID/maps" || fail "maps do not show the jail's full path: the test proves nothing"
ok "target $T_PID runs chrooted in $jail"

json=$TMP/run.ndjson
start_memtrace -p "$T_PID" -o "$json" -f grow_mib -f libc:malloc
wait_start "$json"
kill -USR1 "$T_PID"
wait_memtrace 20
assert_rc 0 "chrooted attach"
assert_calls_match "$json" grow_mib "$T_LOG"
assert_ge "malloc calls seen in the jail's libc" "$(mtq "$json" "fn('malloc')['calls']")" 2
