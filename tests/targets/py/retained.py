# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# retained.py [--log F] N BIG_MIB KEEP_MIB: N calls of build(), which makes
# a BIG_MIB MiB local temporary, still alive at its return event and freed
# only when CPython clears the frame, and returns KEEP_MIB MiB that the
# caller keeps. Each call is measured just outside it ("rss_before" and
# "rss_after", target.call()): the frame is gone by then, so the difference
# is what the call left behind. "rss_in B" is the RSS at build()'s last
# line, temporary and kept object both resident (its growth at return).
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import target
from target import kept, rss


def build(big, keep):
    tmp = b"t" * (big << 20)  # L:tmp
    out = b"k" * (keep << 20)  # L:out
    target.say("rss_in", rss())  # L:say
    return out  # L:return (tmp is freed after this, with the frame)


def main():
    n, big, keep = (int(a) for a in target.init())
    for _ in range(n):
        kept.append(target.call(build, big, keep))
    target.done()


main()
