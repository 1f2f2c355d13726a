#!/bin/bash
# -p PARENT --children: a shell that starts two Python processes of different versions (pyenv 3.10, 3.13), each charged its own growth in "Functions by process"
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

require_py_interps "Python processes of two versions" 3.10.13 3.13.0
old=${PY_INTERPS[0]} new=${PY_INTERPS[1]}
go=$TMP/go
json=$TMP/versions.ndjson

# The parent waits for the go file, then runs both at once: each writes its
# lines (tests/targets/py/one.py) to the parent's log, its stdout.
parent_sh=$TMP/parent.sh
cat >"$parent_sh" <<EOS
#!/bin/bash
echo "ready \$\$"
while [ ! -e "$go" ]; do sleep 0.01; done
"$old" "$PY_TARGETS/one.py" 4 &
"$new" "$PY_TARGETS/one.py" 6 &
wait
echo done
EOS
chmod +x "$parent_sh"
spawn_target parent 10 "$parent_sh"
parent=$T_PID
# pool_work is no function of bash's: sought in the programs its children run.
start_memtrace -p "$parent" --children --bytes -v --no-stacks -o "$json" -f pool_work
wait_start "$json"
touch "$go"
target_done "$T_LOG" "$parent" 0
kill -INT "$MT_PID"
wait_memtrace 30
assert_rc 0 "memtrace -p PARENT --children -f pool_work, ended by SIGINT"

mapfile -t pids < <(forker_pids "$T_LOG")
assert_eq "processes that measured their call" "${#pids[@]}" 2
for pid in "${pids[@]}"; do
	assert_proc_fn "$MT_OUT" pool_work "$pid" - "$(forker_truth "$T_LOG" "$pid")"
done
grep -q "^memtrace: process [0-9]*: CPython 3\.10, frames walked" "$MT_ERR" &&
	grep -q "^memtrace: process [0-9]*: CPython 3\.13, frames walked" "$MT_ERR" ||
	fail "both versions' interpreters not found: $(grep CPython "$MT_ERR")"
total=$(for pid in "${pids[@]}"; do forker_truth "$T_LOG" "$pid"; done | awk '{ s += $1 } END { print s }')
read -r -a row <<<"$(table_row "$MT_OUT" pool_work)"
assert_close "pool_work growth, both processes" "${row[2]:-}" "$total"
assert_close "pool_work growth in the stream" "$(mtq "$json" "fn('pool_work')['growth']")" "$total"
! grep -q "no traced program had it" "$MT_ERR" || fail "pool_work said never seen: $(cat "$MT_ERR")"
ok "pool_work found in both"
