#!/bin/bash
# --listen under garbage, huge, slow, half-open and too many requests while an attached target grows: the server answers /metrics within a second throughout, drops the idle after its timeout, and the figures and the stream stay right
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib/listen.sh"
require_env

go=$TMP/go hold=$TMP/hold
start_target grow --wait-file "$go" --hold-file "$hold" 8 16 24
listen_memtrace -p "$T_PID" -f grow_mib -o "$TMP/run.ndjson"
wait_start "$TMP/run.ndjson"

# The abuse, and the well-behaved requests between it, in one script: it
# starts the target's growth (touching $go) with every bad connection open.
"$PY" - "$MT_ADDR" "$go" "$T_LOG" "$TMP/metrics" <<'PYEOF' || fail "the server misbehaved under abuse"
import select, socket, sys, time

host, port = sys.argv[1].rsplit(":", 1)
addr = (host, int(port))
go, log, out = sys.argv[2:5]

def conn(timeout=5):
    s = socket.create_connection(addr, timeout=timeout)
    return s

def status(s):
    """The status code of the answer, or None if the server closed without one."""
    data = b""
    try:
        while b"\r\n" not in data:
            b = s.recv(4096)
            if not b:
                break
            data += b
    except (ConnectionResetError, socket.timeout):
        pass
    return int(data.split()[1]) if data.startswith(b"HTTP/") else None

def get_metrics():
    t = time.monotonic()
    s = conn()
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    took = time.monotonic() - t
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200") or took > 1:
        sys.exit("FAIL: GET /metrics: %r after %.2f s" % (head[:40], took))
    return body, took

def send_all(s, data):
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass

# Half-open: headers never finished. Slow: a byte at a time.
half = [conn(30) for _ in range(4)]
for s in half:
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
slow = conn(30)
slow.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")

checks = [
    ("garbage", b"\x00\xff\xfe\x01garbage\r\n\r\n", lambda c: c != 200),
    ("a 1 MiB header", b"GET /metrics HTTP/1.1\r\nX: " + b"a" * (1 << 20) + b"\r\n\r\n", lambda c: c is None or c >= 400),
    ("a 100 KiB URL", b"GET /" + b"m" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", lambda c: c is None or c >= 400),
    ("a POST of 1 GB announced", b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nxx", lambda c: c == 405),
    ("HTTP/0.9", b"GET /metrics\r\n\r\n", lambda c: c != 200),
]
for what, req, good in checks:
    s = conn()
    send_all(s, req)
    c = status(s)
    s.close()
    if not good(c):
        sys.exit("FAIL: %s: answered %r" % (what, c))
    print("ok: %s: %s" % (what, "closed" if c is None else c))

# More connections at once than the server takes: those past its limits are closed, none hangs it.
flood = []
for _ in range(40):
    try:
        flood.append(conn(2))
    except OSError:
        break
for s in flood:
    s.close()
print("ok: %d connections opened and closed at once" % len(flood))
# The server sees those closes at its next round (up to its loop's 50 ms): until then they count.
time.sleep(0.2)

body, took = get_metrics()
print("ok: GET /metrics among the bad connections: %.3f s" % took)
open(go, "w").close()
deadline = time.monotonic() + 15
while b"done" not in open(log, "rb").read().split(b"\n"):
    if time.monotonic() > deadline:
        sys.exit("FAIL: the target did not finish")
    slow.send(b"a")
    body, took = get_metrics()
    time.sleep(0.2)
print("ok: GET /metrics while the target grew: each within 1 s")
time.sleep(0.3)
body, took = get_metrics()
open(out, "wb").write(body)

# The half-open are dropped after the server's timeout (10 s); the slow one, fed meanwhile, is not.
t = time.monotonic()
open_half = list(half)
while open_half:
    if time.monotonic() - t > 20:
        sys.exit("FAIL: %d half-open connections still open 20 s later" % len(open_half))
    ready, _, _ = select.select(open_half, [], [], 0.5)
    for s in ready:
        try:
            if s.recv(4096):
                continue
        except ConnectionResetError:
            pass
        open_half.remove(s)
    slow.send(b"a")
print("ok: the half-open connections were closed by the server (%.1f s later)" % (time.monotonic() - t))
send_all(slow, b"\r\n\r\n")
c = status(slow)
if c != 200:
    sys.exit("FAIL: the slow request, finished, answered %r" % c)
print("ok: the slow request, finished after %.0f s, answered 200" % (time.monotonic() - t))
PYEOF

assert_eq "calls of grow_mib" "$(metric_sum "$TMP/metrics" memtrace_calls_total 'function="grow_mib"')" 3
want=$(truth_growth "$T_LOG" | awk '{ s += $1 } END { print s }')
assert_close "growth of grow_mib" "$(metric_sum "$TMP/metrics" memtrace_growth_bytes 'function="grow_mib"')" "$want"
touch "$hold"
target_done "$T_LOG" "$T_PID" 0
kill -INT "$MT_PID"
wait_memtrace 20
assert_rc 0 "memtrace --listen after the abuse, stopped by SIGINT"
assert_eq "calls in the stream" "$(grep -c '"type": *"call"' "$TMP/run.ndjson")" 3
