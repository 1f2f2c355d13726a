# The seed program, tools/example/matrizinversa.py, with its loop timed
# (numpy's import excluded) and the bench protocol (benchlib). Inversa's body
# is the seed's, line for line. `profile` is memory_profiler's decorator when
# run under `python3 -m memory_profiler`, else a no-op.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import numpy as np  # noqa: E402

try:
    profile  # noqa: B018
except NameError:
    def profile(f):
        return f


@profile
def Inversa(n):
    a = np.matrix(np.random.rand(n, n))
    return a.I


benchlib.begin()
for i in range(12):
    Inversa(2 ** i)
benchlib.end()
benchlib.say("calls 12")
