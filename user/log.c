// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include "json.h"
#include "log.h"

int mt_verbose;

/* Longest message kept; the err buffers that feed most messages are 1024 bytes. */
#define MSG_MAX 4096

/* Printable as it is: plain ASCII, or a UTF-8 character other than a C1 control. */
static size_t printable_len(const unsigned char *s)
{
	size_t n = mt_utf8_len(s);

	if (n == 1)
		return s[0] >= 0x20 && s[0] != 0x7f;
	/* U+0080..U+009F: C1 controls (U+009B is CSI to some terminals). */
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
		return 0;
	return n;
}

/*
 * msg into out as one line of printable text: names in messages come from
 * the command line, the target's files and its memory, and a raw ESC or
 * newline in one would redraw the user's terminal or forge a line of ours.
 * Valid UTF-8 stays as it is; control bytes, DEL, C1 controls and bytes of
 * invalid UTF-8 become \xHH. out holds 4 * strlen(msg) + 1 bytes.
 */
static void escape_line(char *out, const char *msg)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)msg;

	while (*s) {
		size_t n = printable_len(s);

		if (n) {
			while (n--)
				*out++ = *s++;
			continue;
		}
		n = mt_utf8_len(s) ?: 1;
		while (n--) {
			*out++ = '\\';
			*out++ = 'x';
			*out++ = hex[*s >> 4];
			*out++ = hex[*s++ & 15];
		}
	}
	*out = '\0';
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char msg[MSG_MAX], line[4 * MSG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	escape_line(line, msg);
	/* One call: stderr is unbuffered, and a line must not be interleaved with another's. */
	fprintf(stderr, "memtrace: %s%s\n", prefix, line);
}

void mt_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void mt_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void mt_info(int level, const char *fmt, ...)
{
	va_list ap;

	if (mt_verbose < level)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void mt_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
