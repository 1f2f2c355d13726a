# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# one.py [--wait|--wait-file F] [--log F] MIB: one pool_work(MIB) call, measured
# by the process itself as pool.py's workers measure theirs ("pid P
# rss_before B" and "pid P rss_after A"): a Python process of its own, for the
# tests that trace several (tests/integ/procs_py_*.sh).
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import pool
import target


def main():
    pool.measured(int(target.init()[0]))
    target.done()


if __name__ == "__main__":
    main()
