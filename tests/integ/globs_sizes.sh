#!/bin/bash
# -f OBJECT:PATTERN: every matching function traced under its own name, an alias once, each function's growth right
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

json=$TMP/run.ndjson
# grow_one, grow_two and grow_four keep 1, 2 and 4 MiB; grow_one_again is
# grow_one under another name; the 1,000 fn_ functions do not match.
launch_target many -o "$json" --no-stacks -f 'many:grow_*' -- 1
assert_eq "functions traced" "$(mtq "$json" "sorted(f['func'] for f in summary()['functions'])")" \
	"$(printf '%s\n' grow_four grow_one grow_two)"
assert_eq "spec of grow_two" "$(mtq "$json" "[t['spec'] for t in of('start')[0]['targets'] if t['func'] == 'grow_two']")" \
	'many:grow_*'

# The target measured them in this order (tests/targets/many.c).
mapfile -t truth < <(truth_growth "$T_LOG")
[ ${#truth[@]} -eq 3 ] || fail "target reported ${#truth[@]} measured calls, want 3: $(cat "$T_LOG")"
i=0
for f in grow_one grow_two grow_four; do
	assert_eq "$f calls" "$(mtq "$json" "fn('$f')['calls']")" 1
	assert_close "$f growth" "$(mtq "$json" "fn('$f')['growth']")" "${truth[i]}"
	# Launch mode: the table goes to stderr, stdout is the command's.
	read -r -a row <<<"$(table_row "$MT_ERR" "$f")"
	assert_eq "$f table calls" "${row[1]:-}" 1
	assert_table_mib "$f table growth" "${row[2]:-}" "${truth[i]}"
	i=$((i + 1))
done

# A bare pattern searches every object, the executable first.
launch_target many -o "$json" --no-stacks -f 'grow_[ot]*' -- 1
assert_eq "bare pattern: functions" "$(mtq "$json" "sorted(f['func'] for f in summary()['functions'])")" \
	"$(printf '%s\n' grow_one grow_two)"
mapfile -t truth < <(truth_growth "$T_LOG")
assert_close "bare pattern: grow_two growth" "$(mtq "$json" "fn('grow_two')['growth']")" "${truth[1]}"

# A pattern and a name for the same function: traced once, said once.
launch_target many -o "$json" --no-stacks -f grow_two -f 'many:grow_*' -- 1
assert_eq "overlap: functions" "$(mtq "$json" "len(summary()['functions'])")" 3
grep -q "'many:grow_\*' names 1 function an earlier -f names too" "$MT_ERR" ||
	fail "no warning about the overlap: $(cat "$MT_ERR")"
ok "overlap warned: $(grep -m1 earlier "$MT_ERR")"

# In CPython a bare pattern is native when the interpreter's own functions match it.
[ -x /usr/bin/python3.11 ] || skip "no /usr/bin/python3.11"
run_memtrace -o "$json" --no-stacks -f '_PyObject_GC_New*' -- /usr/bin/python3.11 -c '[dict(a=1) for i in range(10)]'
assert_rc 0 "python3.11, -f '_PyObject_GC_New*'"
assert_eq "interpreter functions traced" "$(mtq "$json" "sorted(f['func'] for f in summary()['functions'] if f['kind'] == 'native')")" \
	"$(printf '%s\n' _PyObject_GC_New _PyObject_GC_NewVar)"
assert_ge "_PyObject_GC_New calls" "$(mtq "$json" "fn('_PyObject_GC_New')['calls']")" 1
