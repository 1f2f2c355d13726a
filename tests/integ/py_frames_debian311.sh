#!/bin/bash
# Python default mode (frame walking) on Debian's python3.11 (no --exact): growth per function and per line, launch and attach
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
[ -x "$PY_USDT" ] || skip "$PY_USDT is not installed"
py_check_frames "$PY_USDT"
