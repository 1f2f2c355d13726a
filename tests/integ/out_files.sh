#!/bin/bash
# outputs are new files, mode 0600: an old file or a hard link at the name is replaced, not written through; FIFOs, devices and /dev/stdout are written in place; a directory is refused
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

umask 022
mode() { stat -c %a "$1"; }

# A hard link to a file of root's at -o, an old 0644 file at --svg.
json=$TMP/run.ndjson svg=$TMP/run.svg dat=$TMP/run.dat victim=$TMP/victim
echo "precious contents" >"$victim"
ln "$victim" "$json"
echo old >"$svg"
chmod 644 "$svg"
log=$(new_log grow)
run_memtrace -o "$json" --svg "$svg" --mprof "$dat" -f grow_mib -- "$TARGETS/grow" --log "$log" 1 2
assert_rc 0 "launch with -o, --svg, --mprof"
for f in "$json" "$svg" "$dat"; do
	assert_eq "mode of $(basename "$f")" "$(mode "$f")" 600
done
assert_eq "the hard-linked file" "$(cat "$victim")" "precious contents"
assert_eq "links of the file -o replaced" "$(stat -c %h "$victim")" 1
mtq "$json" "summary()['functions'][0]['func']" >/dev/null
ok "the stream is whole"

# memtrace plot: its outputs too.
rm -f "$svg" "$dat"
run_memtrace plot "$json" -o "$svg" --mprof "$dat"
assert_rc 0 "memtrace plot"
assert_eq "mode of plot's SVG" "$(mode "$svg")" 600
assert_eq "mode of plot's mprof file" "$(mode "$dat")" 600

# A character device and a FIFO are written in place, not replaced by a file.
mknod "$TMP/null" c 1 3 || fail "mknod"
mkfifo "$TMP/fifo" || fail "mkfifo"
cat "$TMP/fifo" >"$TMP/from-fifo" &
reader=$!
run_memtrace -o "$TMP/fifo" --svg "$TMP/null" -f grow_mib -- "$TARGETS/grow" --log "$(new_log grow)" 1
assert_rc 0 "-o FIFO, --svg DEVICE"
wait "$reader"
[ -c "$TMP/null" ] || fail "--svg DEVICE: the device was replaced by $(stat -c %F "$TMP/null")"
[ -p "$TMP/fifo" ] || fail "-o FIFO: the FIFO was replaced by $(stat -c %F "$TMP/fifo")"
assert_eq "records through the FIFO end with a summary" "$(mtq "$TMP/from-fifo" "recs[-1]['type']")" summary

# /dev/stdout is memtrace's own stdout (a link into /proc, taken by name).
run_memtrace plot "$json" -o /dev/stdout
assert_rc 0 "plot -o /dev/stdout"
grep -q '</svg>' "$MT_OUT" || fail "plot -o /dev/stdout: no SVG on stdout"
ok "plot -o /dev/stdout: the SVG on stdout"

# A directory: one line, before tracing.
run_memtrace -o "$TMP" -f grow_mib -- "$TARGETS/grow" --log "$(new_log grow)" 1
assert_error 1 "-o DIRECTORY"
