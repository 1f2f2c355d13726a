#!/bin/bash
# control bytes in names (-f, -o, plot's outputs) reach the terminal escaped (\x1b): every message is one line of printable text; valid UTF-8 stays as it is
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# Only printable text and the final newline: no C0 control, DEL, C1 control
# (raw or as UTF-8) or invalid UTF-8 in MT_ERR.
assert_printable()
{
	local res
	res=$("$PY" - "$MT_ERR" <<'PYEOF'
import sys
data = open(sys.argv[1], "rb").read()
if not data.endswith(b"\n") or data.count(b"\n") != 1:
    sys.exit("not exactly one line: %r" % data)
try:
    text = data[:-1].decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("not UTF-8 (%s): %r" % (e, data))
bad = [c for c in text if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f]
if bad:
    sys.exit("control characters %r in %r" % (bad, data))
PYEOF
) || fail "$1: $res"
	ok "$1: printable: $(cat "$MT_ERR")"
}

start_target busy
run_memtrace -p "$T_PID" -f $'busy\e[2J\e[31m_x\n\rforged line\x7f'
assert_error 1 "-f NAME with ESC, CR, LF, DEL"
assert_printable "-f NAME with ESC, CR, LF, DEL"
grep -qF 'busy\x1b[2J\x1b[31m_x\x0a\x0dforged line\x7f' "$MT_ERR" || fail "the bytes are not shown as \\xHH"

run_memtrace -p "$T_PID" -f $'f\xc2\x9b31m\xff\xc3'
assert_error 1 "-f NAME with a C1 control and invalid UTF-8"
assert_printable "-f NAME with a C1 control and invalid UTF-8"
grep -qF 'f\xc2\x9b31m\xff\xc3' "$MT_ERR" || fail "C1 control or invalid UTF-8 not shown as \\xHH"

# Usage errors too (exit 2), and a spec the parser rejects.
run_memtrace -p $'1\e[2J' -f busy_work
assert_error 2 "-p with ESC"
assert_printable "-p with ESC"
run_memtrace -p "$T_PID" -f $'lib\e[2J:'
assert_error 2 "-f OBJECT: with ESC"
assert_printable "-f OBJECT: with ESC"

run_memtrace -p "$T_PID" -f 'größe_ü'
assert_error 1 "-f NAME in UTF-8"
grep -qF "'größe_ü'" "$MT_ERR" || fail "valid UTF-8 not kept as it is"
ok "UTF-8 kept: $(cat "$MT_ERR")"

run_memtrace -p "$T_PID" -f busy_work -o $'/nonexistent/\e]0;title\a.ndjson'
assert_error 1 "-o NAME with an OSC sequence"
assert_printable "-o NAME with an OSC sequence"

# plot's success line names its outputs.
json=$TMP/run.ndjson
run_memtrace -p "$T_PID" -f busy_work -d 0.3 -o "$json"
assert_rc 0 "a stream to plot"
run_memtrace plot "$json" -o "$TMP/"$'\e[31mred.svg'
assert_rc 0 "plot -o NAME with ESC"
assert_printable "plot -o NAME with ESC"
[ -f "$TMP/"$'\e[31mred.svg' ] || fail "plot did not write the file under its real name"
assert_unharmed "$T_PID"
