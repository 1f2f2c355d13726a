# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# rec.py [--wait|--wait-file F] [--log F] CALLS DEPTH MIB: CALLS outermost
# calls of rec(DEPTH, MIB), 50 ms apart; each level keeps MIB MiB of touched
# bytes and calls itself until DEPTH levels are active: DEPTH * MIB MiB per
# outermost call. Reports per outermost call "rss_before"/"rss_after".
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import time

import target
from target import kept


def rec(depth, mib):
    a = b"r" * (mib << 20)  # L:alloc
    kept.append(a)  # L:keep
    if depth > 1:  # L:if
        rec(depth - 1, mib)  # L:recurse
    return depth  # L:return


def main():
    calls, depth, mib = (int(a) for a in target.init())
    for n in range(calls):
        if n:
            time.sleep(0.05)
        target.call(rec, depth, mib)
    target.done()


main()
