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

/*
 * The one way a function reports why it failed: it returns -errno and
 * formats a one-line reason into its caller's err buffer of errlen bytes
 * (NULL or 0: no reason wanted). mt_add_err() appends to the reason there.
 */
void mt_set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void mt_add_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
