# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# Part of tests/lib.sh: comparisons of numbers and table cells; each prints
# an "ok:" line or fails the test.

# --- assertions ----------------------------------------------------------

# assert_close WHAT GOT WANT: |GOT - WANT| <= 16 KiB + 1% of |WANT|.
assert_close()
{
	local what=$1 got=$2 want=$3
	if awk -v g="$got" -v w="$want" -v a="$TOL_ABS" -v r="$TOL_REL" \
		'BEGIN { d = g - w; if (d < 0) d = -d; m = w < 0 ? -w : w;
			 exit !(g ~ /^-?[0-9]+(\.[0-9]+)?$/ && d <= a + r * m) }'; then
		ok "$what: $got, want $want (within $TOL_ABS B + 1%)"
	else
		fail "$what: got $got, want $want (tolerance $TOL_ABS B + 1%)"
	fi
}

assert_eq()
{
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	ok "$1: $2"
}

# assert_ge WHAT GOT MIN (numbers)
assert_ge()
{
	awk -v g="$2" -v m="$3" 'BEGIN { exit !(g ~ /^-?[0-9]+(\.[0-9]+)?$/ && g + 0 >= m + 0) }' ||
		fail "$1: got $2, want >= $3"
	ok "$1: $2 >= $3"
}

# assert_le WHAT GOT MAX (numbers)
assert_le()
{
	awk -v g="$2" -v m="$3" 'BEGIN { exit !(g ~ /^-?[0-9]+(\.[0-9]+)?$/ && g + 0 <= m + 0) }' ||
		fail "$1: got $2, want <= $3"
	ok "$1: $2 <= $3"
}

# table_row FILE FUNC: the fields of FUNC's row in a function table, or nothing.
table_row() { awk -v f="$2" '$1 == f { $1 = $1; print; exit }' "$1"; }

# assert_table_mib WHAT GOT_MIB WANT_BYTES: a table cell (MiB, two decimals)
# against bytes: the usual tolerance plus half a unit of the last digit.
assert_table_mib()
{
	local what=$1 got=$2 want=$3
	if awk -v g="$got" -v w="$want" -v a="$TOL_ABS" -v r="$TOL_REL" -v mib="$MIB" \
		'BEGIN { d = g * mib - w; if (d < 0) d = -d; m = w < 0 ? -w : w;
			 exit !(g ~ /^-?[0-9]+\.[0-9][0-9]$/ && d <= a + 0.005 * mib + r * m) }'; then
		ok "$what: $got MiB, want $(awk -v w="$want" -v mib="$MIB" 'BEGIN { printf "%.4f", w / mib }') MiB"
	else
		fail "$what: got '$got' MiB, want $want bytes ($(awk -v w="$want" -v mib="$MIB" 'BEGIN { printf "%.4f", w / mib }') MiB)"
	fi
}
