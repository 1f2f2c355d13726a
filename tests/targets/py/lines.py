# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# lines.py [--wait|--wait-file F] [--log F] MIB...: calls work(MIB) once per
# argument, 50 ms apart. Per call, work() keeps MIB MiB of touched bytes
# (line "L:bytes"), MIB MiB of calloc'ed, never touched bytes (line
# "L:calloc": about 0 resident) and three touched 1 MiB parts made in a loop
# (line "L:loop", 3 occurrences per call; its "for" line 4).
# Reports per call "rss_before"/"rss_after" around work() and, per line,
# "line TAG DELTA": the RSS change across that line as work() itself saw it
# (read on the lines just before and after). The tests find a tag's line
# number from the "# L:TAG" comment at its end. idle() is never called: a
# traced function with no calls.
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import time

import target
from target import kept, rss


def work(mib):
    r0 = rss()  # L:r0
    a = b"a" * (mib << 20)  # L:bytes
    r1 = rss()  # L:r1
    z = bytes(mib << 20)  # L:calloc
    r2 = rss()  # L:r2
    parts = []  # L:parts
    for i in range(3):  # L:for
        parts.append(b"p" * (1 << 20))  # L:loop
    r3 = rss()  # L:r3
    kept.append((a, z, parts))  # L:keep
    return r0, r1, r2, r3  # L:return


def idle():
    return b"i" * (1 << 20)  # L:idle


def main():
    sizes = [int(a) for a in target.init()]
    for n, mib in enumerate(sizes):
        if n:
            time.sleep(0.05)
        r0, r1, r2, r3 = target.call(work, mib)
        target.say("line bytes", r1 - r0)
        target.say("line calloc", r2 - r1)
        target.say("line loop", r3 - r2)
        target.say("mem bytes", r1)
    target.done()


main()
