# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# gen.py [--wait|--wait-file F] [--log F] N GEN_MIB CONSUMER_MIB: the
# generator produce() yields N times; before each yield it keeps GEN_MIB MiB
# of touched bytes (line "L:alloc"). Between two next() calls, while
# produce() is suspended, the consumer keeps CONSUMER_MIB MiB: that memory is
# not the generator's. Reports "gen_own DELTA" per item (the generator's own
# growth, as it saw it) and "consumer DELTA" per item.
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import target
from target import kept, rss


def produce(n, mib):
    for i in range(n):  # L:for
        r0 = rss()  # L:r0
        chunk = b"g" * (mib << 20)  # L:alloc
        r1 = rss()  # L:r1
        kept.append(chunk)  # L:keep
        yield r1 - r0  # L:yield


def main():
    n, gen_mib, consumer_mib = (int(a) for a in target.init())
    for own in produce(n, gen_mib):
        r0 = rss()
        kept.append(b"c" * (consumer_mib << 20))
        r1 = rss()
        target.say("gen_own", own)
        target.say("consumer", r1 - r0)
    target.done()


main()
