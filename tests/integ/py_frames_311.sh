#!/bin/bash
# Python default mode (frame walking) on pyenv's CPython 3.11: growth per function and per line as lines.py saw it, launch and attach
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
interp=$(py_interp 3.11.7) || skip "CPython 3.11.7 is not installed ($PYENV_VERSIONS/3.11.7)"
py_check_frames "$interp"
