# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# Shared helpers for tests/integ/*.sh, sourced by each test:
#   . "$(dirname "$0")/../lib.sh"
# A test exits 0 (pass), 2 (skip, with "SKIP: reason" printed) or anything
# else (fail). Every test gets a private $TMP and an EXIT trap that stops
# whatever it started and checks that memtrace left nothing behind.

set -u

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LIB_DIR/.." && pwd)
OUTPUT=${OUTPUT:-.output}
case $OUTPUT in
/*) OUT_DIR=$OUTPUT ;;
*) OUT_DIR=$ROOT/$OUTPUT ;;
esac
MEMTRACE=${MEMTRACE:-$ROOT/memtrace}
TARGETS=$OUT_DIR/targets
# Debian's python: the one on PATH may be a pyenv shim.
PY=/usr/bin/python3
JSONLINT=$ROOT/tests/jsonlint.py
TEST_NAME=$(basename "$0" .sh)
MIB=1048576
# Accuracy the tests demand of memtrace against a target's own RSS view.
TOL_ABS=16384 # bytes
TOL_REL=0.01  # of the expected value

# --- results -------------------------------------------------------------

# Under CI=true nothing may be skipped: a skip is a failure there.
skip()
{
	if [ "${CI:-}" = true ]; then
		echo "FAIL: cannot run under CI=true: $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 2
}

# Prints the message and, to help diagnose, the last memtrace run's stderr.
fail()
{
	echo "FAIL: $*"
	if [ -n "${MT_ERR:-}" ] && [ -s "$MT_ERR" ]; then
		echo "--- memtrace stderr ($MT_ERR):"
		head -n 40 "$MT_ERR"
	fi
	exit 1
}

ok() { echo "ok: $*"; }

# --- preconditions -------------------------------------------------------

# Root, kernel BTF, a built memtrace and targets: what every BPF test needs.
require_env()
{
	[ "$(id -u)" -eq 0 ] || skip "needs root (running as uid $(id -u))"
	[ -r /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF (/sys/kernel/btf/vmlinux)"
	[ -x "$MEMTRACE" ] || skip "memtrace not built ($MEMTRACE): run make"
	[ -x "$TARGETS/grow" ] || skip "targets not built ($TARGETS): run make targets"
}

require_jsonlint()
{
	[ -f "$JSONLINT" ] || skip "JSON linter missing ($JSONLINT)"
}

# --- temporary files and cleanup -------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-$TEST_NAME.XXXXXX")
chmod 755 "$TMP" # readable by the unprivileged user of the not-root tests
SEQ=0
TARGET_PIDS=()
MT_PIDS=()

tracefs_dir() { awk '$3 == "tracefs" { print $2; exit }' /proc/mounts; }

# Snapshot of what memtrace must leave as it found: legacy uprobe events
# (created through tracefs, they outlive the process) and pinned BPF objects.
uprobe_events_now()
{
	local d
	d=$(tracefs_dir)
	if [ -n "$d" ] && [ -r "$d/uprobe_events" ]; then
		cat "$d/uprobe_events"
	fi
}
bpffs_now() { find /sys/fs/bpf -mindepth 1 2>/dev/null | sort; }
UPROBES_BEFORE=$(uprobe_events_now)
BPFFS_BEFORE=$(bpffs_now)

alive() { kill -0 "$1" 2>/dev/null && [ "$(proc_state "$1")" != Z ]; }

# One-letter state from /proc/PID/stat (R, S, D, T, t, Z...), empty if gone.
proc_state()
{
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }
	echo "${s%% *}"
}

cleanup()
{
	local rc=$? pid left=""

	trap - EXIT INT TERM
	# memtrace first, politely, so it detaches before its targets go away.
	for pid in "${MT_PIDS[@]}"; do
		if alive "$pid"; then
			left="$left $pid"
			kill -INT "$pid" 2>/dev/null
		fi
	done
	for pid in "${MT_PIDS[@]}"; do
		for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	for pid in "${TARGET_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	if declare -F test_cleanup >/dev/null; then
		test_cleanup || { [ "$rc" -eq 0 ] && rc=1; }
	fi
	if [ "$rc" -eq 0 ]; then
		if [ -n "$left" ]; then
			echo "FAIL: memtrace still running at the end of the test:$left"
			rc=1
		fi
		if [ "$(uprobe_events_now)" != "$UPROBES_BEFORE" ]; then
			echo "FAIL: uprobe_events changed by the test:"
			uprobe_events_now | sed 's/^/    /'
			rc=1
		fi
		if [ "$(bpffs_now)" != "$BPFFS_BEFORE" ]; then
			echo "FAIL: /sys/fs/bpf changed by the test:"
			bpffs_now | sed 's/^/    /'
			rc=1
		fi
	fi
	# Kept after a failure (or with KEEP_TMP=1) for a look at the logs.
	if [ -z "${KEEP_TMP:-}" ] && { [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]; }; then
		rm -rf "$TMP"
	else
		echo "(files kept in $TMP)"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- waiting -------------------------------------------------------------

# wait_for_line FILE REGEX [SECONDS]: until a line of FILE matches (grep -E).
wait_for_line()
{
	local file=$1 re=$2 secs=${3:-15} i
	for ((i = 0; i < secs * 20; i++)); do
		grep -Eq -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_start FILE: until memtrace's start record (every probe live) is in FILE.
wait_start()
{
	wait_for_line "$1" '"type": *"start"' "${2:-20}" ||
		fail "no start record in $1 after ${2:-20}s"
}

# wait_gone PID [SECONDS]: until PID has exited; fails the test on timeout.
wait_gone()
{
	local pid=$1 secs=${2:-30} i
	for ((i = 0; i < secs * 20; i++)); do
		alive "$pid" || return 0
		sleep 0.05
	done
	fail "process $pid still running after ${secs}s"
}

# --- targets -------------------------------------------------------------

# start_target NAME [ARGS...]: runs $TARGETS/NAME in the background with its
# report in $T_LOG; returns once it printed "ready PID". Sets T_PID, T_LOG.
start_target()
{
	local name=$1
	shift
	SEQ=$((SEQ + 1))
	T_LOG=$TMP/$name.$SEQ.log
	"$TARGETS/$name" "$@" >"$T_LOG" 2>&1 &
	T_PID=$!
	TARGET_PIDS+=("$T_PID")
	wait_for_line "$T_LOG" '^ready [0-9]+$' 10 || fail "target $name did not start: $(cat "$T_LOG")"
	[ "$(awk '/^ready/ { print $2; exit }' "$T_LOG")" = "$T_PID" ] || fail "target $name: ready line names another pid"
}

# new_log NAME: a fresh path for a target's --log in launch mode.
new_log() { mktemp "$TMP/$1.XXXXXX.log"; }

# log_pid LOG: pid from the target's "ready PID" line; remembered for cleanup.
log_pid()
{
	local pid
	pid=$(awk '/^ready/ { print $2; exit }' "$1" 2>/dev/null)
	[ -n "$pid" ] && TARGET_PIDS+=("$pid")
	echo "$pid"
}

# truth_growth LOG: per call, rss_after - rss_before as the target saw it.
truth_growth() { awk '/^rss_before / { b = $2 } /^rss_after / { print $2 - b }' "$1"; }

# assert_unharmed PID: still running, not stopped (T/t) nor a zombie.
assert_unharmed()
{
	local st
	st=$(proc_state "$1")
	[ -n "$st" ] || fail "target $1 is gone"
	case $st in
	T | t) fail "target $1 left stopped (state $st)" ;;
	Z | X) fail "target $1 died (state $st)" ;;
	esac
	ok "target $1 alive, state $st"
}

# --- running memtrace ----------------------------------------------------

# run_memtrace ARGS...: in the foreground, with a time limit. Sets MT_RC,
# MT_OUT (stdout), MT_ERR (stderr). A hang is a failure, not a result.
run_memtrace()
{
	SEQ=$((SEQ + 1))
	MT_OUT=$TMP/mt.$SEQ.out
	MT_ERR=$TMP/mt.$SEQ.err
	timeout -k 5 "${MT_TIMEOUT:-60}" "$MEMTRACE" "$@" >"$MT_OUT" 2>"$MT_ERR"
	MT_RC=$?
	[ "$MT_RC" -ne 124 ] || fail "memtrace $* did not finish within ${MT_TIMEOUT:-60}s"
	return 0
}

# start_memtrace ARGS...: in the background (SIGINT at its default, as from a
# terminal). Sets MT_PID, MT_OUT, MT_ERR; collect it with wait_memtrace.
start_memtrace()
{
	SEQ=$((SEQ + 1))
	MT_OUT=$TMP/mt.$SEQ.out
	MT_ERR=$TMP/mt.$SEQ.err
	env --default-signal=INT,QUIT "$MEMTRACE" "$@" >"$MT_OUT" 2>"$MT_ERR" &
	MT_PID=$!
	MT_PIDS+=("$MT_PID")
}

# wait_memtrace [SECONDS]: waits for the background memtrace, sets MT_RC.
wait_memtrace()
{
	wait_gone "$MT_PID" "${1:-60}"
	wait "$MT_PID"
	MT_RC=$?
}

# A memtrace failure must be exactly one stderr line "memtrace: ...".
assert_error()
{
	local want_rc=$1 what=$2 lines
	[ "$MT_RC" -eq "$want_rc" ] || fail "$what: exit $MT_RC, want $want_rc"
	lines=$(wc -l <"$MT_ERR")
	[ "$lines" -eq 1 ] || fail "$what: $lines lines on stderr, want 1"
	grep -q '^memtrace: ' "$MT_ERR" || fail "$what: stderr does not start with 'memtrace: ': $(cat "$MT_ERR")"
	ok "$what: exit $MT_RC: $(cat "$MT_ERR")"
}

assert_rc()
{
	[ "$MT_RC" -eq "$1" ] || fail "$2: memtrace exit status $MT_RC, want $1"
}

# --- reading results -----------------------------------------------------

# Python prelude for mtq: the stream as recs, plus helpers.
MTQ_PRELUDE='
import json, sys
recs = []
for n, line in enumerate(open(sys.argv[1]), 1):
    if line.strip():
        try:
            recs.append(json.loads(line))
        except ValueError as e:
            sys.exit("%s:%d: not JSON (%s): %r" % (sys.argv[1], n, e, line[:200]))
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
'

# mtq FILE EXPR: evaluates a Python expression over the NDJSON stream in FILE
# (helpers: recs, of(type), calls(func[, open_]), summary(), fn(func)) and
# prints it, a list one item per line. Fails the test on bad JSON.
mtq()
{
	local res
	res=$("$PY" -c "$MTQ_PRELUDE
out($2)" "$1" 2>&1) || fail "query '$2' on $1: $res"
	echo "$res"
}

# table_row FILE FUNC: the fields of FUNC's row in a function table, or nothing.
table_row() { awk -v f="$2" '$1 == f { $1 = $1; print; exit }' "$1"; }

# --- assertions ----------------------------------------------------------

# assert_close WHAT GOT WANT: |GOT - WANT| <= 16 KiB + 1% of |WANT|.
assert_close()
{
	local what=$1 got=$2 want=$3
	if awk -v g="$got" -v w="$want" -v a="$TOL_ABS" -v r="$TOL_REL" \
		'BEGIN { d = g - w; if (d < 0) d = -d; m = w < 0 ? -w : w;
			 exit !(g ~ /^-?[0-9]+(\.[0-9]+)?$/ && d <= a + r * m) }'; then
		ok "$what: $got, want $want (within $TOL_ABS B + 1%)"
	else
		fail "$what: got $got, want $want (tolerance $TOL_ABS B + 1%)"
	fi
}

assert_eq()
{
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	ok "$1: $2"
}

# assert_ge WHAT GOT MIN (numbers)
assert_ge()
{
	awk -v g="$2" -v m="$3" 'BEGIN { exit !(g ~ /^-?[0-9]+(\.[0-9]+)?$/ && g + 0 >= m + 0) }' ||
		fail "$1: got $2, want >= $3"
	ok "$1: $2 >= $3"
}

# assert_calls_match FILE FUNC LOG: the call records of FUNC, in order, grow
# as the target's own rss_before/rss_after say; as many calls as reported.
assert_calls_match()
{
	local file=$1 func=$2 log=$3 measured truth n i
	mapfile -t truth < <(truth_growth "$log")
	mapfile -t measured < <(mtq "$file" "[c['growth'] for c in calls('$func')]")
	n=${#truth[@]}
	[ "$n" -gt 0 ] || fail "target reported no calls in $log"
	assert_eq "$func completed calls" "${#measured[@]}" "$n"
	for ((i = 0; i < n; i++)); do
		assert_close "$func call $((i + 1)) growth" "${measured[i]}" "${truth[i]}"
	done
}

# assert_summary_growth FILE FUNC LOG: summary row of FUNC against the truth.
assert_summary_growth()
{
	local file=$1 func=$2 log=$3 want
	want=$(truth_growth "$log" | awk '{ s += $1 } END { print s + 0 }')
	assert_eq "$func summary calls" "$(mtq "$file" "fn('$func')['calls']")" "$(truth_growth "$log" | wc -l)"
	assert_close "$func summary growth" "$(mtq "$file" "fn('$func')['growth']")" "$want"
}

# mtpy FILE CODE: runs Python statements over the stream (same helpers as
# mtq); the code reports problems with sys.exit("message").
mtpy()
{
	local res
	res=$("$PY" -c "$MTQ_PRELUDE
$2" "$1" 2>&1) || fail "$res"
	[ -z "$res" ] || echo "$res"
}

# assert_table_mib WHAT GOT_MIB WANT_BYTES: a table cell (MiB, two decimals)
# against bytes: the usual tolerance plus half a unit of the last digit.
assert_table_mib()
{
	local what=$1 got=$2 want=$3
	if awk -v g="$got" -v w="$want" -v a="$TOL_ABS" -v r="$TOL_REL" -v mib="$MIB" \
		'BEGIN { d = g * mib - w; if (d < 0) d = -d; m = w < 0 ? -w : w;
			 exit !(g ~ /^-?[0-9]+\.[0-9][0-9]$/ && d <= a + 0.005 * mib + r * m) }'; then
		ok "$what: $got MiB, want $(awk -v w="$want" -v mib="$MIB" 'BEGIN { printf "%.4f", w / mib }') MiB"
	else
		fail "$what: got '$got' MiB, want $want bytes ($(awk -v w="$want" -v mib="$MIB" 'BEGIN { printf "%.4f", w / mib }') MiB)"
	fi
}

# target_done LOG PID STATUS: a target we started ran to its end, unharmed.
target_done()
{
	local log=$1 pid=$2 want=${3:-0} rc
	wait_gone "$pid" 30
	wait "$pid"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "target $pid exit status $rc, want $want: $(tail -n 3 "$log")"
	grep -Eq '^(done|exiting)' "$log" || fail "target $pid did not finish its work: $(tail -n 3 "$log")"
	ok "target $pid finished, exit $rc"
}

# assert_summary_sums FILE: every summary.functions number equals what the
# call records give (calls, open, growth, growth_max, peak_max, thread_growth);
# each call is consistent (growth = exit - entry, peak >= entry and exit).
assert_summary_sums()
{
	mtpy "$1" '
s = summary()
err = []
oks = []
lost = sum(r.get("count", 0) for r in of("lost"))
if s.get("lost") != lost:
    err.append("summary lost %r, lost records sum to %d" % (s.get("lost"), lost))
for c in of("call"):
    if c["growth"] != c["rss_exit"] - c["rss_entry"]:
        err.append("call %r: growth != rss_exit - rss_entry" % c)
    if c["rss_peak"] < max(c["rss_entry"], c["rss_exit"]):
        err.append("call %r: rss_peak below entry or exit" % c)
    if c["dur"] < 0:
        err.append("call %r: negative dur" % c)
peak = max([c["rss_peak"] for c in of("call")] or [0])
if s["peak_rss"] < peak:
    err.append("summary peak_rss %d below a call peak %d" % (s["peak_rss"], peak))
if not s["duration"] > 0:
    err.append("summary duration %r" % s["duration"])
for f in s["functions"]:
    done = calls(label(f))
    opened = calls(label(f), True)
    want = {
        "calls": len(done),
        "open": len(opened),
        "growth": sum(c["growth"] for c in done),
        "growth_max": max([c["growth"] for c in done] or [0]),
        "peak_max": max([c["rss_peak"] - c["rss_entry"] for c in done] or [0]),
        "thread_growth": sum(c["thread_growth"] for c in done),
    }
    if not done:
        # No completed call: a maximum over nothing is unknown (null) or 0.
        for k in ("growth_max", "peak_max"):
            if f.get(k) is None:
                want[k] = None
    for k, v in want.items():
        if f.get(k) != v:
            err.append("%s.%s = %r, call records give %r" % (f["func"], k, f.get(k), v))
    oks.append("ok: %s: %s" % (f["func"], ", ".join("%s=%s" % kv for kv in sorted(want.items()))))
if err:
    sys.exit("summary does not match the call records:\n" + "\n".join(err))
print("\n".join(oks))
'
}

# Optional per-test cleanup hook: define test_cleanup in the test.

# --- Python targets (tests/integ/py_*.sh) ----------------------------------

# Python targets are scripts (tests/targets/py/*.py), run by absolute path
# with an absolute interpreter path: `python3` on PATH may be a pyenv shim.
PY_TARGETS=$ROOT/tests/targets/py
# Debian's python3.11: the one with CPython's USDT probes (--exact), and numpy.
PY_USDT=/usr/bin/python3.11
PYENV_VERSIONS=${PYENV_VERSIONS:-/root/.pyenv/versions}
# The versions the frame-walking mode supports, as pyenv builds.
PY_FRAME_VERSIONS="3.10.13 3.11.7 3.12.1 3.13.0"

# py_interp VERSION: pyenv's interpreter for VERSION (3.12.1 ->
# .../3.12.1/bin/python3.12), printed if it is installed and runs.
py_interp()
{
	local p=$PYENV_VERSIONS/$1/bin/python${1%.*}
	[ -x "$p" ] && "$p" -c pass 2>/dev/null && echo "$p"
}

# require_py_usdt: Debian's python3.11 with its USDT probes, or skip.
require_py_usdt()
{
	[ -x "$PY_USDT" ] || skip "$PY_USDT not installed (Debian's python3.11, the one with USDT probes)"
	readelf -n "$PY_USDT" 2>/dev/null | grep -q 'function__entry' ||
		skip "$PY_USDT has no USDT probe function__entry"
}

# py_frame_interps: every interpreter the frame-walking tests run on, one a
# line: pyenv's supported versions that are installed, then Debian's 3.11.
# Says on stderr which are missing. Run it once, outside $(...), with
# require_py_frames, which sets PY_INTERPS or skips the test.
py_frame_interps()
{
	local v p
	for v in $PY_FRAME_VERSIONS; do
		if p=$(py_interp "$v"); then
			echo "$p"
		else
			echo "note: CPython $v is not installed ($PYENV_VERSIONS/$v): not tested" >&2
		fi
	done
	if [ -x "$PY_USDT" ]; then
		echo "$PY_USDT"
	fi
}

# require_py_frames: PY_INTERPS (array) = py_frame_interps, or skip.
require_py_frames()
{
	mapfile -t PY_INTERPS < <(py_frame_interps)
	[ ${#PY_INTERPS[@]} -gt 0 ] || skip "no CPython 3.10-3.13 installed ($PYENV_VERSIONS, $PY_USDT)"
}

# py_line SCRIPT TAG: the line number of SCRIPT's line ending in "# L:TAG".
py_line()
{
	local n
	n=$(grep -n -- "# L:$2\$" "$1" | cut -d: -f1)
	[ "$(echo "$n" | wc -w)" -eq 1 ] || fail "tag L:$2 is not on exactly one line of $1"
	echo "$n"
}

# py_sum LOG WORDS...: sum of the last field of the log lines starting with
# WORDS (e.g. py_sum LOG line bytes).
py_sum()
{
	local log=$1
	shift
	awk -v k="$* " 'index($0, k) == 1 { s += $NF } END { print s + 0 }' "$log"
}

# py_start_target INTERP SCRIPT ARGS...: like start_target, for a Python
# target (tests/targets/py/SCRIPT) in the background. Sets T_PID, T_LOG.
py_start_target()
{
	local interp=$1 script=$2
	shift 2
	SEQ=$((SEQ + 1))
	T_LOG=$TMP/${script%.py}.$SEQ.log
	"$interp" "$PY_TARGETS/$script" "$@" >"$T_LOG" 2>&1 &
	T_PID=$!
	TARGET_PIDS+=("$T_PID")
	wait_for_line "$T_LOG" '^ready [0-9]+$' 20 || fail "target $script did not start: $(cat "$T_LOG")"
	[ "$(awk '/^ready/ { print $2; exit }' "$T_LOG")" = "$T_PID" ] ||
		fail "target $script: ready line names another pid"
}

# py_lines_of FILE FUNC SCRIPT: the summary.lines entries of FUNC in SCRIPT,
# as a Python expression for mtq/mtpy (a dict: line number -> entry).
py_lines_of()
{
	echo "{l['line']: l for l in summary()['lines'] if named(l, '$2') and l['file'].endswith('/$3')}"
}

# py_line_field FILE FUNC SCRIPT LINE FIELD [DEFAULT]: one field of one
# summary.lines entry; DEFAULT (else a message) when the line has no entry.
py_line_field()
{
	mtq "$1" "($(py_lines_of "$1" "$2" "$3")).get($4, {}).get('$5', '${6:-no entry for line $4 of $3}')"
}

# assert_py_line WHAT FILE FUNC SCRIPT TAG WANT: the increment of the line
# tagged TAG against WANT bytes. A line without an entry counts as 0: frame
# walking lists only the lines it saw memory change on.
assert_py_line()
{
	local what=$1 file=$2 func=$3 script=$4 tag=$5 want=$6 line
	line=$(py_line "$PY_TARGETS/$script" "$tag")
	assert_close "$what: line $line (L:$tag) increment" \
		"$(py_line_field "$file" "$func" "$script" "$line" increment 0)" "$want"
}

# assert_py_tables OUT JSON: the line tables in OUT (memtrace's stdout) are
# memory_profiler's, one per (function, file) of JSON's summary.lines, each
# "Filename: FILE", a blank line, memory_profiler's header and "=" rule, then
# its rows in line order, formatted by memory_profiler's template
# '{0:>6} {1:>12} {2:>12}  {3:>10}   {4:<}' with sizes as '%6.2f MiB' (a
# cell the mode cannot know is "-"); each entry's source is the file's line.
assert_py_tables()
{
	"$PY" - "$1" "$2" <<'PYEOF' || fail "line tables in $1 do not match $2"
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
PYEOF
}

# py_check_frames INTERP: the default (frame-walking) mode on INTERP, with
# lines.py in launch and in attach mode: work()'s growth and its lines'
# increments match what work() saw; calls and Occurrences are unknown to
# this mode, so null in JSON and "-" in the tables; no call records.
py_check_frames()
{
	local interp=$1 S=lines.py log json row sum tag line
	log=$(new_log lines)
	json=$TMP/launch.ndjson
	run_memtrace -o "$json" -f work -f idle -- "$interp" "$PY_TARGETS/$S" --log "$log" 8 16 4
	assert_rc 0 "launch $interp $S"
	grep -q '^done' "$log" || fail "target did not finish: $(cat "$log")"
	assert_eq "target kind and method" \
		"$(mtq "$json" "' '.join('%s:%s:%s' % (t['func'], t['kind'], t['method']) for t in of('start')[0]['targets'])")" \
		"work:python:frames idle:python:frames"
	sum=$(truth_growth "$log" | awk '{ s += $1 } END { print s }')
	assert_close "target's own growth" "$sum" $(((28 + 9) * MIB))
	assert_close "work: summary growth" "$(mtq "$json" "fn('work')['growth']")" "$sum"
	assert_eq "work: summary calls" "$(mtq "$json" "fn('work')['calls']")" None
	assert_eq "work: call records" "$(mtq "$json" "len(calls('work'))")" 0
	for tag in bytes calloc loop; do
		assert_py_line "work" "$json" work $S $tag "$(py_sum "$log" line $tag)"
	done
	assert_close "sum of work's line increments" \
		"$(mtq "$json" "sum(l['increment'] for l in ($(py_lines_of "$json" work $S)).values())")" "$sum"
	assert_eq "occurrences of work's lines" \
		"$(mtq "$json" "sorted(set(str(l['occurrences']) for l in ($(py_lines_of "$json" work $S)).values()))")" None
	assert_eq "idle: growth and lines" \
		"$(mtq "$json" "'%s %s' % (fn('idle')['growth'], len($(py_lines_of "$json" idle $S)))")" "0 0"
	assert_py_tables "$MT_OUT" "$json"
	read -r -a row <<<"$(table_row "$MT_OUT" work)"
	assert_eq "table calls" "${row[1]:-}" -
	assert_table_mib "table growth" "${row[2]:-}" "$sum"
	line=$(py_line "$PY_TARGETS/$S" bytes)
	grep -Eq "^ +$line +[0-9.]+ MiB +[0-9.]+ MiB +- +   a = b\"a\"" "$MT_OUT" ||
		fail "bytes line not shown with '-' occurrences: $(grep -E "^ +$line " "$MT_OUT")"
	ok "table row: $(grep -E "^ +$line " "$MT_OUT")"

	# Attach mode: the interpreter is already running when memtrace arrives.
	py_start_target "$interp" $S --wait 8 4
	json=$TMP/attach.ndjson
	start_memtrace -p "$T_PID" -o "$json" -f work
	wait_start "$json"
	kill -USR1 "$T_PID"
	target_done "$T_LOG" "$T_PID" 0
	wait_memtrace 20
	assert_rc 0 "attach $interp $S"
	sum=$(truth_growth "$T_LOG" | awk '{ s += $1 } END { print s }')
	assert_close "attach: work: summary growth" "$(mtq "$json" "fn('work')['growth']")" "$sum"
	for tag in bytes loop; do
		assert_py_line "attach: work" "$json" work $S $tag "$(py_sum "$T_LOG" line $tag)"
	done
}

# assert_le WHAT GOT MAX (numbers)
assert_le()
{
	awk -v g="$2" -v m="$3" 'BEGIN { exit !(g ~ /^-?[0-9]+(\.[0-9]+)?$/ && g + 0 <= m + 0) }' ||
		fail "$1: got $2, want <= $3"
	ok "$1: $2 <= $3"
}

# --- plots (tests/integ/ts_*.sh) -------------------------------------------

# require_svg_tools: xmllint (libxml2-utils) and rsvg-convert (librsvg2-bin).
require_svg_tools()
{
	command -v xmllint >/dev/null || skip "xmllint not installed (libxml2-utils)"
	command -v rsvg-convert >/dev/null || skip "rsvg-convert not installed (librsvg2-bin)"
}

# assert_svg SVG FUNC...: SVG is well-formed XML (xmllint), renders to a PNG
# (rsvg-convert, non-empty, a real PNG), is self-contained (no href= of any
# kind, no <script, no @import, no url() other than url(#id) into the file)
# and shows each FUNC's name in its text.
assert_svg()
{
	local svg=$1 png res
	shift
	[ -s "$svg" ] || fail "SVG $svg missing or empty"
	res=$(xmllint --noout "$svg" 2>&1) || fail "SVG $svg is not well-formed (xmllint): $res"
	ok "xmllint --noout $(basename "$svg")"
	png=${svg%.svg}.render.png
	res=$(rsvg-convert -o "$png" "$svg" 2>&1) || fail "rsvg-convert cannot render $svg: $res"
	res=$("$PY" - "$svg" "$png" "$@" 2>&1 <<'PYEOF'
import re, sys
import xml.etree.ElementTree as ET
svg, png, funcs = sys.argv[1], sys.argv[2], sys.argv[3:]
err = []
with open(png, "rb") as f:
    head = f.read(8)
    f.seek(0, 2)
    size = f.tell()
if head != b"\x89PNG\r\n\x1a\n" or size < 1000:
    err.append("rsvg-convert wrote no real PNG (%d bytes, starts %r)" % (size, head))
else:
    print("ok: renders: %d-byte PNG" % size)
data = open(svg, encoding="utf-8").read()
for pat, what in ((r"href\s*=", "a link (href=, xlink:href=)"),
                  (r"<\s*script", "a <script>"),
                  (r"@import", "an @import"),
                  (r"url\(\s*['\"]?\s*[^#'\"\s]", "a url() to something outside the file")):
    m = re.search(pat, data, re.I)
    if m:
        err.append("not self-contained: %s: %r" % (what, data[max(0, m.start() - 60):m.end() + 60]))
root = ET.fromstring(data)
if root.tag != "{http://www.w3.org/2000/svg}svg":
    err.append("root element is %s, want svg in the SVG namespace" % root.tag)
texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
for f in funcs:
    if not any(f in t for t in texts):
        err.append("function %s does not appear in any <text> (texts: %r)" % (f, texts[:40]))
if err:
    sys.exit("\n".join(err))
print("ok: self-contained (no href, script, @import, external url()); %d texts name %s" % (len(texts), ", ".join(funcs)))
PYEOF
) || fail "SVG $svg: $res"
	echo "$res"
}
