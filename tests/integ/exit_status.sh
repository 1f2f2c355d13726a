#!/bin/bash
# launch mode: memtrace exits with the command's exit status (0, 7, and exit from inside a traced call)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# shellcheck disable=SC2086 # $args is split on purpose
for args in "3 7" "2 0" "2 5 inside"; do
	set -- $args
	log=$(new_log exiter)
	json=$log.ndjson
	run_memtrace -o "$json" -f exit_work -- "$TARGETS/exiter" --log "$log" $args
	assert_rc "$2" "exiter $args"
	grep -q "^exiting $2" "$log" || fail "target did not reach its exit: $(cat "$log")"
	assert_eq "exiter $args: completed calls" "$(mtq "$json" "len(calls('exit_work'))")" "$1"
	assert_eq "exiter $args: exit records" "$(mtq "$json" "len(of('exit'))")" 1
	row=$(table_row "$MT_ERR" exit_work)
	assert_eq "exiter $args: table calls" "$(echo "$row" | awk '{ print $2 }')" "$1"
done
