/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Parsing of -f target specs: NAME, OBJECT:NAME, FILE.py:NAME. */
#ifndef MT_SPEC_H
#define MT_SPEC_H

struct mt_spec {
	char *text;   /* the spec as written */
	char *object; /* OBJECT or FILE.py part, NULL when absent */
	char *name;   /* function name (may contain "::" for C++) */
};

/*
 * Split at the first ':' that is not part of "::", so C++ names such as
 * "ns::f" and "libfoo.so:ns::f" parse as expected. Returns 0, or -EINVAL with
 * a one-line reason in err (empty name, empty object, stray ':').
 */
int mt_spec_parse(const char *text, struct mt_spec *out, char *err, unsigned long errlen);
void mt_spec_free(struct mt_spec *spec);

#endif
