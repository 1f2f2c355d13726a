# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# threads.py [--wait|--wait-file F] [--log F] [cold] ROUNDS MIB...: one
# thread per MIB argument; each calls twork(MIB) ROUNDS times: first thing
# after it starts with "cold", else after a warm-up (see warm()). A barrier makes every
# thread enter twork before any allocates, and another keeps each call open
# until all have allocated: the call windows of all threads overlap. Inside,
# each thread keeps MIB MiB of touched bytes (line "L:alloc"), under a lock so
# that its own before/after RSS readings see only its own allocation.
# Reports per call "own TID DELTA": the calling thread's own growth.
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import threading
import time

import target
from target import kept, rss

lock = threading.Lock()
barrier = None


def twork(mib):
    barrier.wait()  # L:enter
    with lock:  # L:lock
        r0 = rss()  # L:r0
        a = b"t" * (mib << 20)  # L:alloc
        r1 = rss()  # L:r1
        kept.append(a)  # L:keep
    barrier.wait()  # L:leave
    return r1 - r0  # L:return


def warm():
    # The same path as twork, untraced: the thread's stack pages, its first
    # rss(), the barrier and blocking on the lock (each holds it a while, so
    # the others wait for it) are made resident before any traced call: a
    # first run through code faults its pages in, which other threads'
    # readings would see.
    for _ in range(2):
        barrier.wait()
        with lock:
            rss()
            kept.append(b"w" * (1 << 20))
            time.sleep(0.01)
        barrier.wait()


def run(mib, rounds, cold, results):
    if not cold:
        warm()
    for _ in range(rounds):
        results.append((threading.get_native_id(), twork(mib)))


def main():
    global barrier
    args = target.init()
    cold = args[0] == "cold"
    args = [int(a) for a in args[cold:]]
    rounds, sizes = args[0], args[1:]
    barrier = threading.Barrier(len(sizes))
    results = []
    threads = [threading.Thread(target=run, args=(m, rounds, cold, results)) for m in sizes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for tid, own in results:
        target.say("own", tid, own)
    target.done()


main()
