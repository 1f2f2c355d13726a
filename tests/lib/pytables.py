#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""pytables.py OUT JSON: the check of assert_py_tables (tests/lib/python.sh)."""
import json, sys
out = open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n")
recs = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
summ = [r for r in recs if r["type"] == "summary"][-1]
HEADER = "Line #    Mem usage    Increment  Occurrences   Line Contents"
MIB = 1 << 20

def mib(b, unit=MIB, name="MiB"):
    # memtrace rounds half away from zero in integers; so does this. A size
    # that is not zero but 0.00 MiB shows in KiB, below 1 KiB in bytes.
    if b is None:
        return "-"
    mag = abs(b)
    h = mag // unit * 100 + ((mag % unit) * 100 + unit // 2) // unit
    if b and not h:
        return mib(b, 1024, "KiB") if mag >= 1024 else "%6d B" % b
    return "%6s %s" % ("%s%d.%02d" % ("-" if b < 0 and h else "", h // 100, h % 100), name)

def row(l):
    occ = "-" if l["occurrences"] is None else str(l["occurrences"])
    src = (l["source"] or "").rstrip("\r\n")
    src = "".join("?" if (ord(c) < 0x20 and c != "\t") or c == "\x7f" else c for c in src)
    return "{0:>6} {1:>12} {2:>12}  {3:>10}   {4:<}".format(
        l["line"], mib(l["mem"]), mib(l["increment"]), occ, src)

err = []
groups = {}
for l in summ["lines"]:
    groups.setdefault((l["func"], l["file"]), []).append(l)
    try:
        with open(l["file"], encoding="utf-8") as f:
            text = f.read().split("\n")
        if l["source"] != text[l["line"] - 1].rstrip("\r"):
            err.append("%s:%d: source %r, the file has %r" % (l["file"], l["line"], l["source"], text[l["line"] - 1]))
    except (OSError, IndexError) as e:
        err.append("%s:%d: %s" % (l["file"], l["line"], e))
tables = [i for i, t in enumerate(out) if t.startswith("Filename: ")]
if len(tables) != len(groups):
    err.append("%d Filename: tables, summary.lines has %d (function, file) groups" % (len(tables), len(groups)))
seen = set()
for i in tables:
    name = out[i][len("Filename: "):]
    want_head = ["", HEADER, "=" * len(HEADER)]
    if out[i + 1:i + 4] != want_head:
        err.append("table %s: header lines %r, want %r" % (name, out[i + 1:i + 4], want_head))
    rows = []
    for t in out[i + 4:]:
        if not t.strip():
            break
        rows.append(t)
    match = [k for k in groups if k[1] == name and k not in seen]
    for k in match:
        want = [row(l) for l in sorted(groups[k], key=lambda l: l["line"])]
        if rows == want:
            seen.add(k)
            break
    else:
        err.append("table %s:\n  got  %s\n  want %s" % (name, "\n       ".join(rows),
                   "\n       ".join(row(l) for k in match for l in sorted(groups[k], key=lambda l: l["line"]))))
for k in groups:
    if k not in seen:
        err.append("no matching table for %s in %s" % k)
if err:
    sys.exit("\n".join(err))
print("ok: %d line tables in memory_profiler's format, the same rows as summary.lines, sources as in the files" % len(tables))
