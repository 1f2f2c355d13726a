#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Strict lint for memtrace's NDJSON stream, schema 1 (shared/DESIGN.md).

Knows every record type and every key with its type, and fails on anything
else: unknown record types and unknown keys are errors on purpose, so a
schema change has to come with a change here (like perf's
perf_json_output_lint.py). Also checks the stream's shape: "start" first,
"summary" last, one of each, "t" never going back.

Usage: jsonlint.py FILE|- [--allow-no-summary]
Exit 0 when clean, 1 with one "FILE:LINE: problem" per problem, 2 on usage.
"""

import json
import math
import sys

# Field types. A tuple of them means "any of".
INT = "integer"
NUM = "number"  # float or int
STR = "string"
BOOL = "boolean"
NULL = "null"


class Arr:
    def __init__(self, item):
        self.item = item


class Obj:
    def __init__(self, fields, optional=()):
        self.fields = fields  # key -> type
        self.optional = frozenset(optional)


class Enum:
    def __init__(self, *values):
        self.values = values


TARGET = Obj({
    "spec": STR,
    "func": STR,
    "kind": Enum("native", "python"),
    "object": STR,
    "method": Enum("uprobe", "usdt", "frames"),
})

SUMMARY_FUNC = Obj({
    "func": STR,
    "file": STR,  # Python functions: the same name may live in several files
    "kind": Enum("native", "python"),
    "calls": (INT, NULL),  # null: the mode cannot count calls
    "open": INT,
    "growth": INT,
    "growth_max": (INT, NULL),  # null: no completed call
    "peak_max": (INT, NULL),
    "thread_growth": INT,
    "unwound": INT,  # of calls: ended without returning (longjmp, exception, thread exit)
    "untimed": INT,  # calls not counted: more were open at once than the kernel table holds
}, optional=("file",))

SUMMARY_LINE = Obj({
    "func": STR,
    "file": STR,
    "line": INT,
    "mem": (INT, NULL),
    "increment": INT,
    "occurrences": (INT, NULL),
    "source": (STR, NULL),
})

COMMON = {"type": STR, "t": NUM}

RECORDS = {
    "start": Obj({**COMMON,
                  "schema": INT, "ts_unix": NUM, "pid": INT, "comm": STR,
                  "cmdline": Arr(STR), "targets": Arr(TARGET), "page_size": INT}),
    "call": Obj({**COMMON,
                 "pid": INT, "tid": INT, "func": STR, "file": STR, "dur": NUM,
                 "rss_entry": INT, "rss_exit": INT, "rss_peak": INT,
                 "growth": INT, "thread_growth": INT, "open": BOOL,
                 "ended": Enum("unwound", "thread_exit")},
                optional=("open", "file", "ended")),
    "sample": Obj({**COMMON,
                   "pid": INT, "rss": INT, "anon": INT, "file": INT, "shmem": INT,
                   "peak": INT}),
    "lost": Obj({**COMMON, "count": INT}),
    "exit": Obj({**COMMON, "pid": INT, "status": INT}),
    "summary": Obj({**COMMON,
                    "pid": INT, "duration": NUM, "peak_rss": INT,
                    "functions": Arr(SUMMARY_FUNC), "lines": Arr(SUMMARY_LINE),
                    "lost": INT}),
    "error": Obj({**COMMON, "message": STR}),
}

# Integer fields that can never be negative (growth-like ones can).
NON_NEGATIVE = {"schema", "pid", "tid", "page_size", "rss_entry", "rss_exit", "rss_peak",
                "rss", "anon", "file", "shmem", "peak", "count", "calls", "open",
                "peak_rss", "lost", "line", "mem", "occurrences"}


def type_name(v):
    if v is None:
        return NULL
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int):
        return INT
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return STR
    if isinstance(v, list):
        return "array"
    return "object"


def describe(t):
    if isinstance(t, tuple):
        return " or ".join(describe(x) for x in t)
    if isinstance(t, Arr):
        return "array"
    if isinstance(t, Obj):
        return "object"
    if isinstance(t, Enum):
        return "one of " + ", ".join(t.values)
    return t


def matches(v, t):
    if isinstance(t, tuple):
        return any(matches(v, x) for x in t)
    if isinstance(t, Arr):
        return isinstance(v, list)
    if isinstance(t, Obj):
        return isinstance(v, dict)
    if isinstance(t, Enum):
        return isinstance(v, str) and v in t.values
    tn = type_name(v)
    if t == NUM:
        return tn in (INT, "float")
    return tn == t


def check_value(v, t, path, problems):
    if not matches(v, t):
        problems.append(f"{path} is {type_name(v)} {json.dumps(v)[:40]}, want {describe(t)}")
        return
    key = path.rsplit(".", 1)[-1]
    if type_name(v) == INT and key in NON_NEGATIVE and v < 0:
        problems.append(f"{path} is negative ({v})")
    if isinstance(t, tuple):
        t = next(x for x in t if matches(v, x))
    if isinstance(t, Arr):
        for i, item in enumerate(v):
            check_value(item, t.item, f"{path}[{i}]", problems)
    elif isinstance(t, Obj):
        check_object(v, t, path, problems)


def check_object(v, spec, path, problems):
    for key in v:
        if key not in spec.fields:
            problems.append(f"unknown key {path}.{key} (new key? update tests/jsonlint.py)")
    for key, t in spec.fields.items():
        if key not in v:
            if key not in spec.optional:
                problems.append(f"missing key {path}.{key}")
            continue
        check_value(v[key], t, f"{path}.{key}", problems)


def check_semantics(rec, problems):
    """Relations between fields that hold by construction."""
    typ = rec["type"]
    try:
        if typ == "call":
            if rec["growth"] != rec["rss_exit"] - rec["rss_entry"]:
                problems.append("call.growth != rss_exit - rss_entry")
            if rec["rss_peak"] < max(rec["rss_entry"], rec["rss_exit"]):
                problems.append("call.rss_peak below rss_entry or rss_exit")
            if rec["dur"] < 0:
                problems.append("call.dur is negative")
            if "open" in rec and rec["open"] is not True:
                problems.append('call.open present but not true (write it only for open calls)')
        elif typ == "sample":
            if rec["rss"] != rec["anon"] + rec["file"] + rec["shmem"]:
                problems.append("sample.rss != anon + file + shmem")
            if rec["peak"] < rec["rss"]:
                problems.append("sample.peak below sample.rss")
        elif typ == "summary":
            for i, f in enumerate(rec["functions"]):
                if f["calls"] is None and (f["growth_max"] is not None
                                           or f["peak_max"] is not None):
                    problems.append(f"summary.functions[{i}]: per-call maxima without calls")
                if f["calls"] == 0 and (f["growth_max"] is not None
                                        or f["peak_max"] is not None):
                    problems.append(f"summary.functions[{i}]: maxima of zero calls "
                                    "should be null")
    except (KeyError, TypeError):
        pass  # already reported as a missing key or a wrong type


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"duplicate key {k!r}")
        obj[k] = v
    return obj


def lint(lines, allow_no_summary):
    """Returns a list of (line number, message)."""
    out = []
    records = []  # (lineno, type)
    last_t = None
    lineno = 0
    for lineno, raw in enumerate(lines, 1):
        if not raw.endswith(b"\n"):
            out.append((lineno, "last line has no newline (record cut short?)"))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            out.append((lineno, f"not valid UTF-8: {e}"))
            continue
        if not text.strip():
            out.append((lineno, "empty line"))
            continue
        try:
            rec = json.loads(text, parse_constant=reject_constant,
                             object_pairs_hook=no_duplicates)
        except ValueError as e:
            out.append((lineno, f"not valid JSON: {e}"))
            continue
        if not isinstance(rec, dict):
            out.append((lineno, f"record is {type_name(rec)}, want object"))
            continue
        typ = rec.get("type")
        if typ not in RECORDS:
            out.append((lineno, f"unknown record type {json.dumps(typ)}"))
            continue
        problems = []
        if typ == "start" and rec.get("schema") != 1:
            problems.append(f"start.schema is {json.dumps(rec.get('schema'))}, "
                            "this lint knows schema 1")
        check_object(rec, RECORDS[typ], typ, problems)
        if not problems:  # relations only make sense between well-typed fields
            check_semantics(rec, problems)
        out.extend((lineno, p) for p in problems)
        t = rec.get("t")
        if matches(t, NUM):
            if t < 0 or not math.isfinite(t):
                out.append((lineno, f"t is {t}"))
            if last_t is not None and t < last_t:
                out.append((lineno, f"t goes back: {t} after {last_t}"))
            last_t = t
        records.append((lineno, typ))

    out.extend(check_shape(records, lineno, allow_no_summary))
    return out


def check_shape(records, last_line, allow_no_summary):
    out = []
    types = [typ for _, typ in records]
    # A run that failed before tracing began writes only error records.
    if not records or all(typ == "error" for typ in types):
        if not records:
            out.append((last_line, "no records"))
        return out
    starts = [n for n, typ in records if typ == "start"]
    summaries = [n for n, typ in records if typ == "summary"]
    if not starts:
        out.append((records[0][0], "no start record"))
    elif starts[0] != records[0][0]:
        out.append((starts[0], "start record is not the first record"))
    for n in starts[1:]:
        out.append((n, "more than one start record"))
    for n in summaries[1:]:
        out.append((n, "more than one summary record"))
    if summaries and summaries[0] != records[-1][0] and len(summaries) == 1:
        out.append((summaries[0], "summary record is not the last record"))
    if not summaries and not allow_no_summary:
        out.append((last_line, "no summary record (use --allow-no-summary for cut streams)"))
    return out


def main(argv):
    args = [a for a in argv[1:] if a != "--allow-no-summary"]
    allow = len(args) != len(argv) - 1
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: jsonlint.py FILE|- [--allow-no-summary]", file=sys.stderr)
        return 2
    name = args[0]
    try:
        if name == "-":
            data = sys.stdin.buffer.read()
            name = "stdin"
        else:
            with open(name, "rb") as f:
                data = f.read()
    except OSError as e:
        print(f"jsonlint: cannot read {name}: {e.strerror}", file=sys.stderr)
        return 1
    # Split on "\n" only: bytes.splitlines() would also split on a raw "\r".
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    problems = lint(lines, allow)
    for n, msg in problems:
        print(f"{name}:{n}: {msg}", file=sys.stderr)
    if problems:
        return 1
    print(f"{name}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
