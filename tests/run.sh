#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The test runner, from `make check` (--unit) and `make test` (everything).
#   tests/run.sh [--unit] [--integ] [PATTERN...]
# Runs each unit binary ($OUTPUT/tests/test_*) and each tests/integ/*.sh with
# a time limit, one line per test, the output of failing tests, and last
# "N passed, N failed, N skipped". Exit 0 only if nothing failed; with
# CI=true a skip counts as a failure. PATTERN selects tests by substring.
# Environment: OUTPUT (.output), TEST_TIMEOUT (120 s per integration test),
# TEST_UNIT_TIMEOUT (360 s per unit binary: sanitized, and test_fuzz runs
# ~1,200 inputs, a minute on an idle machine), CI, KEEP_TMP.

set -u
cd "$(dirname "$0")/.." || exit 1

OUTPUT=${OUTPUT:-.output}
TIMEOUT=${TEST_TIMEOUT:-120}
UNIT_TIMEOUT=${TEST_UNIT_TIMEOUT:-360}
export OUTPUT
# Marks every process of this run: tests/integ/zz_leftovers.sh looks for it.
MEMTRACE_TEST_RUN="$$.$(date +%s%N)"
export MEMTRACE_TEST_RUN

unit=1 integ=1
patterns=()
for arg in "$@"; do
	case $arg in
	--unit) integ=0 ;;
	--integ) unit=0 ;;
	-h | --help)
		sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "run.sh: unknown option $arg" >&2
		exit 2
		;;
	*) patterns+=("$arg") ;;
	esac
done

tests=()
if [ "$unit" = 1 ]; then
	for t in "$OUTPUT"/tests/test_*; do
		[ -f "$t" ] && [ -x "$t" ] && tests+=("$t")
	done
fi
if [ "$integ" = 1 ]; then
	for t in tests/integ/*.sh; do
		[ -f "$t" ] && tests+=("$t")
	done
fi

selected()
{
	local p
	[ ${#patterns[@]} -eq 0 ] && return 0
	for p in "${patterns[@]}"; do
		case $1 in *"$p"*) return 0 ;; esac
	done
	return 1
}

passed=0 failed=0 skipped=0
log=$(mktemp "${TMPDIR:-/tmp}/memtrace-run.XXXXXX")
trap 'rm -f "$log"' EXIT

for t in "${tests[@]}"; do
	selected "$t" || continue
	name=$(basename "$t" .sh)
	start=$(date +%s%N)
	# timeout signals the whole process group: the test and all it started.
	if [ "${t%.sh}" != "$t" ]; then
		limit=$TIMEOUT
		timeout -k 10 "$limit" bash "$t" >"$log" 2>&1 </dev/null
	else
		limit=$UNIT_TIMEOUT
		timeout -k 10 "$limit" "$t" >"$log" 2>&1 </dev/null
	fi
	rc=$?
	secs=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	case $rc in
	0)
		echo "PASS $name (${secs}s)"
		passed=$((passed + 1))
		;;
	2)
		reason=$(sed -n 's/^SKIP: //p' "$log" | tail -n 1)
		reason=${reason:-no reason given}
		if [ "${CI:-}" = true ]; then
			echo "FAIL $name: skipped under CI=true: $reason"
			failed=$((failed + 1))
		else
			echo "SKIP $name: $reason"
			skipped=$((skipped + 1))
		fi
		;;
	*)
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			echo "FAIL $name (timed out after ${limit}s)"
		else
			echo "FAIL $name (exit $rc, ${secs}s)"
		fi
		sed 's/^/    /' "$log"
		failed=$((failed + 1))
		;;
	esac
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || exit 1
[ "${CI:-}" = true ] && [ "$skipped" -ne 0 ] && exit 1
exit 0
