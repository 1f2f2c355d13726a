#!/bin/bash
# --listen errors before anything is attached or launched, one line each: an address in use, a privileged port without CAP_NET_BIND_SERVICE, an address not this host's, an existing Unix path (never replaced) exit 1; malformed addresses and --max-series exit 2
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/listen.sh"
require_env

out=$TMP/never.ndjson log=$TMP/never.log
# assert_nothing_done WHAT: no -o file, nothing on stdout, the command never ran.
assert_nothing_done()
{
	[ ! -e "$out" ] || fail "$1: created $out"
	[ ! -s "$MT_OUT" ] || fail "$1: wrote to stdout: $(head -n 3 "$MT_OUT")"
	[ ! -e "$log" ] || fail "$1: the command ran: $(cat "$log")"
	ok "$1: no output, the command never ran"
}
# try_listen ADDR [MEMTRACE ARGS...]: a launch that must fail on ADDR.
try_listen()
{
	local addr=$1
	shift
	run_memtrace "$@" --listen "$addr" -f grow_mib -o "$out" -- "$TARGETS/grow" --log "$log" 1
}

# An address in use: another memtrace serves there.
start_target busy
listen_memtrace -p "$T_PID" -f busy_work
try_listen "$MT_ADDR"
assert_error 1 "--listen $MT_ADDR (in use)"
grep -q 'in use' "$MT_ERR" || fail "the message does not say the address is in use: $(cat "$MT_ERR")"
assert_nothing_done "--listen $MT_ADDR (in use)"
body=$(http_get metrics)
assert_eq "the first memtrace still serves" "$(http_code)" 200
kill -INT "$MT_PID"
wait_memtrace 20
assert_rc 0 "the first memtrace, stopped by SIGINT"
assert_unharmed "$T_PID"

# A port below ip_unprivileged_port_start, as root without CAP_NET_BIND_SERVICE.
start_port=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)
if [ "$start_port" -gt 1 ] && command -v setpriv >/dev/null; then
	SEQ=$((SEQ + 1))
	MT_OUT=$TMP/mt.$SEQ.out MT_ERR=$TMP/mt.$SEQ.err
	timeout -k 5 30 setpriv --inh-caps=-net_bind_service --bounding-set=-net_bind_service \
		"$MEMTRACE" --listen 127.0.0.1:1 -f grow_mib -o "$out" -- "$TARGETS/grow" --log "$log" 1 \
		>"$MT_OUT" 2>"$MT_ERR"
	MT_RC=$?
	assert_error 1 "--listen 127.0.0.1:1 without CAP_NET_BIND_SERVICE"
	grep -q 'CAP_NET_BIND_SERVICE' "$MT_ERR" || fail "the message does not name the capability: $(cat "$MT_ERR")"
	assert_nothing_done "--listen 127.0.0.1:1 without CAP_NET_BIND_SERVICE"
else
	echo "note: every port is unprivileged here (ip_unprivileged_port_start $start_port): not tested"
fi

# An address no interface has (TEST-NET-1, RFC 5737).
try_listen 192.0.2.1:9464
assert_error 1 "--listen 192.0.2.1:9464 (not this host's)"
assert_nothing_done "--listen 192.0.2.1:9464"

# An existing Unix path is never replaced or followed: a file, a dangling symlink.
printf 'keep me\n' >"$TMP/file"
try_listen "unix:$TMP/file"
assert_error 1 "--listen unix:PATH, PATH a file"
grep -q 'exists' "$MT_ERR" || fail "the message does not say the path exists: $(cat "$MT_ERR")"
assert_eq "the file is untouched" "$(cat "$TMP/file")" "keep me"
assert_nothing_done "--listen unix:PATH, PATH a file"
ln -s "$TMP/elsewhere" "$TMP/link"
try_listen "unix:$TMP/link"
assert_error 1 "--listen unix:PATH, PATH a dangling symlink"
[ ! -e "$TMP/elsewhere" ] || fail "a socket was created where the symlink points"
[ -L "$TMP/link" ] || fail "the symlink was replaced"
ok "the symlink is untouched, nothing created where it points"
assert_nothing_done "--listen unix:PATH, PATH a dangling symlink"
try_listen "unix:$TMP/$(printf 'x%.0s' $(seq 120))"
assert_error 2 "--listen unix:PATH, PATH too long"

# Malformed: usage errors.
for addr in "" x 65536 1.2.3.4 1.2.3.4: localhost:9464 "[::1]" ::1:9464 "[zz]:9464" 1.2.3.4:80x \
	unix: :-1 " 9464" "1.2.3.4:+80" $'127.0.0.1:\n80'; do
	try_listen "$addr"
	assert_error 2 "--listen '$addr'"
	assert_nothing_done "--listen '$addr'"
done
for n in 0 -1 x 10000001 ""; do
	try_listen 127.0.0.1:0 --max-series "$n"
	assert_error 2 "--max-series '$n'"
done
run_memtrace --max-series 10 -f grow_mib -o "$out" -- "$TARGETS/grow" --log "$log" 1
assert_error 2 "--max-series without --listen"
assert_nothing_done "--max-series without --listen"
