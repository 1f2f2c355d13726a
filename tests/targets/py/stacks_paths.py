# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# stacks_paths.py [--wait|--wait-file F] [--log F] [MIB]: stacks with no -f
# (tests/integ/stacks_py.sh). Three call paths share one allocating leaf,
# grow_leaf(), which keeps 1 MiB bytearrays (glibc mmaps each, bytearray's
# __init__ memsets it: the pages fault in C, below the Python frames):
#   <module> -> path_a -> grow_leaf                      MIB MiB
#   <module> -> path_b -> mid -> grow_leaf               2 * MIB MiB
#   <module> -> path_c -> map() -> grow_leaf             MIB MiB
#     (C calling back into Python: a second eval loop in every version)
#   Thread.run -> path_t -> grow_leaf, in a new thread   MIB MiB
# One after another, so each one's own RSS growth, measured around it,
# is the process's: each reports "path_X BYTES". MIB defaults to 16.
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import threading
import time

import target
from target import kept, rss, say

CHUNK = 1 << 20
# A pause after each chunk: memtrace unwinds each sample as it comes, and a
# burst of them faster than that would fill its ring buffer (samples lost).
PAUSE = 0.02


def grow_leaf(mib):
    for _ in range(mib):
        kept.append(bytearray(CHUNK))
        time.sleep(PAUSE)


def mid(mib):
    grow_leaf(mib)


def path_a(mib):
    grow_leaf(mib)


def path_b(mib):
    mid(mib)


def path_c(mib):
    list(map(grow_leaf, [mib]))


def path_t(mib):
    r0 = rss()
    grow_leaf(mib)
    say("path_t", rss() - r0)


args = target.init()
mib = int(args[0]) if args else 16
# Measured here, not in a helper: <module> calls each path itself.
r0 = rss()
path_a(mib)
say("path_a", rss() - r0)
r0 = rss()
path_b(2 * mib)
say("path_b", rss() - r0)
r0 = rss()
path_c(mib)
say("path_c", rss() - r0)
t = threading.Thread(target=path_t, args=(mib,))
t.start()
t.join()
target.done()
