# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# partial.py [--log F] FILE MIB_BEFORE MIB_AFTER MIB_NEXT FIFO MIB_TAIL:
# calls in progress when memtrace attaches.
# - A thread calls tail(), which blocks reading FIFO (made here) in its last
#   line, then keeps MIB_TAIL MiB there and returns: after the attach, its
#   only event is its return. It says "tail_inside" before blocking and
#   "rss_tail" (RSS) once tail() returned.
# - The main thread calls span(), which keeps MIB_BEFORE MiB (line
#   "L:before"), says "rss_inside" once tail() is blocked, waits for FILE
#   to exist (the test attaches meanwhile, feeds FIFO, waits for "rss_tail",
#   then creates FILE), keeps MIB_AFTER MiB (line "L:after") and returns;
#   then main calls span() once more, a complete call keeping MIB_NEXT MiB.
# Reports "rss_return" (RSS after the first span returned), "line after
# DELTA" for its after line as span() saw it, and "rss_before"/"rss_after"
# around the second call.
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import os
import threading
import time

import target
from target import kept, rss


def tail(mib, fd):
    return kept.append(os.read(fd, 1) * (mib << 20))  # L:tail


def run_tail(mib, fd, started):
    target.say("tail_inside")
    started.set()
    tail(mib, fd)
    target.say("rss_tail", rss())


def span(before, after, path):
    kept.append(b"b" * (before << 20))  # L:before
    if path:  # L:if
        target.say("rss_inside", rss())  # L:inside
        while not os.path.exists(path):  # L:wait
            time.sleep(0.005)  # L:sleep
    r0 = rss()  # L:r0
    kept.append(b"a" * (after << 20))  # L:after
    r1 = rss()  # L:r1
    return r1 - r0  # L:return


def main():
    path, before, after, nxt, fifo, mib_tail = target.init()
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR)  # a reader and a writer: never blocks here
    started = threading.Event()
    t = threading.Thread(target=run_tail, args=(int(mib_tail), fd, started))
    t.start()
    started.wait()
    time.sleep(0.1)  # tail() is blocked in os.read() by now
    delta = span(int(before), int(after), path)
    t.join()
    target.say("rss_return", rss())
    target.say("line after", delta)
    time.sleep(0.05)
    target.call(span, 0, int(nxt), "")
    target.done()


main()
