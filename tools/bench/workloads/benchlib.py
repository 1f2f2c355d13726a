# The Python side of the workload protocol (see bench.h): BENCH_REPORT,
# BENCH_WAIT, and the timing of the measured section only.
import os
import sys
import time

_report = None
_wait = os.environ.get("BENCH_WAIT") == "1"
_t0 = 0.0
_c0 = 0.0


def say(line):
    _report.write(line + "\n")
    _report.flush()


def _handshake(word):
    sys.stdout.write("%s %d\n" % (word, os.getpid()))
    sys.stdout.flush()
    if not sys.stdin.readline():
        sys.exit(98)


def _vmhwm_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def begin():
    global _report, _t0, _c0
    path = os.environ.get("BENCH_REPORT")
    _report = open(path, "a") if path else sys.stderr
    if _wait:
        _handshake("ready")
    _c0 = time.process_time()
    _t0 = time.perf_counter()


def end():
    dt = time.perf_counter() - _t0
    dc = time.process_time() - _c0  # all threads: numpy's BLAS may use several
    say("elapsed_s %.6f" % dt)
    say("cpu_s %.6f" % dc)
    say("vmhwm_kb %d" % _vmhwm_kb())
    if _wait:
        _handshake("done")
