/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Helpers for unit tests that build and inspect fixture programs at run time. */
#ifndef MT_FIXTURE_H
#define MT_FIXTURE_H

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

/* libc's own definition (RTLD_DEFAULT could find a sanitizer's interposed one). */
static __attribute__((unused)) void *libc_sym(const char *name)
{
	void *h = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);

	return h ? dlsym(h, name) : NULL;
}

/* system() on a formatted command; returns its exit status, -1 if it did not exit. */
static __attribute__((unused, format(printf, 1, 2))) int sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	r = system(cmd);
	free(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

#endif
