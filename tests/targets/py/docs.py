# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# docs.py [--wait|--wait-file F] [--log F] MIB...: calls make_doc(MIB) once
# per argument, 50 ms apart; each call keeps MIB MiB of touched bytes and
# reports "rss_before"/"rss_after" around it. For the tests of misspelt
# names (tests/integ/py_names.sh): -f make_dco is close to make_doc only.
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import time

import target
from target import kept


def make_doc(mib):
    kept.append(b"d" * (mib << 20))


def main():
    for n, mib in enumerate(int(a) for a in target.init()):
        if n:
            time.sleep(0.05)
        target.call(make_doc, mib)
    target.done()


main()
