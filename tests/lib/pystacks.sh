# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# For tests/integ/stacks_py*.sh, sourced after tests/lib.sh and
# tests/lib/stacks.sh: the Python part of the --folded stacks of
# tests/targets/py/stacks_paths.py against the target's own figures.

# What a folded line's Python part is made of: the target's functions, and
# threading.Thread's methods a thread starts in (3.10 names frames by
# co_name, 3.11+ by co_qualname). A folded line does not say which frames
# are Python's; these names are no C function's.
PY_STACK_NAMES="<module> path_a path_b path_c mid grow_leaf path_t _bootstrap _bootstrap_inner run
Thread._bootstrap Thread._bootstrap_inner Thread.run"

# py_part_bytes FOLDED PART: the bytes of FOLDED's lines whose Python part
# (their frames among PY_STACK_NAMES, root first) is exactly PART.
py_part_bytes()
{
	awk -v want="$2" -v names="$PY_STACK_NAMES" '
		BEGIN { n = split(names, a, /[ \n]+/); for (i = 1; i <= n; i++) py[a[i]] = 1 }
		{
			i = match($0, / -?[0-9]+$/)
			nf = split(substr($0, 1, i - 1), fr, ";")
			part = ""
			for (j = 1; j <= nf; j++)
				if (fr[j] in py)
					part = part (part == "" ? "" : ";") fr[j]
			if (part == want)
				s += substr($0, i + 1)
		}
		END { printf "%d\n", s }' "$1"
}

# py_thread_part INTERP: the Python part of path_t's stack in its thread.
py_thread_part()
{
	case $1 in
	*3.10) echo "_bootstrap;_bootstrap_inner;run;path_t;grow_leaf" ;;
	*) echo "Thread._bootstrap;Thread._bootstrap_inner;Thread.run;path_t;grow_leaf" ;;
	esac
}

# assert_py_paths FOLDED LOG INTERP WHAT: each path's Python part carries the
# bytes the target saw that path grow by, and the stacks are mixed: native
# frames below the Python ones (bytearray's C, memset) and above them
# (Py_BytesMain; Python's own thread start), no eval loop left, and no code
# object left unnamed.
assert_py_paths()
{
	local folded=$1 log=$2 interp=$3 what=$4 path_b_line path_c_line
	[ -s "$folded" ] || fail "$what: no --folded file"
	assert_share "$what: <module>;path_a;grow_leaf" \
		"$(py_part_bytes "$folded" "<module>;path_a;grow_leaf")" "$(truth_path "$log" path_a)"
	assert_share "$what: <module>;path_b;mid;grow_leaf" \
		"$(py_part_bytes "$folded" "<module>;path_b;mid;grow_leaf")" "$(truth_path "$log" path_b)"
	assert_share "$what: <module>;path_c;grow_leaf" \
		"$(py_part_bytes "$folded" "<module>;path_c;grow_leaf")" "$(truth_path "$log" path_c)"
	assert_share "$what: thread $(py_thread_part "$interp")" \
		"$(py_part_bytes "$folded" "$(py_thread_part "$interp")")" "$(truth_path "$log" path_t)"

	path_b_line=$(grep ';mid;' "$folded" | sort -t' ' -k2 -n | tail -n 1)
	case $path_b_line in
	*";Py_BytesMain;"*";<module>;"*";grow_leaf;"*"bytearray"*) ;;
	*) fail "$what: path_b's heaviest stack is not native, Python, native: $path_b_line" ;;
	esac
	# 3.10 runs one eval loop per frame, 3.11+ one for all of them (calls inlined).
	case $interp in
	*3.10) echo "$path_b_line" | grep -Eq ';<module>(;[^;]+)+;path_b(;[^;]+)+;mid(;[^;]+)+;grow_leaf;' ||
		fail "$what: no C frames between 3.10's Python frames: $path_b_line" ;;
	*) echo "$path_b_line" | grep -q ';<module>;path_b;mid;grow_leaf;' ||
		fail "$what: 3.11+'s Python frames are not one run: $path_b_line" ;;
	esac
	ok "$what: mixed: ${path_b_line% *}"
	# map() calls grow_leaf from C: a second eval loop, its C kept between the
	# two only if the frames were split where each loop began (entry frames).
	path_c_line=$(grep ';path_c;' "$folded" | sort -t' ' -k2 -n | tail -n 1)
	echo "$path_c_line" | grep -Eq ';path_c(;[^;]+)*;(builtin_)?map[^;]*(;[^;]+)*;grow_leaf;' ||
		fail "$what: map's C frames not between path_c and grow_leaf: $path_c_line"
	ok "$what: C between two eval loops: ${path_c_line% *}"
	! grep -E ';(path_a|path_b|path_t|grow_leaf);.*_PyEval_EvalFrame|_PyEval_EvalFrame.*;grow_leaf;' "$folded" ||
		fail "$what: an eval loop left in a path's stack"
	# A module body freed before memtrace could read it stays unnamed; the paths' code lives.
	! grep -E ';(grow_leaf|path_t);' "$folded" | grep -F '[python code 0x' ||
		fail "$what: unnamed code objects in the paths' stacks"
	ok "$what: no eval loop in the paths' stacks, every code object there named"
}
