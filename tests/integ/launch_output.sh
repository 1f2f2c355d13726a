#!/bin/bash
# launch mode: memtrace never writes to the command's stdout (xz -c > FILE stays valid), -d prints at once and the command runs on, --json needs -o
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# 1. The command's stdout is its own: xz's compressed data, nothing of memtrace's.
command -v xz >/dev/null || fail "xz is not installed (Debian package xz-utils)"
seq 1 400000 >"$TMP/plain"
run_memtrace -f lzma_code -- xz -c -T1 "$TMP/plain"
assert_rc 0 "memtrace -f lzma_code -- xz -c"
xz -t "$MT_OUT" 2>"$TMP/xz.err" || fail "xz output corrupted by memtrace: $(cat "$TMP/xz.err")"
xz -dc "$MT_OUT" | cmp -s - "$TMP/plain" || fail "xz output does not decompress to the input"
calls=$(table_row "$MT_ERR" lzma_code | awk '{ print $2 }')
assert_ge "the table, on stderr: lzma_code calls" "${calls:-none}" 1
ok "xz -c under memtrace: output valid, table on stderr ($calls calls)"

# 2. -d: the results print when tracing stops, while the command runs on; then
# memtrace waits for it and exits with its status.
log=$(new_log exiter)
start_memtrace -d 0.5 -f exit_work -- "$TARGETS/exiter" --log "$log" 150 5
for _ in $(seq 1 200); do
	grep -q '^Function' "$MT_ERR" && break
	sleep 0.05
done
grep -q '^Function' "$MT_ERR" || fail "-d 0.5: no table within 10 s: $(cat "$MT_ERR")"
done_calls=$(grep -c '^rss_after' "$log")
grep -q '^exiting' "$log" && fail "-d 0.5: the table came only after the command ended"
[ "$done_calls" -lt 150 ] || fail "-d 0.5: the command had finished its calls before the table"
ok "-d 0.5: table printed while the command runs ($done_calls of 150 calls done)"
grep -q 'runs on untraced' "$MT_ERR" || fail "-d: no word that the command runs on: $(cat "$MT_ERR")"
wait_memtrace 60
assert_rc 5 "-d 0.5: memtrace exits with the command's status after it ends"
grep -q '^exiting 5' "$log" || fail "the command did not run to its end: $(tail -n 3 "$log")"
calls=$(table_row "$MT_ERR" exit_work | awk '{ print $2 }')
assert_ge "-d 0.5: calls traced" "${calls:-none}" 1
[ "$calls" -lt 150 ] || fail "-d 0.5: $calls calls traced, want only those of the first 0.5 s"
assert_eq "-d 0.5: stdout untouched" "$(wc -c <"$MT_OUT")" 0

# 3. --json names stdout, which the command owns: a usage error that points to -o.
run_memtrace --json -f exit_work -- "$TARGETS/exiter" 1 0
assert_error 2 "--json with a command"
grep -q -- '-o FILE' "$MT_ERR" || fail "--json with a command: the error does not point to -o: $(cat "$MT_ERR")"
# -o /dev/stdout: the stream on stdout, as asked, and still no table there.
run_memtrace -o /dev/stdout -f exit_work -- "$TARGETS/exiter" --log "$(new_log exiter)" 2 0
assert_rc 0 "-o /dev/stdout with a command"
assert_eq "-o /dev/stdout: the stream's last record" "$(mtq "$MT_OUT" "recs[-1]['type']")" summary
grep -q '^Function' "$MT_OUT" && fail "-o /dev/stdout: a table on stdout"

# 4. -p with a command: one way of choosing the processes, not two; -p may be
# repeated (tests/integ/procs_attach.sh), but a process named twice is refused.
run_memtrace -p 1 -f exit_work -- "$TARGETS/exiter" 1 0
assert_error 2 "-p with a command"
run_memtrace -p 1 -p 1 -f exit_work
assert_error 2 "-p 1 -p 1"
exit 0
