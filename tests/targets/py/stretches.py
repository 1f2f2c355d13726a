# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# stretches.py [--wait|--wait-file F] [--log F] CALLS MIB: CALLS calls of
# stretch_work(), 300 ms apart. Each keeps MIB MiB of touched bytes in two
# halves 100 ms apart, so memory changes inside it over 100 ms; between the
# calls the caller itself keeps MIB MiB (line "L:between"), so frame walking
# sees the thread outside stretch_work() before it sees it inside again.
# Reports per call "call stretch_work T_ENTRY T_RETURN" in wall-clock
# seconds (time.time(), just outside the call) and "rss_before"/"rss_after".
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import time

import target
from target import kept


def stretch_work(mib):
    kept.append(b"a" * (mib << 19))  # L:first_half
    time.sleep(0.1)
    kept.append(b"b" * (mib << 19))  # L:second_half


def main():
    calls, mib = (int(a) for a in target.init())
    for n in range(calls):
        if n:
            kept.append(b"m" * (mib << 20))  # L:between
            time.sleep(0.3)
        t0 = time.time()
        target.call(stretch_work, mib)
        t1 = time.time()
        target.say("call", "stretch_work", "%.6f" % t0, "%.6f" % t1)
    target.done()


main()
