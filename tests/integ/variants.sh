#!/bin/bash
# other code layouts (non-PIE ET_EXEC; -fcf-protection=full, functions start with endbr64): launch and attach mode trace grow_mib correctly
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

for bin in grow-nopie grow-cet; do
	[ -x "$TARGETS/$bin" ] || fail "$TARGETS/$bin not built: run make targets"

	log=$(new_log $bin)
	run_memtrace -o /dev/stdout -f grow_mib -- "$TARGETS/$bin" --log "$log" 8 16 4
	assert_rc 0 "launch $bin"
	assert_calls_match "$MT_OUT" grow_mib "$log"
	assert_summary_growth "$MT_OUT" grow_mib "$log"

	start_target $bin --wait 4 12
	json=$TMP/run.$bin.ndjson
	trace_attached "$json" 0 "attach $bin" -f grow_mib
	assert_calls_match "$json" grow_mib "$T_LOG"
done

# The cf-protection build probes past endbr64 (the kernel single-steps it, ~10x the cost).
run_memtrace -v -d 0.1 -f grow_mib -- "$TARGETS/grow-cet" --log "$(new_log grow-cet)" 1
grep -q 'after endbr64' "$MT_ERR" || fail "grow-cet: probe not placed after endbr64: $(cat "$MT_ERR")"
ok "grow-cet: probe placed after endbr64"
