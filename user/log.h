/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Diagnostics on stderr: errors are one line, prefixed "memtrace: ". */
#ifndef MT_LOG_H
#define MT_LOG_H

#include <stddef.h>

extern int mt_verbose;

void mt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed with -v (level 1) or -vv (level 2). */
void mt_info(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Format a one-line reason into a caller's buffer (the err/errlen convention). */
void mt_set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
