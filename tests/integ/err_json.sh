#!/bin/bash
# --json errors: one line on stderr and an "error" record on stdout, which stays valid NDJSON
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_jsonlint

check()
{
	local what=$1
	shift
	run_memtrace --json "$@"
	assert_error 1 "$what"
	"$PY" "$JSONLINT" --allow-no-summary "$MT_OUT" >/dev/null ||
		fail "$what: stdout is not a valid stream: $(cat "$MT_OUT")"
	assert_eq "$what: records on stdout" "$(wc -l <"$MT_OUT")" 1
	assert_eq "$what: the error record says what stderr says" \
		"memtrace: $(mtq "$MT_OUT" "of('error')[0]['message']")" "$(cat "$MT_ERR")"
}

check "no such pid" -p 999999999 -f grow_mib
start_target busy
check "no such function" -p "$T_PID" -f no_such_function
# (--json with a launched command is refused as a usage error: tests/integ/launch_output.sh.)
exit 0
