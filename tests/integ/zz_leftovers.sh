#!/bin/bash
# run last: no memtrace or target process from this test run is left, no uprobe event left behind
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root to see every process (running as uid $(id -u))"

# Our own ancestry carries the marker too.
self=" "
p=$$
while [ "$p" -gt 1 ]; do
	self="$self$p "
	p=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null) || break
done

left=""
for d in /proc/[0-9]*; do
	pid=${d#/proc/}
	case $self in *" $pid "*) continue ;; esac
	[ "$pid" = "$BASHPID" ] && continue
	exe=$(readlink "$d/exe" 2>/dev/null) || continue
	if [ -n "${MEMTRACE_TEST_RUN:-}" ]; then
		# Any process started during this run of tests/run.sh.
		tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qx "MEMTRACE_TEST_RUN=$MEMTRACE_TEST_RUN" || continue
	else
		# Run alone: memtrace itself, and targets, wherever they came from.
		case $exe in "$MEMTRACE" | "$TARGETS"/*) ;; *) continue ;; esac
	fi
	left="$left
    $pid $(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)"
done
[ -z "$left" ] || fail "processes left behind:$left"
ok "no process left behind"

# Legacy uprobe events (made through tracefs) outlive their process: look,
# through a private mount if tracefs is not mounted anywhere.
d=$(tracefs_dir)
if [ -z "$d" ]; then
	d=$TMP/tracefs
	mkdir "$d" || fail "mkdir $d"
	mount -t tracefs nodev "$d" || skip "cannot mount tracefs to read uprobe_events"
	test_cleanup() { umount "$TMP/tracefs"; }
fi
if grep -Eq 'memtrace|libbpf' "$d/uprobe_events"; then
	fail "uprobe events left behind: $(cat "$d/uprobe_events")"
fi
ok "no memtrace/libbpf uprobe events in $d/uprobe_events"
