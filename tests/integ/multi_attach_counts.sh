#!/bin/bash
# 1,000 functions through uprobe_multi links: every call counted right in the stream and the table; links closed at Ctrl-C
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
kv=$(uname -r)
kv=${kv%%-*}
[ "$(printf '%s\n' 6.6 "$kv" | sort -V | head -n1)" = 6.6 ] || skip "kernel $kv has no uprobe_multi links (6.6+)"

# fn_N is called N % 5 + 1 times a round (tests/targets/many.c); 2 rounds.
json=$TMP/run.ndjson
launch_target many -v -o "$json" --no-stacks -f 'many:fn_*' -- 2
grep -q 'native functions attach through uprobe_multi links' "$MT_ERR" ||
	fail "not attached through uprobe_multi links: $(grep -m1 'attach through' "$MT_ERR")"
mtpy "$json" '
import sys
funcs = summary()["functions"]
if len(funcs) != 1000:
    sys.exit("%d functions in the summary, want 1000" % len(funcs))
records = {}
for c in of("call"):
    if not c.get("open") and not c.get("partial"):
        records[c["func"]] = records.get(c["func"], 0) + 1
bad = []
for f in funcs:
    want = 2 * (int(f["func"][3:]) % 5 + 1)
    got = records.get(f["func"], 0)
    if f["calls"] != want or got != want:
        bad.append("%s: summary %d, call records %d, want %d" % (f["func"], f["calls"], got, want))
if bad:
    sys.exit("wrong counts: " + "; ".join(bad[:5]))
'
ok "1000 functions, each with its calls in the summary and as call records"
# Launch mode: the table goes to stderr.
rows=$(awk '$1 ~ /^fn_[0-9][0-9][0-9]$/ { n++; want = 2 * (substr($1, 4) % 5 + 1);
	if ($2 != want) { print "bad " $1 " " $2 " want " want; exit } } END { print n + 0 }' "$MT_ERR")
assert_eq "table rows of fn_ functions, each with its calls" "$rows" 1000

# Attach mode, stopped by Ctrl-C: one link per object and direction, all closed at the end.
json=$TMP/attach.ndjson
start_target many --wait 40 50
start_memtrace -p "$T_PID" -o "$json" --no-stacks -f 'many:fn_*'
wait_start "$json"
kill -USR1 "$T_PID"
# fdinfo says uprobe_multi for the entries, uretprobe_multi for the returns.
links=$(for f in /proc/"$MT_PID"/fdinfo/*; do
	awk '/^link_type:/ { t = $2 } /^link_id:/ { i = $2 } END { if (t ~ /^u(ret)?probe_multi$/) print i }' "$f" 2>/dev/null
done)
assert_eq "uprobe_multi links held by memtrace" "$(echo "$links" | grep -c .)" 2
sleep 0.5
kill -INT "$MT_PID"
wait_memtrace 20
assert_rc 0 "attach, Ctrl-C"
live=$(bpftool -j link show | "$PY" -c 'import json, sys; print(" ".join(str(l["id"]) for l in json.load(sys.stdin)))')
for id in $links; do
	case " $live " in *" $id "*) fail "link $id still exists after memtrace exited" ;; esac
done
ok "links $(echo $links) closed"
target_done "$T_LOG" "$T_PID" 0
