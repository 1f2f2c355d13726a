# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# Shared helpers for tests/integ/*.sh, sourced by each test:
#   . "$(dirname "$0")/../lib.sh"
# A test exits 0 (pass), 2 (skip, with "SKIP: reason" printed) or anything
# else (fail). Every test gets a private $TMP and an EXIT trap that stops
# whatever it started and checks that memtrace left nothing behind.
#
# The helpers live in tests/lib/, one file per job:
#   harness.sh  results, preconditions, $TMP and cleanup, targets, running memtrace
#   assert.sh   comparisons of numbers and table cells
#   stream.sh   queries of the NDJSON stream (mtq, mtpy: tests/lib/mtq.py)
#   python.sh   Python targets (tests/integ/py_*.sh)
#   svg.sh      plots (tests/integ/ts_*.sh)
#   procs.sh    several processes (tests/integ/procs_*.sh)

set -u

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LIB_DIR/.." && pwd)
OUTPUT=${OUTPUT:-.output}
case $OUTPUT in
/*) OUT_DIR=$OUTPUT ;;
*) OUT_DIR=$ROOT/$OUTPUT ;;
esac
MEMTRACE=${MEMTRACE:-$ROOT/memtrace}
TARGETS=$OUT_DIR/targets
# Debian's python: the one on PATH may be a pyenv shim.
PY=/usr/bin/python3
JSONLINT=$ROOT/tests/jsonlint.py
TEST_NAME=$(basename "$0" .sh)
MIB=1048576
# Accuracy the tests demand of memtrace against a target's own RSS view.
TOL_ABS=16384 # bytes
TOL_REL=0.01  # of the expected value

# shellcheck source=tests/lib/harness.sh
. "$LIB_DIR/lib/harness.sh"
# shellcheck source=tests/lib/assert.sh
. "$LIB_DIR/lib/assert.sh"
# shellcheck source=tests/lib/stream.sh
. "$LIB_DIR/lib/stream.sh"
# shellcheck source=tests/lib/python.sh
. "$LIB_DIR/lib/python.sh"
# shellcheck source=tests/lib/svg.sh
. "$LIB_DIR/lib/svg.sh"
# shellcheck source=tests/lib/procs.sh
. "$LIB_DIR/lib/procs.sh"
