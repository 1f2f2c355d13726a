#!/bin/bash
# --every 0.5 over a 2 s run, stdout not a terminal: the table prints at least 3 times before the final one; no status line
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

start_target busy
run_memtrace -d 2 --every 0.5 -p "$T_PID" -f busy_work
assert_rc 0 "memtrace -d 2 --every 0.5"
# Every table starts with the header line; the last one is the final table.
n=$(grep -c '^Function ' "$MT_OUT")
assert_ge "tables on stdout (periodic + final)" "$n" 4
# busy_work calls every 10 ms: each table shows more calls than the one before.
mapfile -t calls < <(awk '$1 == "busy_work" { print $2 }' "$MT_OUT")
assert_eq "busy_work rows, one per table" "${#calls[@]}" "$n"
for ((i = 1; i < n - 1; i++)); do
	[ "${calls[i]}" -gt "${calls[i - 1]}" ] ||
		fail "periodic table $((i + 1)) shows ${calls[i]} calls, table $i showed ${calls[i - 1]}: not printed as tracing went on"
done
[ "${calls[n - 1]}" -ge "${calls[n - 2]}" ] || fail "final table shows fewer calls (${calls[n - 1]}) than the last periodic one (${calls[n - 2]})"
ok "busy_work calls per table: ${calls[*]}"
# Not a terminal: no live status line, nothing rewritten in place.
if grep -q $'\r' "$MT_OUT" || grep -q $'\033' "$MT_OUT"; then
	fail "stdout is not a terminal but has \\r or escape sequences: $(grep -n $'\r\|\033' "$MT_OUT" | head -n 3 | cat -A)"
fi
if grep -Eq 'RSS [0-9.]+ MiB +peak' "$MT_OUT"; then
	fail "status line on stdout that is not a terminal: $(grep -E 'RSS [0-9.]+ MiB +peak' "$MT_OUT" | head -n 1)"
fi
ok "no status line, no \\r or ESC on stdout"
assert_unharmed "$T_PID"

# With --json stdout is the stream: the periodic tables go to stderr instead.
require_jsonlint
run_memtrace --json -d 1.2 --every 0.3 -p "$T_PID" -f busy_work
assert_rc 0 "memtrace --json -d 1.2 --every 0.3"
"$PY" "$JSONLINT" "$MT_OUT" >/dev/null || fail "--json --every: stdout is not a valid stream: $(head -n 3 "$MT_OUT")"
assert_ge "--json --every: tables on stderr" "$(grep -c '^Function ' "$MT_ERR")" 3
assert_unharmed "$T_PID"
