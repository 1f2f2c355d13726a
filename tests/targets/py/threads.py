# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# threads.py [--wait|--wait-file F] [--log F] ROUNDS MIB...: one thread per
# MIB argument; each calls twork(MIB) ROUNDS times. A barrier makes every
# thread enter twork before any allocates, and another keeps each call open
# until all have allocated: the call windows of all threads overlap. Inside,
# each thread keeps MIB MiB of touched bytes (line "L:alloc"), under a lock so
# that its own before/after RSS readings see only its own allocation.
# Reports per call "own TID DELTA": the calling thread's own growth.
import threading

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
    # rss() and the barrier are made resident before any traced call.
    barrier.wait()
    with lock:
        rss()
        kept.append(b"w" * 4096)
    barrier.wait()


def run(mib, rounds, results):
    warm()
    for _ in range(rounds):
        results.append((threading.get_native_id(), twork(mib)))


def main():
    global barrier
    args = [int(a) for a in target.init()]
    rounds, sizes = args[0], args[1:]
    barrier = threading.Barrier(len(sizes))
    results = []
    threads = [threading.Thread(target=run, args=(m, rounds, results)) for m in sizes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for tid, own in results:
        target.say("own", tid, own)
    target.done()


main()
