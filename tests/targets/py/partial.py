# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# partial.py [--log F] FILE MIB_BEFORE MIB_AFTER MIB_NEXT: a call in
# progress when memtrace attaches. span() keeps MIB_BEFORE MiB (line
# "L:before"), says "rss_inside", waits for FILE to exist (the test attaches
# meanwhile, then creates it), keeps MIB_AFTER MiB (line "L:after") and
# returns; then main calls span() once more, a complete call keeping
# MIB_NEXT MiB. Reports "rss_return" (RSS after the first span returned),
# "rss_before"/"rss_after" around the second call, and "line after DELTA"
# for the after line of the first call as span() itself saw it.
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import os
import time

import target
from target import kept, rss


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
    path, before, after, nxt = target.init()
    delta = span(int(before), int(after), path)
    target.say("rss_return", rss())
    target.say("line after", delta)
    time.sleep(0.05)
    target.call(span, 0, int(nxt), "")
    target.done()


main()
