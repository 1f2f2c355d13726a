#!/bin/bash
# works without tracefs mounted at /sys/kernel/tracing (mounts it itself or does without); state restored
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

dir=/sys/kernel/tracing
[ -d "$dir" ] || skip "no $dir in this kernel"
was_mounted=0
mountpoint -q "$dir" && was_mounted=1

test_cleanup()
{
	if [ "$was_mounted" = 1 ] && ! mountpoint -q "$dir"; then
		mount -t tracefs nodev "$dir" || { echo "FAIL: could not remount tracefs on $dir"; return 1; }
	elif [ "$was_mounted" = 0 ] && mountpoint -q "$dir"; then
		# memtrace mounted it: put things back as they were.
		umount "$dir" || { echo "FAIL: could not unmount tracefs from $dir"; return 1; }
	fi
	return 0
}

if [ "$was_mounted" = 1 ]; then
	umount "$dir" || skip "cannot unmount tracefs from $dir (busy?)"
	ok "unmounted $dir"
else
	ok "$dir not mounted to begin with"
fi

log=$(new_log grow)
run_memtrace -o /dev/stdout -f grow_mib -- "$TARGETS/grow" --log "$log" 8 4
assert_rc 0 "launch without tracefs"
assert_calls_match "$MT_OUT" grow_mib "$log"
if mountpoint -q "$dir"; then
	ok "memtrace mounted tracefs on $dir itself"
else
	ok "memtrace did without tracefs"
fi
