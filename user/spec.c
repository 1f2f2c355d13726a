// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Parsing of -f target specs: NAME, OBJECT:NAME, FILE.py:NAME. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "spec.h"

/*
 * Index of the OBJECT/NAME separator, or -1. Colons come in runs: a run of
 * even length is C++ scoping ("ns::f"); in a run of odd length the first
 * colon separates, so "lib:::f" is object "lib", name "::f" (global scope).
 * Brackets hold no separator: a demangled ABI tag, "load[abi:cxx11]", is
 * part of the name.
 */
static long find_separator(const char *s)
{
	size_t i = 0, run;
	const char *close;

	while (s[i]) {
		if (s[i] == '[' && (close = strchr(s + i, ']'))) {
			i = (size_t)(close - s) + 1;
			continue;
		}
		if (s[i] != ':') {
			i++;
			continue;
		}
		run = strspn(s + i, ":");
		if (run % 2)
			return (long)i;
		i += run;
	}
	return -1;
}

/* A name may hold "::" but never a lone ':' (a second OBJECT: prefix, a typo). */
static bool has_lone_colon(const char *s)
{
	return find_separator(s) >= 0;
}

static int fail(char *err, unsigned long errlen, const char *fmt, const char *text)
{
	mt_set_err(err, errlen, fmt, text);
	return -EINVAL;
}

int mt_spec_parse(const char *text, struct mt_spec *out, char *err, unsigned long errlen)
{
	const char *name = text;
	long sep;

	memset(out, 0, sizeof(*out));
	if (!text || !*text)
		return fail(err, errlen, "empty function spec%s", "");

	sep = find_separator(text);
	if (sep == 0)
		return fail(err, errlen, "'%s' has an empty object before ':'; use NAME or OBJECT:NAME", text);
	if (sep > 0)
		name = text + sep + 1;
	if (!*name)
		return fail(err, errlen, "'%s' has no function name after ':'; use NAME or OBJECT:NAME", text);
	if (has_lone_colon(name))
		return fail(err, errlen,
			    "'%s' has more than one OBJECT: separator; use OBJECT:NAME (C++ scopes use '::')",
			    text);

	out->text = strdup(text);
	out->name = strdup(name);
	if (sep > 0)
		out->object = strndup(text, (size_t)sep);
	if (!out->text || !out->name || (sep > 0 && !out->object)) {
		mt_spec_free(out);
		fail(err, errlen, "out of memory parsing '%s'", text);
		return -ENOMEM;
	}
	return 0;
}

void mt_spec_free(struct mt_spec *spec)
{
	if (!spec)
		return;
	free(spec->text);
	free(spec->object);
	free(spec->name);
	spec->text = spec->object = spec->name = NULL;
}
