/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A streaming JSON writer (in the manner of bpftool's json_writer): commas
 * and nesting are tracked for the caller. Strings are escaped so the output
 * is valid JSON whatever bytes they hold: invalid UTF-8 bytes become \u00XX
 * of the byte value (Latin-1 reading), control characters are escaped.
 */
#ifndef MT_JSON_H
#define MT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct mt_json;

struct mt_json *mt_json_new(FILE *f); /* NULL on ENOMEM */
void mt_json_free(struct mt_json *j); /* NULL-safe; does not close f */

void mt_json_obj_begin(struct mt_json *j);
void mt_json_obj_end(struct mt_json *j);
void mt_json_arr_begin(struct mt_json *j);
void mt_json_arr_end(struct mt_json *j);
void mt_json_key(struct mt_json *j, const char *key); /* inside an object, before a value */
void mt_json_str(struct mt_json *j, const char *s);   /* NULL writes null */
void mt_json_int(struct mt_json *j, int64_t v);
void mt_json_uint(struct mt_json *j, uint64_t v);
void mt_json_double(struct mt_json *j, double v, int decimals); /* non-finite writes null */
void mt_json_bool(struct mt_json *j, bool v);
void mt_json_null(struct mt_json *j);
/* Ends a top-level record: newline and fflush. Returns 0 or -errno from the stream. */
int mt_json_end_record(struct mt_json *j);

/*
 * hold: end records without flushing each; the caller flushes with
 * mt_json_flush() (a million call records a second would otherwise be a
 * million write() calls competing with the traced process for the CPU).
 */
void mt_json_hold(struct mt_json *j, bool hold);
int mt_json_flush(struct mt_json *j); /* 0 or -errno */

/* Escape s into a JSON string literal with quotes, into out (malloc'd). For tests and tables. */
char *mt_json_quote(const char *s);

#endif
