# Call-heavy Python: N (default 10,000,000) calls of a tiny function; the
# traced function Grow runs only 20 times. Designed truth: every Grow call
# keeps a new 1 MiB buffer that is fully written (1 MiB - 64 bytes of
# payload, so glibc's mmap'd chunk is exactly 256 pages).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

# memory_profiler's decorator when it runs the script (it puts it among the globals), else none.
profile = globals().get("profile", lambda f: f)

GROWS = 20
kept = []


def small(x):
    return x + 1


@profile
def Grow():
    buf = bytearray(b"\x01") * ((1 << 20) - 64)
    kept.append(buf)


def main(n):
    every = n // GROWS
    acc = 0
    for i in range(n):
        acc = small(acc)
        if i % every == 0:
            Grow()
    return acc


n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
benchlib.begin()
main(n)
benchlib.end()
benchlib.say("calls %d" % GROWS)
benchlib.say("truth_growth_per_call %d" % (1 << 20))
