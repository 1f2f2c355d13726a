#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Strict lint for memtrace's NDJSON stream, schema 1, as docs/schema.md describes it.

The rules are read from docs/schema.md, the one description of the stream:
every table there with the columns key | type | required | unit | meaning
lists the keys of the record (or nested object) its heading names in
backticks, and the table under "Common keys" those of every record. Unknown
record types and unknown keys are errors on purpose, so a schema change has
to come with a change to docs/schema.md (like perf's
perf_json_output_lint.py). Also checks the stream rules of docs/schema.md:
"start" first, "summary" last, one of each, "t" never going back, and the
relations between fields listed there (check_semantics()), and the
numbering of "frame" records that "stack" records refer to (check_stacks()).

Usage: jsonlint.py FILE|- [--allow-no-summary]
Exit 0 when clean, 1 with one "FILE:LINE: problem" per problem, 2 on usage
or when docs/schema.md cannot be read or parsed.
"""

import json
import math
import os
import re
import sys

SCHEMA_DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "schema.md")

# Field types, named as docs/schema.md's type column names them. A tuple of them means "any of".
INT = "integer"
NN_INT = "non-negative integer"
NUM = "number"  # float or int
NN_NUM = "non-negative number"
STR = "string"
BOOL = "boolean"
NULL = "null"
BASE_TYPES = (INT, NN_INT, NUM, NN_NUM, STR, BOOL, NULL)
NON_NEGATIVE = (NN_INT, NN_NUM)


class Arr:
    def __init__(self, item):
        self.item = item


class Obj:
    def __init__(self, fields, optional=()):
        self.fields = fields  # key -> type
        self.optional = frozenset(optional)


class Literal:
    """Exactly one of these JSON values: "native" or "python", 1, true."""

    def __init__(self, *values):
        self.values = values


class SchemaError(Exception):
    pass


FIELD_HEADER = ["key", "type", "required", "unit", "meaning"]
COMMON_HEADING = "Common keys"


def table_cells(line):
    """The cells of a markdown table row ("\\|" is a pipe inside a cell)."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def field_tables(text, where):
    """{name: (lineno, [(lineno, key, type text, required text)])} of every field table."""
    tables = {}
    heading = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            continue
        if not line.startswith("|") or table_cells(line) != FIELD_HEADER:
            continue
        start = i
        named = re.search(r"`([^`]+)`", heading or "")
        if heading == COMMON_HEADING:
            name = ""
        elif named:
            name = named.group(1)
        else:
            raise SchemaError(f"{where}:{start}: field table under heading {heading!r}, "
                              "which names no record in backticks")
        if name in tables:
            raise SchemaError(f"{where}:{start}: a second field table for {name or COMMON_HEADING!r}")
        i += 1  # the |---| row
        rows = []
        while i < len(lines) and lines[i].startswith("|"):
            cells = table_cells(lines[i])
            i += 1
            if len(cells) != len(FIELD_HEADER):
                raise SchemaError(f"{where}:{i}: {len(cells)} cells, want {len(FIELD_HEADER)}")
            rows.append((i, cells[0].strip("`"), cells[1].replace("`", ""), cells[2]))
        tables[name] = (start, rows)
    return tables


def parse_type(text, objects, used, where):
    """A type column's text as a type: "integer or null", "array of string", ...

    objects: the object tables parsed so far; the names referred to are added to used.
    """
    alts, literals = [], []
    for alt in text.split(" or "):
        alt = alt.strip()
        if alt.startswith("array of "):
            item = parse_type(alt[len("array of "):], objects, used, where)
            if isinstance(item, tuple):
                raise SchemaError(f"{where}: write \"array of\" with one item type, not {alt!r}")
            alts.append(Arr(item))
        elif alt in BASE_TYPES:
            alts.append(alt)
        elif alt in objects:
            alts.append(objects[alt])
            used.add(alt)
        elif re.fullmatch(r'"[^"\\]*"|-?[0-9]+|true|false', alt):
            literals.append(json.loads(alt))
        else:
            raise SchemaError(f"{where}: unknown type {alt!r}")
    if literals:
        alts.append(Literal(*literals))
    return alts[0] if len(alts) == 1 else tuple(alts)


def load_schema(path):
    """{record type: Obj} from docs/schema.md, common keys included; raises SchemaError."""
    where = os.path.normpath(path)
    try:
        with open(path, encoding="utf-8") as f:
            tables = field_tables(f.read(), where)
    except OSError as e:
        raise SchemaError(f"cannot read {where}: {e.strerror}")
    except UnicodeDecodeError as e:
        raise SchemaError(f"cannot read {where}: {e}")
    # Nested objects first, as in "array of summary.functions[]": they name no top-level record.
    objects, used = {}, set()
    for name in sorted(tables, key=lambda n: -n.count(".")):
        start, rows = tables[name]
        fields, optional = {}, []
        for lineno, key, typ, required in rows:
            if key in fields:
                raise SchemaError(f"{where}:{lineno}: {name}.{key} listed twice")
            if required not in ("yes", "no"):
                raise SchemaError(f"{where}:{lineno}: required is {required!r}, want yes or no")
            fields[key] = parse_type(typ, objects, used, f"{where}:{lineno}")
            if required == "no":
                optional.append(key)
        objects[name] = Obj(fields, optional)
    if "" not in objects:
        raise SchemaError(f"{where}: no field table under the heading {COMMON_HEADING!r}")
    common = objects.pop("")
    records = {}
    for name, obj in objects.items():
        if "." in name:
            if name not in used:
                raise SchemaError(f"{where}:{tables[name][0]}: table {name} is the type of no key")
            continue
        records[name] = Obj({**common.fields, **obj.fields}, common.optional | obj.optional)
    if not records:
        raise SchemaError(f"{where}: no record types")
    return records


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
    if isinstance(t, Literal):
        return " or ".join(json.dumps(x) for x in t.values)
    return t


def matches(v, t):
    if isinstance(t, tuple):
        return any(matches(v, x) for x in t)
    if isinstance(t, Arr):
        return isinstance(v, list)
    if isinstance(t, Obj):
        return isinstance(v, dict)
    if isinstance(t, Literal):
        # type() too: True == 1 and 1.0 == 1 in Python, not in the schema.
        return any(type(v) is type(x) and v == x for x in t.values)
    tn = type_name(v)
    if t in (NUM, NN_NUM):
        return tn in (INT, "float")
    if t == NN_INT:
        return tn == INT
    return tn == t


def check_value(v, t, path, problems):
    if not matches(v, t):
        problems.append(f"{path} is {type_name(v)} {json.dumps(v)[:40]}, want {describe(t)}")
        return
    if isinstance(t, tuple):
        t = next(x for x in t if matches(v, x))
    if t in NON_NEGATIVE and v < 0:
        problems.append(f"{path} is negative ({v})")
    if isinstance(t, Arr):
        for i, item in enumerate(v):
            check_value(item, t.item, f"{path}[{i}]", problems)
    elif isinstance(t, Obj):
        check_object(v, t, path, problems)


def check_object(v, spec, path, problems):
    for key in v:
        if key not in spec.fields:
            problems.append(f"unknown key {path}.{key} (new key? add it to docs/schema.md)")
    for key, t in spec.fields.items():
        if key not in v:
            if key not in spec.optional:
                problems.append(f"missing key {path}.{key}")
            continue
        check_value(v[key], t, f"{path}.{key}", problems)


def check_semantics(rec, problems):
    """Relations between fields that hold by construction (docs/schema.md, "Stream rules")."""
    typ = rec["type"]
    try:
        if typ == "call":
            if rec["growth"] != rec["rss_exit"] - rec["rss_entry"]:
                problems.append("call.growth != rss_exit - rss_entry")
            if rec["rss_peak"] < max(rec["rss_entry"], rec["rss_exit"]):
                problems.append("call.rss_peak below rss_entry or rss_exit")
        elif typ == "sample":
            if rec["rss"] != rec["anon"] + rec["file"] + rec["shmem"]:
                problems.append("sample.rss != anon + file + shmem")
            if rec["peak"] < rec["rss"]:
                problems.append("sample.peak below sample.rss")
        elif typ == "summary":
            for key in ("functions", "functions_by_process"):
                for i, f in enumerate(rec.get(key, [])):
                    if f["calls"] is None and (f["growth_max"] is not None
                                               or f["peak_max"] is not None):
                        problems.append(f"summary.{key}[{i}]: per-call maxima without calls")
                    if f["calls"] == 0 and (f["growth_max"] is not None
                                            or f["peak_max"] is not None):
                        problems.append(f"summary.{key}[{i}]: maxima of zero calls "
                                        "should be null")
    except (KeyError, TypeError):
        pass  # already reported as a missing key or a wrong type


def check_stacks(rec, nframes, problems):
    """Frame ids 0, 1, 2, ... as written; a stack names only frames before it. Returns nframes."""
    typ = rec["type"]
    if typ == "frame" and matches(rec.get("id"), NN_INT):
        if rec["id"] != nframes:
            problems.append(f"frame.id is {rec['id']}, want {nframes} (ids count up from 0)")
        return nframes + 1
    if typ == "stack" and isinstance(rec.get("frames"), list):
        for i, fid in enumerate(rec["frames"]):
            if matches(fid, NN_INT) and fid >= nframes:
                problems.append(f"stack.frames[{i}] is {fid}, not a frame id written before it")
    return nframes


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"duplicate key {k!r}")
        obj[k] = v
    return obj


def lint(lines, schema, allow_no_summary):
    """Returns a list of (line number, message); schema is load_schema()'s."""
    out = []
    records = []  # (lineno, type)
    last_t = None
    nframes = 0  # "frame" records so far
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
        if typ not in schema:
            out.append((lineno, f"unknown record type {json.dumps(typ)}"))
            continue
        problems = []
        check_object(rec, schema[typ], typ, problems)
        if not problems:  # relations only make sense between well-typed fields
            check_semantics(rec, problems)
        nframes = check_stacks(rec, nframes, problems)
        out.extend((lineno, p) for p in problems)
        t = rec.get("t")
        if matches(t, NUM):
            if not math.isfinite(t):  # negative: a type problem above
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
    try:
        schema = load_schema(SCHEMA_DOC)
    except SchemaError as e:
        print(f"jsonlint: {e}", file=sys.stderr)
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
    problems = lint(lines, schema, allow)
    for n, msg in problems:
        print(f"{name}:{n}: {msg}", file=sys.stderr)
    if problems:
        return 1
    print(f"{name}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
