#!/bin/bash
# Several processes in the stream: process and exit records per child, summary.processes, report's same tables, plot
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
require_jsonlint
[ -x "$TARGETS/forker" ] || skip "forker not built ($TARGETS): run make targets"

# proc_tables FILE: the "Functions by process" and "Processes by RSS growth" tables of a run's output.
proc_tables()
{
	awk '/^Functions by process$/ { on = 1 }
	     on && /^Processes by RSS growth/ { procs = 1; print; next }
	     on && procs && !/^ +(PID|[0-9]+) / && !/^\.\.\. and / { exit }
	     on { print }' "$1"
}

log=$(new_log forker)
json=$TMP/procs.ndjson
run_memtrace -o "$json" -f grow_mib -- "$TARGETS/forker" --log "$log" 10 20 30
assert_rc 0 "forker with -o"
live=$MT_ERR
out=$("$PY" "$JSONLINT" "$json" 2>&1) || fail "jsonlint: $out"
ok "the stream of three processes passes the lint"

parent=$(mtq "$json" "of('start')[0]['pid']")
mapfile -t children < <(awk -v p="$parent" '$1 == "pid" && $2 != p && $3 == "rss_before" { print $2 }' "$log")
assert_eq "children in the target's log" "${#children[@]}" 2

# A process record per child, forked by the parent; none for the parent, which the user named.
for c in "${children[@]}"; do
	assert_eq "process record of child $c" \
		"$(mtq "$json" "[(r['event'], r['ppid'], r['comm']) for r in of('process') if r['pid'] == $c]")" \
		"('fork', $parent, 'forker')"
done
assert_eq "fork records" "$(mtq "$json" "len([r for r in of('process') if r['event'] == 'fork'])")" 2

# An exit record per process, each once; the children's carry their final RSS and peak.
assert_eq "exit records" "$(mtq "$json" "str(sorted((r['pid'], r['status']) for r in of('exit')))")" \
	"[$(printf '%s\n' "$parent" "${children[@]}" | sort -n | awk '{ printf "%s(%s, 0)", (NR > 1 ? ", " : ""), $1 }')]"
for c in "${children[@]}"; do
	assert_eq "exit of $c has rss and peak as summary.processes[]" \
		"$(mtq "$json" "str([(r['rss'], r['peak']) for r in of('exit') if r['pid'] == $c] == [(p['end_rss'], p['peak']) for p in summary()['processes'] if p['pid'] == $c])")" True
done

# summary.processes[]: one row per process, joined as the live table says; each figure as its table.
assert_eq "summary.processes" "$(mtq "$json" "str(sorted((p['pid'], p['joined'], p['ppid'] if p['joined'] == 'fork' else 0) for p in summary()['processes']))")" \
	"[($parent, 'named', 0)$(printf '%s\n' "${children[@]}" | sort -n | awk -v p="$parent" '{ printf ", (%s, \047fork\047, %s)", $1, p }')]"
mib() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1048576 }'; }
for pid in "$parent" "${children[@]}"; do
	row=$(awk -v p="$pid" '$1 == p && $4 ~ /^(named|fork)$/ { print; exit }' "$live")
	[ -n "$row" ] || fail "no row of $pid in the live Processes table: $(cat "$live")"
	want=$(mtq "$json" "' '.join('%s %s' % (p['start_rss'], p['end_rss']) for p in summary()['processes'] if p['pid'] == $pid)")
	assert_eq "process $pid start and end in the table and the summary" \
		"$(echo "$row" | awk '{ print $5, $7 }')" "$(mib "${want% *}") $(mib "${want#* }")"
	# Per-process function figures: the table's Calls and Growth, and the target's own measure.
	frow=$(awk -v p="$pid" '$1 == "grow_mib" && $2 == p { print; exit }' "$live")
	[ -n "$frow" ] || fail "no grow_mib row of $pid in 'Functions by process'"
	f=$(mtq "$json" "' '.join('%d %d' % (f['calls'], f['growth']) for f in summary()['functions_by_process'] if f['pid'] == $pid and f['func'] == 'grow_mib')")
	assert_eq "grow_mib in $pid: calls and growth in the table and the summary" \
		"$(echo "$frow" | awk '{ print $4, $5 }')" "${f% *} $(mib "${f#* }")"
	assert_close "grow_mib in $pid: summary growth against the process's own measure" "${f#* }" \
		"$(awk -v p="$pid" '$2 == p && $3 == "rss_before" { b = $4 } $2 == p && $3 == "rss_after" { print $4 - b }' "$log")"
done
# The totals stay one row a function, the sum of the per-process rows.
assert_eq "summary.functions: one grow_mib row, the sum of functions_by_process" \
	"$(mtq "$json" "str([(f['calls'], f['growth']) for f in summary()['functions']] == [(sum(f['calls'] for f in summary()['functions_by_process']), sum(f['growth'] for f in summary()['functions_by_process']))])")" True

# memtrace report (as nobody) prints the same per-process tables, character for character.
chmod 644 "$json"
SEQ=$((SEQ + 1))
rep=$TMP/report.$SEQ.out
setpriv --reuid=65534 --regid=65534 --clear-groups "$MEMTRACE" report "$json" >"$rep" 2>"$TMP/report.$SEQ.err" ||
	fail "memtrace report: $(cat "$TMP/report.$SEQ.err")"
[ -n "$(proc_tables "$live")" ] || fail "no per-process tables in the live output: $(cat "$live")"
diff <(proc_tables "$live") <(proc_tables "$rep") >"$TMP/tables.diff" ||
	fail "report's per-process tables differ from the live run's: $(cat "$TMP/tables.diff")"
ok "report prints the live run's per-process tables: $(proc_tables "$rep" | wc -l) lines"
# In the live run's order: functions, functions by process, processes, stacks.
assert_eq "report's order" "$(awk '/^Function +Calls +Growth/ { print "functions" }
	/^Functions by process$/ { print "by process" } /^Processes by RSS growth/ { print "processes" }
	/^Stacks:/ { print "stacks" }' "$rep" | paste -sd,)" "functions,by process,processes,stacks"

# memtrace plot draws the first process's curve with its own calls only: a child's call holds the child's RSS.
"$MEMTRACE" plot "$json" -o "$TMP/plot.svg" --mprof "$TMP/plot.dat" 2>"$TMP/plot.err" || fail "memtrace plot: $(cat "$TMP/plot.err")"
assert_eq "calls drawn on the first process's curve" "$(grep -c '^FUNC grow_mib' "$TMP/plot.dat")" 1
grep -q "peak $(mib "$(mtq "$json" "summary()['peak_rss']")") MiB" "$TMP/plot.svg" ||
	fail "the plot's peak is not the first process's ($(grep -o 'peak [0-9.]* MiB' "$TMP/plot.svg"))"
ok "the plot's peak is the first process's"

# A hostile summary.processes row is refused in one line.
sed 's/"joined":"fork"/"joined":"fork","x":1/; s/"execs":0,"status":0}/"execs":0,"status":999}/' "$json" >"$TMP/bad.ndjson"
SEQ=$((SEQ + 1))
"$MEMTRACE" report "$TMP/bad.ndjson" >/dev/null 2>"$TMP/bad.err"
assert_eq "report of a status out of range: exit code" "$?" 1
assert_eq "one line says why" "$(wc -l <"$TMP/bad.err") $(grep -c '"status" is 999, outside 0..255' "$TMP/bad.err")" "1 1"

# One process traced (--no-children): the stream as before, no key of several processes.
json1=$TMP/one.ndjson
run_memtrace -o "$json1" --no-children -f grow_mib -- "$TARGETS/forker" --log "$(new_log one)" 10 20
assert_rc 0 "forker --no-children"
out=$("$PY" "$JSONLINT" "$json1" 2>&1) || fail "jsonlint: $out"
assert_eq "one process: no process record, exit and summary keys as before" \
	"$(mtq "$json1" "str((len(of('process')), [sorted(r) for r in of('exit')], sorted(summary())))")" \
	"(0, [['pid', 'status', 't', 'type']], ['duration', 'functions', 'lines', 'lost', 'peak_rss', 'pid', 'sample_bytes', 't', 'type'])"
"$MEMTRACE" report "$json1" >"$TMP/one.rep" 2>&1 || fail "report of one process: $(cat "$TMP/one.rep")"
! grep -qE '^(Functions by process|Processes by RSS)' "$TMP/one.rep" || fail "per-process tables for one process"
ok "report of one process prints no per-process table"
