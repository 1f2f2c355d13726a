#!/bin/sh
# Regenerate the checked-in vmlinux.h from the running kernel's BTF.
# The header is checked in so builds do not depend on the build machine's kernel (CO-RE relocates at load).
set -eu
arch=${1:-x86}
out="$(dirname "$0")/../vmlinux/$arch/vmlinux.h"
btf=/sys/kernel/btf/vmlinux
[ -r "$btf" ] || { echo "gen-vmlinux: $btf not readable: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
