#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""svgcheck.py SVG PNG FUNC...: the checks of assert_svg (tests/lib/svg.sh)."""
import re, sys
import xml.etree.ElementTree as ET
svg, png, funcs = sys.argv[1], sys.argv[2], sys.argv[3:]
err = []
with open(png, "rb") as f:
    head = f.read(8)
    f.seek(0, 2)
    size = f.tell()
if head != b"\x89PNG\r\n\x1a\n" or size < 1000:
    err.append("rsvg-convert wrote no real PNG (%d bytes, starts %r)" % (size, head))
else:
    print("ok: renders: %d-byte PNG" % size)
data = open(svg, encoding="utf-8").read()
for pat, what in ((r"href\s*=", "a link (href=, xlink:href=)"),
                  (r"<\s*script", "a <script>"),
                  (r"@import", "an @import"),
                  (r"url\(\s*['\"]?\s*[^#'\"\s]", "a url() to something outside the file")):
    m = re.search(pat, data, re.I)
    if m:
        err.append("not self-contained: %s: %r" % (what, data[max(0, m.start() - 60):m.end() + 60]))
root = ET.fromstring(data)
if root.tag != "{http://www.w3.org/2000/svg}svg":
    err.append("root element is %s, want svg in the SVG namespace" % root.tag)
texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
for f in funcs:
    if not any(f in t for t in texts):
        err.append("function %s does not appear in any <text> (texts: %r)" % (f, texts[:40]))
if err:
    sys.exit("\n".join(err))
print("ok: self-contained (no href, script, @import, external url()); %d texts name %s" % (len(texts), ", ".join(funcs)))
