#!/bin/bash
# a Go program (it moves goroutine stacks, which a return probe would break) is refused, not run
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

log=$(new_log gofake)
run_memtrace -f grow_mib -- "$TARGETS/gofake" --log "$log" 4
assert_error 1 "a Go program"
grep -q 'Go program' "$MT_ERR" || fail "the error does not say why: $(cat "$MT_ERR")"
[ ! -s "$log" ] || fail "the command ran although memtrace refused: $(cat "$log")"
ok "command not run"
exit 0
