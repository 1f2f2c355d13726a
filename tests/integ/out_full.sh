#!/bin/bash
# a write error on -o (/dev/full, a full filesystem) stops tracing: one line, exit 1, the file ends with its last whole record, the target runs on
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# In a mount namespace of its own, the test's small tmpfs goes with the test
# however it ends (a timeout's SIGKILL runs no cleanup).
if [ -z "${OUT_FULL_NS:-}" ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
	OUT_FULL_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
require_env

# A 64 KiB filesystem: a traced hot function fills it in well under a second.
full=$TMP/full
mkdir "$full" || fail "mkdir $full"
mount -t tmpfs -o size=64k,mode=755 memtrace-test "$full" || skip "cannot mount a tmpfs on $full"
test_cleanup() { umount "$full"; }
[ -n "${OUT_FULL_NS:-}" ] || echo "note: no private mount namespace (unshare): a killed test leaves $full mounted"

# FILE: not empty, every line one JSON record, ending with a newline.
assert_whole_records()
{
	local file=$1
	[ -s "$file" ] || fail "$file is empty"
	[ "$(tail -c 1 "$file" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail "$file does not end at a record boundary: $(tail -c 80 "$file" | od -c | tail -n 3)"
	ok "$(wc -l <"$file") records, every one parses: $(mtq "$file" "len(recs)")"
}

# Attach: the start record cannot be written to /dev/full.
start_target busy 1
run_memtrace -p "$T_PID" -f busy_work -d 30 -o /dev/full
assert_error 1 "attach, -o /dev/full"
grep -q 'No space left on device' "$MT_ERR" || fail "the message does not give the reason"
assert_unharmed "$T_PID"

# Attach: a filesystem filling up while tracing.
json=$full/attach.ndjson
run_memtrace -p "$T_PID" -f busy_work -i 10 -d 30 -o "$json"
assert_error 1 "attach, -o on a full filesystem"
grep -q "$json" "$MT_ERR" || fail "the message does not name the file"
assert_whole_records "$json"
assert_ge "call records in $json" "$(mtq "$json" "len(of('call'))")" 10
assert_unharmed "$T_PID"
rm -f "$json"

# Launch: /dev/full fails at the start record, before the command runs.
log=$(new_log grow)
run_memtrace -f grow_mib -o /dev/full -- "$TARGETS/grow" --log "$log" 1
assert_error 1 "launch, -o /dev/full"
[ ! -s "$log" ] || fail "launch, -o /dev/full: the command ran: $(cat "$log")"
ok "launch, -o /dev/full: the command never ran"

# Launch: the disk fills while the command runs (a sample every ms). It runs
# on to its end, untraced; memtrace's failure wins over its exit status 0.
log=$(new_log grow)
json=$full/launch.ndjson
# shellcheck disable=SC2046 # 60 arguments "1"
run_memtrace -f grow_mib -i 1 -o "$json" -- "$TARGETS/grow" --log "$log" $(seq 60 | sed 's/.*/1/')
# The tables go to stderr in launch mode: one line of memtrace's own before them.
assert_rc 1 "launch, -o on a full filesystem"
head -n 1 "$MT_ERR" | grep -q '^memtrace: cannot write ' || fail "launch, full: stderr does not begin with the error: $(cat "$MT_ERR")"
assert_eq "launch, full: memtrace's lines on stderr" "$(grep -c '^memtrace: ' "$MT_ERR")" 1
assert_whole_records "$json"
grep -q '^done' "$log" || fail "the command did not run to its end: $(tail -n 3 "$log")"
assert_eq "the command's calls" "$(grep -c '^rss_after' "$log")" 60
