#!/bin/bash
# Python seed example (matrizinversa.py, numpy): line increments within 10% of memory_profiler 0.61's, both modes; --exact sees the peak inside a call
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

P=$ROOT/tools/example/matrizinversa.py
[ -f "$P" ] || skip "$P is missing"
[ -x "$PY_USDT" ] || skip "$PY_USDT is not installed"
"$PY_USDT" -c 'import numpy' 2>/dev/null || skip "numpy is not installed for $PY_USDT (Debian's python3-numpy)"

L_A=$(grep -n '^    a = np.matrix(np.random.rand(n, n))$' "$P" | cut -d: -f1)
L_I=$(grep -n '^    return a.I$' "$P" | cut -d: -f1)
{ [ -n "$L_A" ] && [ -n "$L_I" ]; } || fail "the two body lines of Inversa are not in $P"
# memory_profiler 0.61 on this program, summed over its 12 calls (the
# figures in its header): its own numbers vary from run to run with the
# allocator's state, hence 10%, not our usual 1%.
MP_A=$(awk -v m="$MIB" 'BEGIN { print int(42.73 * m) }')
MP_I=$(awk -v m="$MIB" 'BEGIN { print int(40.57 * m) }')

# within10 WHAT GOT WANT
within10()
{
	awk -v g="$2" -v w="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g ~ /^-?[0-9]+$/ && d <= 0.1 * w) }' ||
		fail "$1: got $2 bytes ($(awk -v g="$2" -v m="$MIB" 'BEGIN { printf "%.2f", g / m }') MiB), want within 10% of $3 ($(awk -v g="$3" -v m="$MIB" 'BEGIN { printf "%.2f", g / m }') MiB)"
	ok "$1: $(awk -v g="$2" -v m="$MIB" 'BEGIN { printf "%.2f", g / m }') MiB, memory_profiler $(awk -v g="$3" -v m="$MIB" 'BEGIN { printf "%.2f", g / m }') MiB"
}

line_inc() { mtq "$1" "sum(l['increment'] for l in summary()['lines'] if l['func'] == 'Inversa' and l['line'] == $2)"; }

for mode in exact frames; do
	json=$TMP/$mode.ndjson
	flag=()
	[ $mode = exact ] && flag=(--exact)
	MT_TIMEOUT=90 run_memtrace "${flag[@]}" -o "$json" -f Inversa -- "$PY_USDT" "$P"
	assert_rc 0 "$mode: launch matrizinversa.py"
	within10 "$mode: line $L_A increment (np.matrix)" "$(line_inc "$json" "$L_A")" "$MP_A"
	within10 "$mode: line $L_I increment (a.I)" "$(line_inc "$json" "$L_I")" "$MP_I"
	assert_py_tables "$MT_ERR" "$json"
	read -r -a row <<<"$(table_row "$MT_ERR" Inversa)"
	if [ $mode = exact ]; then
		assert_eq "exact: calls" "$(mtq "$json" "len(calls('Inversa'))")" 12
		assert_eq "exact: table calls" "${row[1]:-}" 12
		assert_eq "exact: occurrences of both lines" \
			"$(mtq "$json" "sorted(set(l['occurrences'] for l in summary()['lines'] if l['line'] in ($L_A, $L_I)))")" 12
		# a.I builds its result through temporaries it frees before the
		# return: a call's peak goes beyond both lines' summed increments.
		peak=$(mtq "$json" "fn('Inversa')['peak_max']")
		assert_ge "exact: peak inside a call" "$peak" "$(line_inc "$json" "$L_A")"
		assert_ge "exact: peak inside a call" "$peak" "$(line_inc "$json" "$L_I")"
		assert_ge "exact: table peak in call (MiB)" "${row[4]:-}" \
			"$(awk -v a="$(line_inc "$json" "$L_A")" -v b="$(line_inc "$json" "$L_I")" -v m="$MIB" 'BEGIN { printf "%.2f", (a > b ? a : b) / m }')"
		assert_summary_sums "$json"
	else
		# Without call windows there is no call count nor peak per call.
		assert_eq "frames: table calls" "${row[1]:-}" -
		assert_eq "frames: summary calls" "$(mtq "$json" "fn('Inversa')['calls']")" None
	fi
done
