// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "termtext.h"
#include "log.h"

int mt_verbose;

/* Longest message kept; the err buffers that feed most messages are 1024 bytes. */
#define MSG_MAX 4096

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char msg[MSG_MAX], line[4 * MSG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Names in messages come from the command line, the target's files and its memory. */
	mt_term_escape_into(line, msg, strlen(msg), false);
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

void mt_add_err(char *err, size_t errlen, const char *fmt, ...)
{
	size_t len = err && errlen ? strnlen(err, errlen) : errlen;
	va_list ap;

	if (len + 1 >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + len, errlen - len, fmt, ap);
	va_end(ap);
}
