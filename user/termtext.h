/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Text from a target or a saved stream, made safe for a terminal: names and
 * source lines come from processes memtrace does not trust, and an ESC or a
 * newline in one would move the cursor, rewrite the user's screen or forge
 * a line of memtrace's own. Valid UTF-8 text stays as it is; C0 controls,
 * DEL, C1 controls (U+0080..U+009F, CSI among them) and bytes of invalid
 * UTF-8 become \xHH.
 */
#ifndef MT_TERMTEXT_H
#define MT_TERMTEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Escapes len bytes of s (NUL bytes included) into out, which holds 4 * len + 1 bytes. */
void mt_term_escape_into(char *out, const char *s, size_t len, bool keep_tabs);
/* The same into a malloc'd string; NULL when out of memory. */
char *mt_term_escape(const char *s, size_t len, bool keep_tabs);

#endif
