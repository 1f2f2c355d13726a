#!/bin/bash
# launch mode finds libraries where ld.so does: LD_LIBRARY_PATH before DT_RUNPATH, DT_RPATH before both, ld.so.cache
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

LIBS=$TARGETS/libsearch

# run_lib NAME EXE LD_LIBRARY_PATH WANT_SCALE: traces mt_lib_grow in EXE and checks
# that ld.so loaded the copy of libmtgrow.so that grows WANT_SCALE times, and that
# memtrace saw every call of it (the wrong copy would never be called).
run_lib()
{
	local name=$1 exe=$2 llp=$3 scale=$4 log
	log=$(new_log "$name")
	LD_LIBRARY_PATH=$llp run_memtrace -o /dev/stdout -f mt_lib_grow -- "$exe" --log "$log" 2 4
	assert_rc 0 "$name"
	grep -q '^done' "$log" || fail "$name: target did not finish: $(cat "$log")"
	assert_eq "$name: the copy ld.so loaded" "$(awk '/^lib_scale / { print $2 }' "$log")" "$scale"
	assert_eq "$name: traced object" "$(mtq "$MT_OUT" "of('start')[0]['targets'][0]['object']")" \
		"$(realpath "$LIBS/$([ "$scale" = 1 ] && echo a || echo b)/libmtgrow.so")"
	assert_calls_match "$MT_OUT" mt_lib_grow "$log"
}

# DT_RUNPATH=$ORIGIN/a, LD_LIBRARY_PATH=b: ld.so takes b's copy (3x).
run_lib runpath "$LIBS/use-runpath" "$LIBS/b" 3
# Without LD_LIBRARY_PATH, the runpath's copy (1x).
run_lib runpath-only "$LIBS/use-runpath" "" 1
# DT_RPATH=$ORIGIN/a comes before LD_LIBRARY_PATH: a's copy.
run_lib rpath "$LIBS/use-rpath" "$LIBS/b" 1

# A library only /etc/ld.so.cache knows: a cache made for the test, bind-mounted
# over the real one in a mount namespace of its own (the host's stays untouched).
command -v unshare >/dev/null && command -v ldconfig >/dev/null || skip "needs unshare and ldconfig"
mkdir "$TMP/cached"
cp "$LIBS/b/libmtgrow.so" "$TMP/cached/"
echo "$TMP/cached" >"$TMP/ld.so.conf"
ldconfig -X -C "$TMP/ld.so.cache" -f "$TMP/ld.so.conf" || fail "ldconfig could not write a cache"
"$LIBS/use-plain" >/dev/null 2>&1 && fail "use-plain runs without the test's cache: libmtgrow.so is installed somewhere"
cat >"$TMP/in-ns" <<NS
#!/bin/sh
exec unshare --mount -- sh -c 'mount --bind "\$0" /etc/ld.so.cache && exec "\$@"' "$TMP/ld.so.cache" "$MEMTRACE" "\$@"
NS
chmod +x "$TMP/in-ns"
log=$(new_log cache)
MEMTRACE=$TMP/in-ns run_memtrace -o /dev/stdout -f mt_lib_grow -- "$LIBS/use-plain" --log "$log" 2 4
assert_rc 0 "ld.so.cache"
grep -q '^done' "$log" || fail "ld.so.cache: target did not finish: $(cat "$log")"
assert_eq "ld.so.cache: traced object" "$(mtq "$MT_OUT" "of('start')[0]['targets'][0]['object']")" \
	"$TMP/cached/libmtgrow.so"
assert_calls_match "$MT_OUT" mt_lib_grow "$log"
