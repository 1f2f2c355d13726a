#!/bin/bash
# Python line tables: memory_profiler's header and rows, the same rows as summary.lines in --json; `memtrace report` prints them again
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_py_frames
require_jsonlint

S=lines.py

lint()
{
	local out
	out=$("$PY" "$JSONLINT" "$1" 2>&1) || fail "jsonlint $2: $out"
	ok "jsonlint $2"
}

# The report needs no privileges: run it as nobody.
report()
{
	SEQ=$((SEQ + 1))
	MT_OUT=$TMP/report.$SEQ.out MT_ERR=$TMP/report.$SEQ.err
	chmod 644 "$1"
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$MEMTRACE" report "$1" >"$MT_OUT" 2>"$MT_ERR"
	else
		"$MEMTRACE" report "$1" >"$MT_OUT" 2>"$MT_ERR"
	fi
	MT_RC=$?
	assert_rc 0 "memtrace report $1"
}

# tables OUT: everything from the first "Filename:" line on.
tables() { sed -n '/^Filename: /,$p' "$1"; }

# check MODE INTERP [--exact]: the live table, the --json stream and the
# report of the -o stream agree, in memory_profiler's format.
check()
{
	local mode=$1 interp=$2 live json
	shift 2
	json=$TMP/$mode.ndjson
	run_memtrace "$@" -o "$json" -f work -- "$interp" "$PY_TARGETS/$S" --log "$(new_log lines)" 8 4
	assert_rc 0 "$mode: launch $S"
	live=$MT_ERR
	lint "$json" "$mode: -o stream"
	assert_py_tables "$live" "$json"
	# Two decimals and MiB in every size cell, the source after the cells.
	grep -Eq '^ {0,5}[0-9]+ +[0-9]+\.[0-9]{2} MiB +-?[0-9]+\.[0-9]{2} MiB +([0-9]+|-)   +    a = b"a" \* \(mib << 20\)  # L:bytes$' "$live" ||
		fail "$mode: no row for the bytes line in the expected shape: $(grep L:bytes "$live")"
	ok "$mode: $(grep L:bytes "$live")"

	# -o /dev/stdout: the same rows in the stream on stdout (the tables go to stderr).
	run_memtrace "$@" -o /dev/stdout -f work -- "$interp" "$PY_TARGETS/$S" --log "$(new_log lines)" 8 4
	assert_rc 0 "$mode: launch $S --json"
	lint "$MT_OUT" "$mode: --json"
	assert_eq "$mode: --json lines, by line number" \
		"$(mtq "$MT_OUT" "' '.join(str(l['line']) for l in sorted(summary()['lines'], key=lambda l: l['line']))")" \
		"$(mtq "$json" "' '.join(str(l['line']) for l in sorted(summary()['lines'], key=lambda l: l['line']))")"

	# The saved stream, reported again: the same tables, character for character.
	report "$json"
	[ "$(tables "$live")" = "$(tables "$MT_OUT")" ] ||
		fail "$mode: report's tables differ from the live ones:
$(diff <(tables "$live") <(tables "$MT_OUT"))"
	ok "$mode: report prints the same $(grep -c '^Filename: ' "$MT_OUT") line table(s)"
	a=$(grep -E '^ *(Function|work) ' "$live")
	b=$(grep -E '^ *(Function|work) ' "$MT_OUT")
	[ "$a" = "$b" ] || fail "$mode: report's function table differs:
live:   $a
report: $b"
	ok "$mode: same function rows: $(echo "$b" | tail -n 1)"
}

if [ -x "$PY_USDT" ]; then
	check exact "$PY_USDT" --exact
else
	py_usdt_missing
fi
# The newest version there is (Debian's 3.11 comes last, when installed).
n=${#PY_INTERPS[@]}
check frames "${PY_INTERPS[n > 1 ? n - 2 : 0]}"
