#!/bin/bash
# a Python function in a launched shell script's Python (pyenv 3.12): one the script execs (the same process), one sh -c runs (its child); each charged its own growth
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

require_py_interps "a shell script running Python" 3.12.1
interp=${PY_INTERPS[0]}
SIZE=5

# The name is in no program memtrace launches (sh): --children looks for it
# in the programs it runs (README, "Functions in several processes").
script=$TMP/run.sh
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$interp" "$PY_TARGETS/one.py" >"$script"
chmod +x "$script"
launch_cmd run 1 "$script" --bytes --children -f pool_work -- "$SIZE"
pid=$(log_pid "$T_LOG")
assert_eq "exec: the process that measured its call" "$(forker_pids "$T_LOG")" "$pid"
read -r -a row <<<"$(table_row "$MT_ERR" pool_work)"
assert_close "exec: pool_work growth" "${row[2]:-}" "$(forker_truth "$T_LOG" "$pid")"
assert_close "exec: pool_work growth is the call's" "${row[2]:-}" $((SIZE * MIB))

# sh -c: Python runs in a child of the launched shell.
launch_cmd sh_c 4 sh -c "\"$interp\" \"$PY_TARGETS/one.py\" \"\$@\"; true" sh \
	--bytes --children -f pool_work -- "$SIZE"
pid=$(log_pid "$T_LOG")
assert_proc_fn "$MT_ERR" pool_work "$pid" - "$(forker_truth "$T_LOG" "$pid")"
read -r -a row <<<"$(table_row "$MT_ERR" pool_work)"
assert_close "sh -c: pool_work growth, all processes" "${row[2]:-}" "$(forker_truth "$T_LOG" "$pid")"
