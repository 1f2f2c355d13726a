#!/bin/bash
# a run that fails or is killed before tracing leaves no -o file (an old one stays as it was); stopped while waiting for a FIFO's reader: one line, exit 1
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# A kill in the middle of the attach must not leave tracefs mounted by memtrace.
tracefs_before=$(tracefs_dir)
test_cleanup()
{
	if [ -z "$tracefs_before" ] && [ -n "$(tracefs_dir)" ]; then
		umount "$(tracefs_dir)"
	fi
	return 0
}

start_target busy

# A failure before tracing (an unknown function): no file, and an old file
# of that name is left as it was.
json=$TMP/run.ndjson
run_memtrace -p "$T_PID" -f no_such_function -o "$json"
assert_error 1 "-f no_such_function"
[ ! -e "$json" ] || fail "a failed run left $json"
ok "no $json"
echo "an older run" >"$json"
run_memtrace -p "$T_PID" -f no_such_function -o "$json"
assert_error 1 "-f no_such_function, over an old file"
assert_eq "the old file" "$(cat "$json" 2>&1)" "an older run"

# Killed at every point of its start (SIGKILL can be neither caught nor
# cleaned up after): the file is not there yet, or already holds the start
# record. SIGTERM the same, or a clean stop.
early=0
for sig in KILL TERM; do
	for ms in 0 15 30 45 60 80 100 130 160 200 250; do
		json=$TMP/run.$sig.$ms.ndjson
		start_memtrace -p "$T_PID" -f busy_work -o "$json"
		sleep "$(awk -v ms="$ms" 'BEGIN { print ms / 1000 }')"
		kill -"$sig" "$MT_PID"
		wait_memtrace 10
		if [ ! -e "$json" ]; then
			early=$((early + 1))
			if [ "$sig" = TERM ] && [ "$MT_RC" -ne 143 ]; then
				assert_error 1 "SIGTERM after $ms ms, before tracing"
				grep -q 'before tracing started' "$MT_ERR" || fail "SIGTERM after $ms ms: $(cat "$MT_ERR")"
			fi
			continue
		fi
		head -n 1 "$json" | grep -q '"type": *"start"' ||
			fail "SIG$sig after $ms ms left $json without a start record: $(head -c 200 "$json" | od -c | head -n 5)"
		[ "$sig" = KILL ] || assert_rc 0 "SIGTERM after $ms ms, while tracing"
	done
done
ok "killed at 22 points of the start: no file or one with its start record ($early before the file existed)"
assert_unharmed "$T_PID"

# A FIFO nobody reads yet: memtrace waits for a reader, before tracing; a
# SIGTERM then ends the run with one line.
mkfifo "$TMP/fifo" || fail "mkfifo"
start_memtrace -p "$T_PID" -f busy_work -o "$TMP/fifo"
sleep 0.5
alive "$MT_PID" || fail "memtrace did not wait for a reader of the FIFO: $(cat "$MT_ERR")"
kill -TERM "$MT_PID"
wait_memtrace 10
assert_error 1 "SIGTERM while waiting for the FIFO's reader"
grep -q 'before tracing started' "$MT_ERR" || fail "the message does not say tracing had not started"
assert_unharmed "$T_PID"
