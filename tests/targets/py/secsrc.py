# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# secsrc.py [--wait|--log F] --name NAME MIB...
# secsrc.py [--wait|--log F] --module PATH [--swap-to FILE] MIB...
# A work(MIB) whose source file is not what it seems, for the tests of
# reading sources as the target could (tests/integ/sec_source_*.sh).
# --name: work() is compiled from text in this file with co_filename NAME
# (/etc/shadow, a FIFO, /dev/zero): its lines 2 and 3 allocate, so the line
# table has rows there; more(MIB), from the same text, allocates on line 7. --module: work() is imported from PATH (a module
# with a work(mib), written by the test); with --swap-to, PATH is then
# replaced by a symlink to FILE before the first call, so memtrace, which
# reads sources at first sight, finds the symlink. Calls work(MIB) once per
# argument (and more(MIB), if there is one), 50 ms apart, then reports "done".
import importlib.util
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import time

import target
from target import kept

# Lines 2, 3 and 7 allocate.
WORK_SOURCE = """def work(mib):
    a = b"a" * (mib << 20)
    b = b"b" * (mib << 20)
    kept.append((a, b))

def more(mib):
    kept.append(b"m" * (mib << 20))
"""


def compiled(name):
    space = {"kept": kept}
    exec(compile(WORK_SOURCE, name, "exec"), space)
    return space["work"], space["more"]


def imported(path):
    spec = importlib.util.spec_from_file_location("secapp", path)
    mod = importlib.util.module_from_spec(spec)
    mod.kept = kept
    spec.loader.exec_module(mod)
    return mod.work, getattr(mod, "more", None)


def swap(path, to):
    tmp = path + ".swap"
    os.symlink(to, tmp)
    os.replace(tmp, path)


def main():
    args = target.init()
    if args[0] == "--name":
        work, more = compiled(args[1])
        del args[:2]
    else:
        work, more = imported(args[1])
        if len(args) > 3 and args[2] == "--swap-to":
            swap(args[1], args[3])
            del args[2:4]
        del args[:2]
    for n, mib in enumerate(int(a) for a in args):
        if n:
            time.sleep(0.05)
        target.call(work, mib)
        if more:
            more(mib)
    target.done()


main()
