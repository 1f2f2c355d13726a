#!/bin/bash
# --listen /pprof: `go tool pprof -top URL` reads RSS growth by stack since the start and ?seconds=N windows (the growth in the window only, /metrics answered meanwhile); bad windows 400, --no-stacks 404
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/stacks.sh"
. "$LIB_DIR/lib/listen.sh"
require_env
require_go

# grow_mib's bytes (cum) in `go tool pprof -top` of $PROFILE, a URL or a file.
top_grow()
{
	pprof -top -nodefraction=0 -unit=B >"$TMP/top"
	awk '$NF == "grow_mib" && NF == 6 { gsub(/B/, ""); print $4; found = 1; exit }
		END { if (!found) print 0 }' "$TMP/top"
}

START=$TMP/go HOLD=$TMP/hold LOG=$(new_log grow)
listen_memtrace -- "$TARGETS/grow" --wait-file "$START" --hold-file "$HOLD" --log "$LOG" 8 16 24

# A window opened before the growth: it sees all of it, answered when its 3 s are up.
start=$(date +%s%N)
curl -s --max-time 10 -o "$TMP/window.pb.gz" -w '%{http_code}' "http://$MT_ADDR/pprof?seconds=3" \
	>"$TMP/window.code" &
window=$!
sleep 0.5
touch "$START"
wait_for_line "$LOG" '^done$' 10 || fail "grow did not finish: $(cat "$LOG")"
# The server answers while the window's connection waits.
body=$(http_get metrics)
assert_eq "GET /metrics during a window" "$(http_code)" 200
want=$(truth_growth "$LOG" | awk '{ s += $1 } END { print s }')
wait "$window"
elapsed=$((($(date +%s%N) - start) / 1000000))
assert_eq "GET /pprof?seconds=3" "$(cat "$TMP/window.code")" 200
[ "$elapsed" -ge 2900 ] && [ "$elapsed" -lt 6000 ] || fail "the 3 s window took $elapsed ms"
ok "the window was answered after $elapsed ms"
PROFILE=$TMP/window.pb.gz assert_share "window: grow_mib (cum) in go tool pprof -top" "$(PROFILE=$TMP/window.pb.gz top_grow)" "$want"

# The whole run's profile, fetched by go tool pprof itself.
PROFILE=http://$MT_ADDR/pprof assert_share "since the start: grow_mib (cum) in go tool pprof -top URL" \
	"$(PROFILE=http://$MT_ADDR/pprof top_grow)" "$want"
grep -q '^Type: rss_growth$' "$TMP/top" || fail "not the rss_growth profile: $(head -8 "$TMP/top")"

# A window after the growth: the difference, with nothing of grow_mib in it.
PROFILE="http://$MT_ADDR/pprof?seconds=1"
assert_eq "a window after the growth: grow_mib's bytes" "$(top_grow)" 0

for bad in 0 -1 601 1.5 x "" "2&seconds=3"; do
	http_get "pprof?seconds=$bad" >"$TMP/body"
	assert_eq "GET /pprof?seconds=$bad" "$(http_code)" 400
	grep -q 'seconds' "$TMP/body" || fail "the 400 does not say why: $(cat "$TMP/body")"
done
touch "$HOLD"
target_pid=$(log_pid "$LOG")
wait_gone "$target_pid" 10
kill -INT "$MT_PID"
wait_memtrace 20
assert_rc 0 "memtrace --listen, stopped by SIGINT"

# Without stacks there is no profile to serve: 404, and why.
listen_memtrace --no-stacks -f grow_mib -- "$TARGETS/grow" --hold-file "$HOLD" --log "$(new_log grow)" 1
http_get pprof >"$TMP/body"
assert_eq "GET /pprof with --no-stacks" "$(http_code)" 404
grep -q -- '--no-stacks' "$TMP/body" || fail "the 404 does not name --no-stacks: $(cat "$TMP/body")"
kill -INT "$MT_PID"
wait_memtrace 20
assert_rc 0 "memtrace --listen --no-stacks, stopped by SIGINT"
