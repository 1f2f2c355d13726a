# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# nested.py [--wait|--wait-file F] [--log F] CALLS OWN INNER TMP HELPER:
# CALLS calls of nest_outer(), 50 ms apart. Each keeps OWN MiB of touched
# bytes itself (line "L:own"); calls nest_inner() (line "L:call_inner"),
# which makes and drops a TMP MiB temporary and keeps INNER MiB;
# nest_helper() (line "L:call_helper"), which keeps HELPER MiB;
# nest_churn() (line "L:call_churn"), which makes and drops a TMP MiB
# temporary (no net change, but memory changed inside it); and nest_quiet(),
# which touches no new memory. The tests trace all but nest_helper(): a
# traced function's growth includes its callees', traced or not. TMP above
# glibc's largest mmap threshold (32 MiB) keeps the temporaries mapped and
# unmapped whole: no freed heap is left for the kept buffers to reuse.
# Reports per call "rss_before"/"rss_after" around nest_outer() and, as
# nest_outer() saw them, the "own", "inner", "helper" and "churn" deltas
# across those lines. The names are prefixed: typing.py has an inner().
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the targets

import time

import target
from target import kept, rss


def nest_inner(mib, tmp_mib):
    t = b"t" * (tmp_mib << 20)  # L:tmp
    del t  # L:del
    k = b"i" * (mib << 20)  # L:keep_inner
    return k


def nest_helper(mib):
    return b"h" * (mib << 20)


def nest_churn(tmp_mib):
    t = b"c" * (tmp_mib << 20)  # L:churn_tmp
    n = len(t)
    del t  # L:churn_del
    return n


def nest_quiet(n):
    return n + 1


def nest_outer(own_mib, inner_mib, tmp_mib, helper_mib):
    r0 = rss()  # L:r0
    a = b"o" * (own_mib << 20)  # L:own
    r1 = rss()  # L:r1
    i = nest_inner(inner_mib, tmp_mib)  # L:call_inner
    r2 = rss()  # L:r2
    h = nest_helper(helper_mib)  # L:call_helper
    r3 = rss()  # L:r3
    nest_churn(tmp_mib)  # L:call_churn
    r4 = rss()  # L:r4
    nest_quiet(r4)  # L:call_quiet
    kept.append((a, i, h))  # L:keep
    return r1 - r0, r2 - r1, r3 - r2, r4 - r3


def main():
    calls, own, inner_mib, tmp, helper_mib = (int(a) for a in target.init())
    for n in range(calls):
        if n:
            time.sleep(0.05)
        d_own, d_inner, d_helper, d_churn = target.call(nest_outer, own, inner_mib, tmp, helper_mib)
        target.say("own", d_own)
        target.say("inner", d_inner)
        target.say("helper", d_helper)
        target.say("churn", d_churn)
    target.done()


main()
