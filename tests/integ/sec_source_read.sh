#!/bin/bash
# Python sources are read as the target could: co_filename /etc/shadow or a symlink to a root-only file shows nothing (one warning); readable sources, relative names and a container's files still show
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_jsonlint
[ -x "$PY_USDT" ] || skip "$PY_USDT not installed (Debian's python3.11)"
command -v setpriv >/dev/null || skip "setpriv not installed (util-linux)"
command -v unshare >/dev/null || skip "unshare (util-linux) not installed"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
"${NOBODY[@]}" test -r "$PY_TARGETS/secsrc.py" || skip "$PY_TARGETS/secsrc.py not readable by uid 65534"

# The target's own directory (nobody may replace its files), a root-only secret.
APP=$TMP/app
mkdir "$APP"
chown 65534:65534 "$APP"
printf 'def work(mib):\n    a = b"a" * (mib << 20)  # L:bytes\n    b = b"b" * (mib << 20)  # L:more\n    kept.append((a, b))\n' >"$APP/mod.py"
cp "$APP/mod.py" "$APP/swapped.py"
chmod 644 "$APP/mod.py" "$APP/swapped.py"
SECRET=$TMP/secret
MARK=memtrace-secret-$$-marker
printf '%s line 1\n%s line 2\n%s line 3\n%s line 4\n%s line 5\n%s line 6\n%s line 7\n' \
	"$MARK" "$MARK" "$MARK" "$MARK" "$MARK" "$MARK" "$MARK" >"$SECRET"
chmod 600 "$SECRET"
"${NOBODY[@]}" cat "$SECRET" >/dev/null 2>&1 && fail "uid 65534 can read $SECRET: the test proves nothing"

# traced WHO ARGS...: secsrc.py ARGS in $APP as WHO (a command prefix, "" for
# root), attached by memtrace -f work -f more; sets JSON, MT_OUT, MT_ERR.
traced()
{
	local who=$1
	shift
	SEQ=$((SEQ + 1))
	T_LOG=$TMP/secsrc.$SEQ.log
	# Each exec keeps the pid: $! is the interpreter's.
	(cd "$APP" && exec $who "$PY_USDT" "$PY_TARGETS/secsrc.py" --wait "$@") >"$T_LOG" 2>&1 &
	T_PID=$!
	TARGET_PIDS+=("$T_PID")
	traced_pid "$T_PID"
}

# traced_pid PID: memtrace attached to the waiting secsrc.py PID (log $T_LOG) until it is done.
traced_pid()
{
	wait_for_line "$T_LOG" '^ready [0-9]+$' 20 || fail "secsrc.py did not start: $(cat "$T_LOG")"
	[ "$(awk '/^ready/ { print $2; exit }' "$T_LOG")" = "$1" ] || fail "secsrc.py: ready line names another pid"
	JSON=$TMP/secsrc.$SEQ.ndjson
	start_memtrace -p "$1" -o "$JSON" -f work -f more
	wait_start "$JSON"
	kill -USR1 "$1"
	target_done "$T_LOG" "$1" 0
	wait_memtrace 20
	assert_rc 0 "attach secsrc.py"
	"$PY" "$JSONLINT" "$JSON" >/dev/null || fail "-o stream is not valid: $("$PY" "$JSONLINT" "$JSON" 2>&1)"
}

# sources FILE: "LINE:SOURCE" of every summary.lines entry of FILE in $JSON, by line.
sources()
{
	mtq "$JSON" "' | '.join('%d:%s' % (l['line'], l['source'] or '') for l in sorted(summary()['lines'], key=lambda l: l['line']) if l['file'] == '$1')"
}

# hidden FILE WHAT: a table with rows for FILE, every Line Contents empty, in
# the table and the stream; no text of WHAT (a file) anywhere in either; one
# warning, naming FILE, and nothing else on stderr.
hidden()
{
	local file=$1 what=$2 leak
	assert_eq "$file: rows, no source" "$(sources "$file")" "$3"
	grep -qxF "Filename: $file" "$MT_OUT" || fail "no Filename: $file table: $(cat "$MT_OUT")"
	grep -E '^ +[0-9]+ +[0-9.]+ MiB' "$MT_OUT" | grep -Ev ' -   $' &&
		fail "a line table row has Line Contents"
	ok "$file: every Line Contents empty"
	leak=$("$PY" - "$what" "$MT_OUT" "$JSON" <<'PYEOF'
import sys
lines = [l.strip() for l in open(sys.argv[1], errors="replace").read().split("\n") if len(l.strip()) >= 4]
for out in sys.argv[2:]:
    text = open(out, errors="replace").read()
    for l in lines:
        if l in text or l.replace('"', '\\"') in text:
            print("%s shows %r" % (out, l))
PYEOF
)
	[ -z "$leak" ] || fail "text of $what leaked: $leak"
	ok "no line of $what in the table or the stream"
	assert_eq "$file: warnings" "$(cat "$MT_ERR")" "$4"
}

# (a) co_filename /etc/shadow, by a target that cannot read it.
traced "${NOBODY[*]}" --name /etc/shadow 8 4
grep -q 'root:' "$MT_OUT" "$JSON" && fail "'root:' in memtrace's output"
hidden /etc/shadow /etc/shadow "2: | 3: | 7:" \
	"memtrace: warning: cannot show source of /etc/shadow: the traced process (uid 65534) cannot read it (Permission denied)"

# (b) Its module replaced by a symlink to a root-only file before the first call.
traced "${NOBODY[*]}" --module "$APP/swapped.py" --swap-to "$SECRET" 8 4
[ "$(readlink "$APP/swapped.py")" = "$SECRET" ] || fail "target did not swap in the symlink"
grep -q "$MARK" "$MT_OUT" "$JSON" && fail "the secret's marker is in memtrace's output"
hidden "$APP/swapped.py" "$SECRET" "2: | 3:" \
	"memtrace: warning: cannot show source of $APP/swapped.py: the traced process (uid 65534) cannot read it (Permission denied)"

# (c) What the target can read still shows: an absolute and a relative co_filename.
traced "${NOBODY[*]}" --module "$APP/mod.py" 8 4
assert_eq "own module, as nobody" "$(sources "$APP/mod.py")" \
	"2:    a = b\"a\" * (mib << 20)  # L:bytes | 3:    b = b\"b\" * (mib << 20)  # L:more"
grep -qE '^ +2 +[0-9.]+ MiB +[0-9.]+ MiB +- +    a = b"a" \* \(mib << 20\)  # L:bytes$' "$MT_OUT" ||
	fail "table row of line 2 lacks its source: $(cat "$MT_OUT")"
[ -s "$MT_ERR" ] && fail "warnings for a readable source: $(cat "$MT_ERR")"
ok "own module: table and stream show its lines, no warning"
traced "${NOBODY[*]}" --name mod.py 8 4
assert_eq "relative co_filename, in the target's cwd" "$(sources mod.py)" \
	"2:    a = b\"a\" * (mib << 20)  # L:bytes | 3:    b = b\"b\" * (mib << 20)  # L:more | 7:"
# A root target may read anything: its root-only file shows.
traced "" --name "$SECRET" 8 4
assert_eq "root target, root-only file" "$(sources "$SECRET")" "2:$MARK line 2 | 3:$MARK line 3 | 7:$MARK line 7"

# A container: the module is on a tmpfs only the target's mount namespace
# has, so memtrace must read it through the target's root, as the target.
ns=$TMP/ns
mkdir "$ns"
SEQ=$((SEQ + 1))
T_LOG=$TMP/secsrc-ns.$SEQ.log
unshare --mount --propagation private sh -c "
	mount -t tmpfs -o mode=755 none '$ns' && cp '$APP/mod.py' '$ns/ns.py' && chmod 644 '$ns/ns.py' &&
	exec ${NOBODY[*]} '$PY_USDT' '$PY_TARGETS/secsrc.py' --wait --module '$ns/ns.py' 8 4
" >"$T_LOG" 2>&1 &
T_PID=$!
TARGET_PIDS+=("$T_PID")
wait_for_line "$T_LOG" '^ready [0-9]+$' 20 || fail "secsrc.py did not start: $(cat "$T_LOG")"
[ -e "$ns/ns.py" ] && fail "$ns/ns.py is visible outside the namespace: the test proves nothing"
traced_pid "$T_PID"
assert_eq "container's module, as nobody" "$(sources "$ns/ns.py")" \
	"2:    a = b\"a\" * (mib << 20)  # L:bytes | 3:    b = b\"b\" * (mib << 20)  # L:more"
exit 0
