# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# samename.py [--wait|--wait-file F] [--log F] A|B:MIB...: two functions
# named work, in samename_a.py (keeps MIB MiB) and samename_b.py (keeps
# 2*MIB MiB), called in the order given, 50 ms apart. Reports per call
# "file a|b", then "rss_before"/"rss_after" around the call.
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import time

import samename_a
import samename_b
import target


def main():
    for n, arg in enumerate(target.init()):
        which, mib = arg.split(":")
        if n:
            time.sleep(0.05)
        target.say("file", which.lower())
        target.call({"a": samename_a.work, "b": samename_b.work}[which.lower()], int(mib))
    target.done()


main()
