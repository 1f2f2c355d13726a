#!/bin/bash
# on a terminal (script(1)): the status line (RSS, peak, calls) shows before the final table; none with --json
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
command -v script >/dev/null || skip "script not installed (util-linux)"

# run_tty ARGS...: memtrace with a pseudo-terminal as stdin, stdout and
# stderr (script -q: no script banner; -e: memtrace's exit status). Sets
# MT_RC and MT_OUT (everything the terminal showed).
run_tty()
{
	local cmd
	SEQ=$((SEQ + 1))
	MT_OUT=$TMP/tty.$SEQ.out
	MT_ERR=
	cmd=$(printf '%q ' "$MEMTRACE" "$@")
	timeout -k 5 30 script -q -e -c "$cmd" /dev/null </dev/null >"$MT_OUT" 2>&1
	MT_RC=$?
	[ "$MT_RC" -ne 124 ] || fail "memtrace $* on a terminal did not finish within 30s"
}

start_target busy
run_tty -d 1.5 -p "$T_PID" -f busy_work
assert_rc 0 "memtrace -d 1.5 on a terminal"
res=$("$PY" - "$MT_OUT" 2>&1 <<'PYEOF'
import re, sys
out = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
status = re.compile(r"\r\x1b\[K\[ *[0-9.]+s\] RSS [0-9.]+ MiB +peak [0-9.]+ MiB +calls ([0-9]+) +lost [0-9]+")
found = list(status.finditer(out))
table = out.find("Function ")
err = []
if not found:
    err.append("no status line (\\r ESC[K [ N.Ns] RSS ... MiB  peak ... MiB  calls N  lost N)")
elif table < 0:
    err.append("no final table")
elif found[0].start() > table:
    err.append("the status line first shows after the final table")
elif found[-1].start() > table:
    err.append("a status line after the final table")
elif not re.search(r"\r\x1b\[K(\r?\n)?Function ", out[:table + 9]):
    err.append("the status line is not erased before the final table: %r" % out[max(0, table - 80):table + 9])
if err:
    sys.exit("\n".join(err) + "\n--- terminal output:\n%r" % out[:3000])
calls = [int(m.group(1)) for m in found]
print("ok: %d status line updates before the final table, the last %r; calls %s"
      % (len(found), found[-1].group(0)[4:], " ".join(map(str, calls))))
PYEOF
) || fail "status line on a terminal: $res"
echo "$res"

# --json on a terminal: the stream only, no status line.
run_tty -d 1 --json -p "$T_PID" -f busy_work
assert_rc 0 "memtrace -d 1 --json on a terminal"
if grep -q $'\033' "$MT_OUT" || grep -Eq 'RSS [0-9.]+ MiB +peak' "$MT_OUT"; then
	fail "status line with --json: $(head -c 400 "$MT_OUT" | cat -A)"
fi
# A terminal turns \n into \r\n; otherwise every line is a JSON record.
tr -d '\r' <"$MT_OUT" >"$TMP/tty.ndjson"
assert_eq "--json on a terminal: summary is the last record" "$(mtq "$TMP/tty.ndjson" "recs[-1]['type']")" summary
ok "--json on a terminal: records only, no status line"
assert_unharmed "$T_PID"
