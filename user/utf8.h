/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * UTF-8, the one place: names and source lines come from targets and saved
 * streams as arbitrary bytes, and every writer (JSON, terminal, SVG) must
 * tell valid text from bytes it has to escape or replace.
 */
#ifndef MT_UTF8_H
#define MT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length of the valid UTF-8 sequence at s (1-4), or 0 if the bytes there
 * are not one (overlong forms, surrogates and code points past U+10FFFF
 * are invalid). Reads no further than the first byte that fails, so a NUL
 * terminator stops it.
 */
size_t mt_utf8_len(const unsigned char *s);
/* Encodes code point c into out (4 bytes of room); past U+10FFFF gives U+FFFD. Bytes written. */
size_t mt_utf8_put(char *out, uint32_t c);
/* Code points in a NUL-terminated string: its terminal width, close enough. */
size_t mt_utf8_width(const char *s);

#endif
