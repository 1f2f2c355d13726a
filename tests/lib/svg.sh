# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash

# --- plots (tests/integ/ts_*.sh) -------------------------------------------

# require_svg_tools: xmllint (libxml2-utils) and rsvg-convert (librsvg2-bin).
require_svg_tools()
{
	command -v xmllint >/dev/null || skip "xmllint not installed (libxml2-utils)"
	command -v rsvg-convert >/dev/null || skip "rsvg-convert not installed (librsvg2-bin)"
}

# assert_svg SVG FUNC...: SVG is well-formed XML (xmllint), renders to a PNG
# (rsvg-convert, non-empty, a real PNG), is self-contained (no href= of any
# kind, no <script, no @import, no url() other than url(#id) into the file)
# and shows each FUNC's name in its text.
assert_svg()
{
	local svg=$1 png res
	shift
	[ -s "$svg" ] || fail "SVG $svg missing or empty"
	res=$(xmllint --noout "$svg" 2>&1) || fail "SVG $svg is not well-formed (xmllint): $res"
	ok "xmllint --noout $(basename "$svg")"
	png=${svg%.svg}.render.png
	res=$(rsvg-convert -o "$png" "$svg" 2>&1) || fail "rsvg-convert cannot render $svg: $res"
	res=$("$PY" "$LIB_DIR/lib/svgcheck.py" "$svg" "$png" "$@" 2>&1) || fail "SVG $svg: $res"
	echo "$res"
}
