// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdint.h>
#include <stdlib.h>
#include "json.h"
#include "termtext.h"
#include "utf8.h"

/* Length of the printable character at s (at most avail bytes), 0 if it must be escaped. */
static size_t printable_len(const unsigned char *s, size_t avail, bool keep_tabs)
{
	size_t n = *s ? mt_utf8_len(s) : 0;

	if (n > avail)
		return 0;
	if (n == 1 && ((*s < 0x20 && !(keep_tabs && *s == '\t')) || *s == 0x7f))
		return 0;
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
		return 0;
	return n;
}

void mt_term_escape_into(char *out, const char *str, size_t len, bool keep_tabs)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str, *end = s + len;

	while (s < end) {
		size_t n = printable_len(s, end - s, keep_tabs);

		if (n) {
			while (n--)
				*out++ = (char)*s++;
			continue;
		}
		*out++ = '\\';
		*out++ = 'x';
		*out++ = hex[*s >> 4];
		*out++ = hex[*s++ & 15];
	}
	*out = '\0';
}

char *mt_term_escape(const char *s, size_t len, bool keep_tabs)
{
	char *out = len < (SIZE_MAX - 1) / 4 ? malloc(4 * len + 1) : NULL;

	if (out)
		mt_term_escape_into(out, s, len, keep_tabs);
	return out;
}
