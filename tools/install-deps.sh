#!/bin/sh
# Install what memtrace needs to build and test on Debian 12, from Debian's packages only.
#   tools/install-deps.sh          build + run dependencies
#   tools/install-deps.sh --test   also what the test suite uses
#   tools/install-deps.sh --bench  also what the benchmarks compare against
set -eu

# libjansson-dev: the JSON parser that reads saved streams back (user/stream.c).
# libdw-dev: stack unwinding (user/unwind.c); libdebuginfod-dev: debug files of stripped objects (user/debuginfo.c).
# libmicrohttpd-dev: the --listen server (user/http.c).
build="make gcc g++ clang pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev libjansson-dev libdw-dev libdebuginfod-dev libmicrohttpd-dev"
# The bundled examples: a native one (C) and the Python seed program (numpy).
run="python3 python3-numpy python3.11"
# Tests: JSON lint (python3), SVG checks, mprof interop, unprivileged runs (setpriv), pgrep,
# a local debuginfod server (tests/integ/debuginfod.sh), --pprof files read back by
# `go tool pprof` (tests/integ/pprof_read.sh), a Prometheus server and promtool scraping
# --listen (tests/integ/listen_*.sh, with curl).
test="libxml2-utils librsvg2-bin python3-memory-profiler python3-matplotlib util-linux procps binutils debuginfod golang-go prometheus curl"

# Benchmarks (make bench): the tools memtrace is compared with.
bench="bpftrace heaptrack valgrind gdb time python3-memory-profiler python3-matplotlib"

pkgs="$build $run"
case "${1:-}" in
--test) pkgs="$pkgs $test" ;;
--bench) pkgs="$pkgs $test $bench" ;;
"") ;;
*) echo "install-deps: unknown option '$1' (use --test or --bench)" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get install needs it)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
echo "install-deps: installed $pkgs"
