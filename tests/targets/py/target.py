# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Shared by the Python integration-test targets, like tests/targets/target.h:
# every target reports its own RSS (RssAnon + RssFile + RssShmem from
# /proc/self/status, bytes) so the tests can compare memtrace's numbers
# against the process's own view. Runs on CPython 3.10-3.13, no imports
# beyond the standard library.
#
# Common options, before the target's own arguments:
#   --wait            print "ready PID" and block until SIGUSR1 (attach mode)
#   --wait-file PATH  print "ready PID" and block until PATH exists
#   --log FILE        write report lines to FILE instead of stdout (launch
#                     mode, where stdout is memtrace's)
# Without --wait*, "ready PID" is still printed before any work starts.
#
# Sizes are made with b"x" * n: bytes repetition fills the buffer with
# memset, so every page is touched and resident (bytes(n) comes from calloc,
# whose fresh mmap pages stay untouched; bytearray(n) memsets its zeros).
import os
import signal
import sys
import time

_log = sys.stdout
_KEYS = (b"RssAnon:", b"RssFile:", b"RssShmem:")
# Kept objects: what a target allocates stays resident until it exits.
kept = []


def rss():
    """Process RSS in bytes, as the kernel counts it right now."""
    fd = os.open("/proc/self/status", os.O_RDONLY)
    try:
        data = os.read(fd, 16384)
    finally:
        os.close(fd)
    total = 0
    for key in _KEYS:
        i = data.index(key) + len(key)
        total += int(data[i:data.index(b"kB", i)]) * 1024
    return total


def say(*words):
    """One report line, flushed at once so a test tailing the log sees it."""
    _log.write(" ".join(str(w) for w in words) + "\n")
    _log.flush()


def init(argv=None):
    """Parses the common options, prints "ready PID", waits for the go
    signal when asked; returns the target's own arguments."""
    global _log
    args = list(sys.argv[1:] if argv is None else argv)
    wait_sig = False
    wait_file = None
    while args:
        if args[0] == "--wait":
            wait_sig = True
            args.pop(0)
        elif args[0] == "--wait-file" and len(args) > 1:
            wait_file = args[1]
            del args[:2]
        elif args[0] == "--log" and len(args) > 1:
            _log = open(args[1], "a")
            del args[:2]
        else:
            break
    # Blocked before any thread starts, so only sigwait() receives it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    # Warm up the measuring path so it allocates nothing new later.
    for _ in range(3):
        rss()
        say("warm", rss())
    say("ready", os.getpid())
    if wait_sig:
        signal.sigwait({signal.SIGUSR1})
    if wait_file:
        while not os.path.exists(wait_file):
            time.sleep(0.005)
    say("go")
    rss()
    return args


def call(func, *args):
    """Calls func, reporting "rss_before B" and "rss_after A" measured just
    outside the call: A - B is the ground truth for that call's growth."""
    before = rss()
    ret = func(*args)
    after = rss()
    say("rss_before", before)
    say("rss_after", after)
    return ret


def done():
    say("done")
