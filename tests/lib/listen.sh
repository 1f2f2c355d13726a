# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# For tests/integ/listen_*.sh, sourced after tests/lib.sh: memtrace serving
# --listen on a loopback port it picks itself (port 0: the address it bound
# is on its stderr), requests to it, and a Prometheus server of the test's
# own (Debian's prometheus, its data in $TMP) scraping it.

# listen_memtrace ARGS...: start_memtrace --listen 127.0.0.1:0 ARGS, once it
# serves. Sets MT_ADDR (127.0.0.1:PORT) beside what start_memtrace sets.
listen_memtrace()
{
	start_memtrace --listen 127.0.0.1:0 "$@"
	wait_for_line "$MT_ERR" '^memtrace: serving .* on http://127\.0\.0\.1:[0-9]+$' 20 ||
		fail "memtrace --listen did not say where it serves: $(cat "$MT_ERR")"
	MT_ADDR=$(sed -nE 's|^memtrace: serving .* on http://(127\.0\.0\.1:[0-9]+)$|\1|p' "$MT_ERR" | head -n 1)
}

# http_get PATH [CURL ARGS...]: the body of http://$MT_ADDR/PATH on stdout,
# the status in $TMP/http.code; a server slower than 5 s fails the test.
http_get()
{
	local path=$1
	shift
	curl -s --max-time 5 -o - -w '%{stderr}%{http_code}' "$@" "http://$MT_ADDR/$path" 2>"$TMP/http.code" ||
		fail "GET /$path: no answer within 5 s (curl exit $?)"
}
http_code() { cat "$TMP/http.code"; }

# metric_sum FILE NAME LABELS: the sum of NAME's samples in an exposition FILE
# whose labels include LABELS (as written, e.g. 'function="grow_mib"').
metric_sum()
{
	awk -v n="$2" -v l="$3" 'index($0, n "{") == 1 && index($0, l) { s += $NF; k++ }
		END { if (k) printf "%d\n", s }' "$1"
}

# free_port: a loopback port nothing listens on now (the kernel's pick).
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# prom_start JOB=ADDR...: Debian's prometheus on a free loopback port,
# scraping each ADDR every second as job JOB, its data in $TMP/prom. Sets
# PROM (its address). The EXIT trap kills it with the targets (it must: it
# waits for every child the test left running).
prom_start()
{
	local cfg=$TMP/prometheus.yml job _
	command -v prometheus >/dev/null || skip "prometheus not installed (tools/install-deps.sh --test)"
	printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n' >"$cfg"
	for job in "$@"; do
		printf '  - job_name: %s\n    static_configs:\n      - targets: ["%s"]\n' "${job%%=*}" "${job#*=}" >>"$cfg"
	done
	# Another process may take the port between free_port and the bind: a few tries.
	for _ in 1 2 3; do
		PROM=127.0.0.1:$(free_port)
		prometheus --config.file="$cfg" --storage.tsdb.path="$TMP/prom" --web.listen-address="$PROM" \
			>"$TMP/prometheus.log" 2>&1 &
		PROM_PID=$!
		TARGET_PIDS+=("$PROM_PID")
		for _ in $(seq 100); do
			curl -s --max-time 1 "http://$PROM/-/ready" 2>/dev/null | grep -q Ready && return 0
			alive "$PROM_PID" || break
			sleep 0.1
		done
		kill "$PROM_PID" 2>/dev/null
		wait "$PROM_PID" 2>/dev/null
	done
	fail "prometheus did not start: $(tail -n 5 "$TMP/prometheus.log")"
}

# prom_query EXPR: the value of an instant query's single result, empty if none.
prom_query()
{
	curl -s --max-time 5 "http://$PROM/api/v1/query" --data-urlencode "query=$1" |
		"$PY" -c 'import json, sys
r = json.load(sys.stdin)
if r.get("status") != "success":
    sys.exit("query failed: %r" % r)
v = r["data"]["result"]
if len(v) > 1:
    sys.exit("more than one result: %r" % v)
print(v[0]["value"][1] if v else "")'
}

# prom_wait EXPR WANT [SECONDS]: until the query's value is WANT (Prometheus has scraped it).
prom_wait()
{
	local i got
	for ((i = 0; i < ${3:-20} * 4; i++)); do
		got=$(prom_query "$1") || fail "prometheus: $1: $got"
		[ "$got" = "$2" ] && return 0
		sleep 0.25
	done
	fail "prometheus: $1 is '$got' after ${3:-20}s, want $2"
}
