# The seed program, tools/example/matrizinversa.py, with its loop timed
# (numpy's import excluded) and the bench protocol (benchlib). Inversa's body
# is the seed's, line for line. `profile` is memory_profiler's decorator when
# run under `python3 -m memory_profiler`, else a no-op.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import numpy as np  # noqa: E402

# memory_profiler's decorator when it runs the script (it puts it among the globals), else none.
profile = globals().get("profile", lambda f: f)


@profile
def Inversa(n):
    a = np.matrix(np.random.rand(n, n))
    return a.I


benchlib.begin()
for i in range(12):
    Inversa(2 ** i)
benchlib.end()
benchlib.say("calls 12")
