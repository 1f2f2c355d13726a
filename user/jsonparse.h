/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small, strict JSON parser (RFC 8259) into a tree, for reading memtrace's
 * own NDJSON streams back (`memtrace report`, tests). Strict: no comments,
 * no trailing commas, no NaN/Infinity, input strings must be valid UTF-8,
 * \u escapes must pair surrogates. One value per call, whitespace around it.
 */
#ifndef MT_JSONPARSE_H
#define MT_JSONPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Containers nested deeper than this are rejected (the parser recurses). */
#define MT_JSON_MAX_DEPTH 256

enum mt_jtype {
	MT_JNULL,
	MT_JBOOL,
	MT_JNUM,
	MT_JSTR,
	MT_JARR,
	MT_JOBJ,
};

struct mt_jmember;

struct mt_jval {
	enum mt_jtype type;
	union {
		bool b;
		struct {
			double d;     /* always set */
			int64_t i;    /* set when is_int */
			bool is_int;  /* literal had no fraction/exponent and fits int64 */
		} num;
		struct {
			char *s;      /* UTF-8, NUL-terminated; may hold NULs from \u0000 */
			size_t len;
		} str;
		struct {
			struct mt_jval *items;
			size_t n;
		} arr;
		struct {
			struct mt_jmember *members; /* in input order; duplicates kept */
			size_t n;
		} obj;
	};
};

struct mt_jmember {
	char *key;
	size_t key_len;
	struct mt_jval val;
};

struct mt_jerr {
	const char *msg; /* static text, e.g. "expected ':' after object key" */
	size_t offset;   /* byte offset into the input where it went wrong */
};

/*
 * Parses text[0..len) (need not be NUL-terminated). On success returns 0
 * and *out (free with mt_jval_free). On failure returns -EINVAL (err filled)
 * or -ENOMEM, and *out is NULL. err may be NULL.
 */
int mt_jparse(const char *text, size_t len, struct mt_jval **out, struct mt_jerr *err);
void mt_jval_free(struct mt_jval *v); /* NULL-safe */

/* Member of an object by key (first match), NULL if v is not an object or lacks it. */
const struct mt_jval *mt_jobj_get(const struct mt_jval *v, const char *key);
/* "null", "boolean", "number", "string", "array", "object" */
const char *mt_jtype_name(enum mt_jtype t);

/* Typed lookups: true and *out set when key exists with that type. */
bool mt_jget_str(const struct mt_jval *obj, const char *key, const char **out);
bool mt_jget_int(const struct mt_jval *obj, const char *key, int64_t *out); /* integral only */
bool mt_jget_num(const struct mt_jval *obj, const char *key, double *out);
bool mt_jget_bool(const struct mt_jval *obj, const char *key, bool *out);

#endif
