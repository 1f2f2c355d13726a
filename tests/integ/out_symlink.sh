#!/bin/bash
# -o, --svg, --mprof and plot -o never write through a planted symbolic link (at the name or at a temporary name): refused, the file it points to untouched
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# What a user in a shared directory (/tmp) would plant: links to root's files.
victim=$TMP/victim
echo "precious contents" >"$victim"
chmod 600 "$victim"
sum_before=$(sha256sum <"$victim")
assert_victim()
{
	[ "$(sha256sum <"$victim")" = "$sum_before" ] || fail "$1: the file the link points to was changed: $(head -c 200 "$victim")"
	ok "$1: $victim untouched"
}

start_target busy
for opt in -o --svg --mprof; do
	link=$TMP/link$opt
	ln -s "$victim" "$link"
	run_memtrace -p "$T_PID" -f busy_work -d 1 "$opt" "$link"
	assert_error 1 "$opt LINK"
	grep -q "symbolic link" "$MT_ERR" || fail "$opt LINK: the message does not say why"
	[ -L "$link" ] || fail "$opt LINK: the link itself was replaced"
	assert_victim "$opt LINK"
done

# A dangling link (to a file root would create) is refused too: nothing is created.
ln -s "$TMP/created-through-link" "$TMP/dangling"
run_memtrace -p "$T_PID" -f busy_work -d 1 -o "$TMP/dangling"
assert_error 1 "-o DANGLING-LINK"
[ ! -e "$TMP/created-through-link" ] || fail "-o DANGLING-LINK: a file was created through the link"
ok "-o DANGLING-LINK: nothing created through the link"
assert_unharmed "$T_PID"

# memtrace plot, with links at the output name and at the temporary names an
# older memtrace used (OUT.tmp.PID): links for the next few hundred PIDs.
json=$TMP/run.ndjson
run_memtrace -o "$json" -f grow_mib -- "$TARGETS/grow" --log "$(new_log grow)" 1 2
assert_rc 0 "a stream to plot"
ln -s "$victim" "$TMP/plot-link.svg"
run_memtrace plot "$json" -o "$TMP/plot-link.svg"
assert_error 1 "plot -o LINK"
assert_victim "plot -o LINK"

# One process plants them all: each ln would use up a PID of its own.
"$PY" - "$victim" "$TMP" <<'PYEOF' || fail "cannot plant the links"
import os, sys
victim, d = sys.argv[1], sys.argv[2]
last = int(open("/proc/sys/kernel/ns_last_pid").read())
for p in range(last + 1, last + 301):
    for name in ("plot.svg", "plot.dat"):
        os.symlink(victim, "%s/%s.tmp.%d" % (d, name, p))
PYEOF
run_memtrace plot "$json" -o "$TMP/plot.svg" --mprof "$TMP/plot.dat"
assert_rc 0 "plot with links planted at OUT.tmp.PID"
assert_victim "plot with links planted at OUT.tmp.PID"
for f in plot.svg plot.dat; do
	[ -f "$TMP/$f" ] && [ ! -L "$TMP/$f" ] || fail "plot: $f is not a regular file"
done
grep -q '^CMDLINE ' "$TMP/plot.dat" || fail "plot --mprof wrote no mprof file"
grep -q '<svg' "$TMP/plot.svg" || fail "plot -o wrote no SVG"
ok "plot wrote both files as new regular files"
