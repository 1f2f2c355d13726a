# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# pool.py [--wait|--wait-file F] [--log F] WORKERS MIB...: the parent's own
# pool_work(MIB) for the first MIB, then a multiprocessing pool of WORKERS
# processes (the fork start method) does one pool_work(MIB) per further MIB,
# each task in a worker of its own (maxtasksperchild=1). pool_work keeps MIB
# MiB of touched bytes. Every call is measured by the process that makes it,
# as "pid P rss_before B" and "pid P rss_after A" lines, as
# tests/targets/forker.c reports them: A - B is that process's ground truth.
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import multiprocessing
import os

import target
from target import kept, rss, say


def pool_work(mib):
    kept.append(b"w" * (mib << 20))


def measured(mib):
    # A forked worker faults in the interpreter's code as it runs it: once
    # around the measuring path first, so the call's window holds the call.
    rss()
    say("pid", os.getpid(), "warm", rss())
    before = rss()
    pool_work(mib)
    after = rss()
    say("pid", os.getpid(), "rss_before", before)
    say("pid", os.getpid(), "rss_after", after)
    return os.getpid()


def main():
    args = target.init()
    workers, sizes = int(args[0]), [int(a) for a in args[1:]]
    measured(sizes[0])
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, maxtasksperchild=1) as pool:
        pids = pool.map(measured, sizes[1:], chunksize=1)
    say("workers", *pids)
    target.done()


if __name__ == "__main__":
    main()
