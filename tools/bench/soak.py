#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Soak of the long-running agent (a benchmark, not a test): memtrace -a runs
for --duration seconds (default 3600) while short processes come and go, and
its own RSS and open file descriptors are sampled. With a memtrace that has
--listen, /metrics is scraped every --scrape seconds as Prometheus would.

    sudo tools/bench/soak.py [--duration S] [--rate N] [--sample S] [--scrape S] [-- MEMTRACE-OPTIONS]

Prints a table of time against memtrace's RSS and fds, then the ratio of the
mean RSS of the last quarter to that of the first: bounded memory keeps it
near 1. Needs root and `make memtrace targets`.
"""
import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, os.environ.get("OUTPUT", ".output"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def has_listen(memtrace):
    help_text = subprocess.run([memtrace, "--help"], capture_output=True, text=True)
    return "--listen" in help_text.stdout + help_text.stderr


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Churn(threading.Thread):
    """Starts about rate short processes a second, each growing and exiting:
    grow (one to three calls of 1-4 MiB), and now and then a forker whose
    children each grow and exit."""

    def __init__(self, rate):
        super().__init__(daemon=True)
        self.rate = rate
        self.started = 0
        self.stop = threading.Event()
        self.grow = os.path.join(OUT, "targets", "grow")
        self.forker = os.path.join(OUT, "targets", "forker")

    def one(self):
        if random.random() < 0.05:
            args = [self.forker] + [str(random.randint(1, 2)) for _ in range(6)]
            self.started += 6
        else:
            args = [self.grow] + [str(random.randint(1, 4)) for _ in range(random.randint(1, 3))]
            self.started += 1
        return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def run(self):
        running = []
        while not self.stop.is_set():
            running.append(self.one())
            running = [p for p in running if p.poll() is None]
            time.sleep(1.0 / self.rate)
        for p in running:
            p.wait()


def scrape(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
            body = r.read().decode("utf-8", "replace")
        return sum(1 for line in body.splitlines() if line and not line.startswith("#"))
    except OSError:
        return -1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=3600, help="seconds (default 3600)")
    ap.add_argument("--rate", type=float, default=20, help="processes started a second (default 20)")
    ap.add_argument("--sample", type=float, default=30, help="seconds between RSS samples (default 30)")
    ap.add_argument("--scrape", type=float, default=5, help="seconds between scrapes, with --listen (default 5)")
    ap.add_argument("--memtrace", default=os.path.join(ROOT, "memtrace"))
    ap.add_argument("extra", nargs="*", help="more memtrace options, after -- (e.g. -- --no-stacks)")
    a = ap.parse_args()
    if os.geteuid():
        sys.exit("soak: needs root")
    for f in (a.memtrace, os.path.join(OUT, "targets", "grow")):
        if not os.access(f, os.X_OK):
            sys.exit("soak: no %s; run make memtrace targets" % f)

    listen = has_listen(a.memtrace)
    port = free_port() if listen else 0
    cmd = [a.memtrace, "-a"] + (["--listen", "127.0.0.1:%d" % port] if listen else []) + a.extra
    tmp = tempfile.mkdtemp(prefix="memtrace-soak.")
    out = open(os.path.join(tmp, "tables.txt"), "w")
    err = open(os.path.join(tmp, "stderr.txt"), "w")
    mt = subprocess.Popen(cmd, stdout=out, stderr=err)
    print("soak: %s for %.0f s, %.0f processes/s; files in %s" % (" ".join(cmd), a.duration, a.rate, tmp))
    time.sleep(5)  # loaded and attached
    churn = Churn(a.rate)
    churn.start()
    rows, series = [], -1
    start = time.monotonic()
    next_sample = start
    next_scrape = start
    try:
        while time.monotonic() - start < a.duration and mt.poll() is None:
            now = time.monotonic()
            if listen and now >= next_scrape:
                series = scrape(port)
                next_scrape += a.scrape
            if now >= next_sample:
                rows.append((now - start, status_kib(mt.pid, "VmRSS"), len(os.listdir("/proc/%d/fd" % mt.pid)),
                             churn.started, series))
                next_sample += a.sample
            time.sleep(0.2)
    finally:
        churn.stop.set()
        churn.join()
        if mt.poll() is None:
            mt.send_signal(signal.SIGINT)
        rc = mt.wait()
    out.close()
    err.close()

    print("%8s %12s %6s %10s%s" % ("t (s)", "RSS (MiB)", "fds", "processes", "  series" if listen else ""))
    for t, rss, fds, n, s in rows:
        print("%8.0f %12.1f %6d %10d%s" % (t, rss / 1024, fds, n, "  %6d" % s if listen else ""))
    q = max(1, len(rows) // 4)
    first = sum(r[1] for r in rows[:q]) / q
    last = sum(r[1] for r in rows[-q:]) / q
    print("soak: memtrace exit %d; %d processes started; RSS first quarter %.1f MiB, last quarter %.1f MiB: ratio %.2f"
          % (rc, churn.started, first / 1024, last / 1024, last / first))
    with open(os.path.join(tmp, "tables.txt")) as f:
        m = re.search(r"^Processes by RSS growth: .*$", f.read(), re.M)
    print("soak: %s" % (m.group(0) if m else "no process table"))


if __name__ == "__main__":
    main()
