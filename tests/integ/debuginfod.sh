#!/bin/bash
# stripped binary: -f finds its function through a debuginfod server, then from the cache; a server's non-ELF or wrong-build-id answer is refused
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
command -v debuginfod >/dev/null || skip "debuginfod not installed (tools/install-deps.sh --test)"
command -v objcopy >/dev/null || skip "objcopy not installed (binutils)"

# The user's own servers and cache stay out of it.
unset DEBUGINFOD_URLS DEBUGINFOD_CACHE_PATH DEBUGINFOD_TIMEOUT DEBUGINFOD_RETRY_LIMIT

# grow without symbols, its debug file in a directory of its own (what a -dbgsym package holds).
stripped=$TMP/grow-stripped
mkdir "$TMP/srv" "$TMP/bad"
objcopy --only-keep-debug "$TARGETS/grow" "$TMP/srv/grow.debug" || fail "objcopy --only-keep-debug"
strip --strip-all -o "$stripped" "$TARGETS/grow" || fail "strip"
id=$(readelf -n "$stripped" 2>/dev/null | awk '/Build ID:/ { print $3 }')
[ -n "$id" ] || fail "$stripped has no build id"
[ "$(readelf -n "$TMP/srv/grow.debug" 2>/dev/null | awk '/Build ID:/ { print $3 }')" = "$id" ] ||
	fail "the debug file's build id is not $id"
readelf -S "$stripped" | grep -q '\.symtab' && fail "$stripped still has a .symtab"

# A loopback port nothing listens on now.
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# http_status URL: the HTTP status of a GET (000 when nothing answers).
http_status()
{
	"$PY" - "$1" <<'EOF'
import sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
except OSError:
    print("000")
EOF
}

# serve NAME CMD...: starts a server in the background; SERVER is its pid.
# In TARGET_PIDS: the EXIT trap kills it (before it waits for every child),
# pass or fail, and $TMP goes with it.
serve()
{
	"${@:2}" >"$TMP/$1.log" 2>&1 &
	SERVER=$!
	TARGET_PIDS+=("$SERVER")
}

# wait_served URL: until the server answers URL with 200 (debuginfod: it has scanned the file).
wait_served()
{
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(http_status "$1")" = 200 ] && return 0
		alive "$SERVER" || fail "server exited: $(tail -n 5 "$TMP"/*.log)"
		sleep 0.1
	done
	fail "nothing served $1 after 20s"
}

stop_server()
{
	kill "$SERVER"
	wait "$SERVER" 2>/dev/null
}

# The progress line a slow download prints (over 0.5 s: a loaded machine) is not the error.
drop_progress() { sed -i '/^memtrace: fetching debug info for .* from debuginfod\.\.\.$/d' "$MT_ERR"; }

# No symbols and no way to get them: the error says the two ways.
run_memtrace -f grow_mib -- "$stripped" --log "$(new_log grow)" 4
assert_error 1 "stripped, DEBUGINFOD_URLS unset"
grep -qF "$stripped is stripped" "$MT_ERR" || fail "message does not name $stripped as stripped"
grep -qF 'install its debug symbols (the -dbgsym package) or set DEBUGINFOD_URLS' "$MT_ERR" ||
	fail "message does not say how to get symbols"

port=$(free_port)
serve debuginfod debuginfod -p "$port" -F -t 0 -g 0 -d "$TMP/debuginfod.sqlite" "$TMP/srv"
url=http://127.0.0.1:$port
wait_served "$url/buildid/$id/debuginfo"
ok "debuginfod on port $port serves $id"

export DEBUGINFOD_URLS=$url DEBUGINFOD_CACHE_PATH=$TMP/cache
launch_cmd grow 1 "$stripped" -o /dev/stdout -f grow_mib -- 4 8
assert_calls_match "$MT_OUT" grow_mib "$T_LOG"
assert_summary_growth "$MT_OUT" grow_mib "$T_LOG"
cmp -s "$TMP/cache/$id/debuginfo" "$TMP/srv/grow.debug" || fail "the debug file is not in the cache"

# The server gone, the cache still has it.
stop_server
[ "$(http_status "$url/buildid/$id/debuginfo")" = 000 ] || fail "debuginfod still answers"
launch_cmd grow 1 "$stripped" -o /dev/stdout -f grow_mib -- 8 4
assert_calls_match "$MT_OUT" grow_mib "$T_LOG"
ok "cached debug file used with the server down"

# Stacks name the stripped binary's functions through the same lookup.
. "$LIB_DIR/lib/stacks.sh"
launch_cmd grow 1 "$stripped" --sample-bytes 64K --folded "$TMP/named.folded" -- 8 4
assert_share "stacks of the stripped binary: grow_mib" "$(folded_bytes "$TMP/named.folded" grow_mib)" \
	$((12 * MIB))
DEBUGINFOD_CACHE_PATH=$TMP/cache-empty DEBUGINFOD_URLS= \
	launch_cmd grow 1 "$stripped" --sample-bytes 64K --folded "$TMP/unnamed.folded" -- 8 4
grep -q 'grow_mib' "$TMP/unnamed.folded" && fail "without debug info, grow_mib was named anyway"
grep -q '\[grow-stripped+0x[0-9a-f]*\]' "$TMP/unnamed.folded" ||
	fail "without debug info, no [grow-stripped+0x...] frame: $(head -3 "$TMP/unnamed.folded")"
ok "without debug info: [grow-stripped+0x...] frames"

# bad_answer WHAT WHY FILE: a server answering FILE for $id is refused: the binary stays
# stripped (the one error line), -v says WHY, and the answer does not stay in the cache.
bad_answer()
{
	local what=$1 why=$2
	cp "$3" "$TMP/bad/buildid/$id/debuginfo"
	export DEBUGINFOD_CACHE_PATH=$TMP/cache-$what
	run_memtrace -f grow_mib -- "$stripped" --log "$(new_log grow)" 4
	drop_progress
	assert_error 1 "server answers $what"
	grep -qF "$stripped is stripped" "$MT_ERR" || fail "$what: the message does not say stripped"
	grep -qF 'DEBUGINFOD_URLS gave none (memtrace -v says why)' "$MT_ERR" ||
		fail "$what: the message does not point at the server"
	run_memtrace -v -f grow_mib -- "$stripped" --log "$(new_log grow)" 4
	[ "$MT_RC" -eq 1 ] || fail "$what, -v: exit $MT_RC, want 1"
	grep -qF "from debuginfod for $stripped ignored: $why" "$MT_ERR" || fail "$what: -v does not say '$why'"
	[ -e "$TMP/cache-$what/$id/debuginfo" ] && fail "$what: the refused file stayed in the cache"
	ok "$what refused: $(grep -F ignored "$MT_ERR")"
}

port=$(free_port)
serve http "$PY" -m http.server --bind 127.0.0.1 --directory "$TMP/bad" "$port"
export DEBUGINFOD_URLS=http://127.0.0.1:$port
echo 'not an ELF file' >"$TMP/garbage"
mkdir -p "$TMP/bad/buildid/$id"
cp "$TMP/garbage" "$TMP/bad/buildid/$id/debuginfo"
wait_served "$DEBUGINFOD_URLS/buildid/$id/debuginfo"
bad_answer garbage "not an ELF file" "$TMP/garbage"
# An ELF file with a .symtab, of another program.
bad_answer other-program "its build id differs" "$TARGETS/hot"
# The right build id without symbols: the stripped binary itself.
bad_answer no-symtab "it has no .symtab" "$stripped"
