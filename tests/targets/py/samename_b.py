# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Module for samename.py: another work(), in another file, keeping twice
# as much as samename_a.work for the same argument.
from target import kept


def work(mib):
    b = b"B" * (mib << 21)  # L:alloc_b
    kept.append(b)
    return len(b)
