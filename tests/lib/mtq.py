#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Queries a memtrace NDJSON stream for the integration tests.

    mtq.py eval FILE EXPR   prints EXPR's value (a list one item per line)
    mtq.py exec FILE CODE   runs CODE, which reports problems with sys.exit("message")

EXPR and CODE run with the stream as `recs` and the helpers below; sys.argv[1]
is FILE. Called by mtq and mtpy in tests/lib/stream.sh.
"""
import json
import sys

recs = []


def load(path):
    for n, line in enumerate(open(path), 1):
        if line.strip():
            try:
                recs.append(json.loads(line))
            except ValueError as e:
                sys.exit("%s:%d: not JSON (%s): %r" % (path, n, e, line[:200]))


def of(t):
    return [r for r in recs if r.get("type") == t]


def same(func, name):
    # "libc.so.6:malloc" may be reported as "malloc" or as the spec
    return func == name or func.rsplit(":", 1)[-1] == name.rsplit(":", 1)[-1]


def label(r):
    # Python functions are told apart by file: "work (/path/a.py)", as the table shows them
    return r["func"] + (" (%s)" % r["file"] if r.get("file") else "")


def named(r, name):
    return label(r) == name or same(r.get("func", ""), name)


def calls(name, open_=False):
    return [r for r in of("call") if named(r, name) and bool(r.get("open", False)) == open_]


def summary():
    s = of("summary")
    if not s:
        sys.exit("no summary record")
    return s[-1]


def fn(name):
    for f in summary()["functions"]:
        if same(f["func"], name):
            return f
    sys.exit("no summary row for %s" % name)


def out(v):
    if isinstance(v, (list, tuple)):
        print("\n".join(str(x) for x in v))
    elif isinstance(v, bool):
        print(int(v))
    else:
        print(v)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("eval", "exec"):
        sys.exit("usage: mtq.py eval|exec FILE CODE")
    mode, path, code = sys.argv[1:]
    sys.argv[1:] = [path]
    load(path)
    if mode == "eval":
        code = "out(%s)" % code
    exec(compile(code, "<%s>" % mode, "exec"), globals())


if __name__ == "__main__":
    main()
