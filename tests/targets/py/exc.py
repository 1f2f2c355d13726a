# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# exc.py [--wait|--wait-file F] [--log F] MIB:FAIL...: calls risky(MIB, FAIL)
# once per argument, 50 ms apart. risky keeps MIB MiB of touched bytes (line
# "L:alloc"); when FAIL is 1 it then calls boom(), which raises ValueError
# three frames down: the exception unwinds through risky to main, which
# catches it. Reports per call "rss_before"/"rss_after" around risky() and
# "raised" or "returned".
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import time

import target
from target import kept, rss


def boom(depth):
    if depth:
        boom(depth - 1)
    raise ValueError("boom")


def risky(mib, fail):
    a = b"e" * (mib << 20)  # L:alloc
    kept.append(a)  # L:keep
    if fail:  # L:if
        boom(3)  # L:boom
    return len(a)  # L:return


def main():
    for n, arg in enumerate(target.init()):
        mib, fail = (int(x) for x in arg.split(":"))
        if n:
            time.sleep(0.05)
        before = rss()
        try:
            risky(mib, fail)
            how = "returned"
        except ValueError:
            how = "raised"
        after = rss()
        target.say(how)
        target.say("rss_before", before)
        target.say("rss_after", after)
    target.done()


main()
