# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# Part of tests/lib.sh: what every integration test runs on: results (ok,
# fail, skip), preconditions, the private $TMP and the EXIT trap that stops
# whatever the test started and checks memtrace left nothing behind, waiting,
# starting targets and memtrace.

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
# Optional per-test cleanup hook: define test_cleanup in the test.
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

# spawn_target LABEL SECONDS CMD...: runs CMD in the background with its
# report in $T_LOG; returns once it printed "ready PID" (within SECONDS).
# Sets T_PID, T_LOG.
spawn_target()
{
	local label=$1 secs=$2
	shift 2
	SEQ=$((SEQ + 1))
	T_LOG=$TMP/${label%.py}.$SEQ.log
	"$@" >"$T_LOG" 2>&1 &
	T_PID=$!
	TARGET_PIDS+=("$T_PID")
	wait_for_line "$T_LOG" '^ready [0-9]+$' "$secs" || fail "target $label did not start: $(cat "$T_LOG")"
	[ "$(awk '/^ready/ { print $2; exit }' "$T_LOG")" = "$T_PID" ] ||
		fail "target $label: ready line names another pid"
}

# start_target NAME [ARGS...]: $TARGETS/NAME by spawn_target. Sets T_PID, T_LOG.
start_target()
{
	local name=$1
	shift
	spawn_target "$name" 10 "$TARGETS/$name" "$@"
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

# assert_finished LOG: the target of LOG reached the end of its work.
assert_finished()
{
	grep -q '^done' "$1" || fail "target did not finish: $(cat "$1")"
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

# assert_ticking [WHEN]: the busy target ($T_PID, $T_LOG) is unharmed after
# memtrace ended (WHEN says how, e.g. " on SIGINT") and still prints "tick" lines a second later:
# an uprobe breakpoint left behind would have killed it.
assert_ticking()
{
	local before after
	assert_unharmed "$T_PID"
	before=$(grep -c '^tick' "$T_LOG")
	sleep 1
	after=$(grep -c '^tick' "$T_LOG")
	[ "$after" -gt "$before" ] || fail "target stopped making progress after memtrace ended${1:-} (ticks $before -> $after)"
	assert_unharmed "$T_PID"
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

# trace_attached JSON STATUS WHAT ARGS...: memtrace -p $T_PID -o JSON ARGS on
# a target started with --wait, from its go signal until it exits with STATUS
# (which ends tracing); memtrace must exit 0.
trace_attached()
{
	local json=$1 status=$2 what=$3
	shift 3
	start_memtrace -p "$T_PID" -o "$json" "$@"
	wait_start "$json"
	kill -USR1 "$T_PID"
	target_done "$T_LOG" "$T_PID" "$status"
	wait_memtrace 20
	assert_rc 0 "$what"
}

# launch_cmd LABEL N CMD... MT_ARGS... -- ARGS...: memtrace MT_ARGS -- CMD
# --log LOG ARGS in the foreground (run_memtrace), CMD being N words (the
# target, or an interpreter and a script); memtrace must exit 0 and the
# target finish its work. Sets T_LOG (LOG) and what run_memtrace sets.
launch_cmd()
{
	local label=$1 n=$2 cmd mt=()
	shift 2
	cmd=("${@:1:n}")
	shift "$n"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		mt+=("$1")
		shift
	done
	[ $# -gt 0 ] || fail "launch $label: no -- before the target's arguments"
	shift
	T_LOG=$(new_log "$label")
	run_memtrace "${mt[@]}" -- "${cmd[@]}" --log "$T_LOG" "$@"
	assert_launched "launch ${cmd[*]} $*" "$T_LOG"
}

# launch_target NAME MT_ARGS... -- ARGS...: launch_cmd of $TARGETS/NAME.
launch_target() { launch_cmd "$1" 1 "$TARGETS/$1" "${@:2}"; }

# assert_launched WHAT LOG: memtrace, run in launch mode, exited 0 and its
# command (logging to LOG) finished its work.
assert_launched()
{
	assert_rc 0 "$1"
	assert_finished "$2"
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
