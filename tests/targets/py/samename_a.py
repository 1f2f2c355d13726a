# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Module for samename.py: a work() that keeps MIB MiB of touched bytes.
from target import kept


def work(mib):
    a = b"A" * (mib << 20)  # L:alloc_a
    kept.append(a)
    return len(a)
