#!/bin/bash
# a kernel without BTF (an old or stripped-down kernel): one clear line, exit 1, the target untouched
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
command -v unshare >/dev/null || fail "unshare (util-linux) missing"

# Hide /sys/kernel/btf in a private mount namespace: memtrace then sees what
# it would on a kernel built without CONFIG_DEBUG_INFO_BTF.
start_target busy
SEQ=$((SEQ + 1))
MT_OUT=$TMP/mt.$SEQ.out
MT_ERR=$TMP/mt.$SEQ.err
timeout -k 5 30 unshare --mount --propagation private sh -c \
	"mount -t tmpfs none /sys/kernel/btf && exec '$MEMTRACE' -p $T_PID -f busy_work" >"$MT_OUT" 2>"$MT_ERR"
MT_RC=$?
assert_error 1 "no BTF"
grep -q 'BTF' "$MT_ERR" || fail "the error does not name BTF: $(cat "$MT_ERR")"
assert_unharmed "$T_PID"
