/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one reader of saved NDJSON streams (memtrace -o FILE, --json > FILE;
 * schema in docs/schema.md, which tests/jsonlint.py reads), for `memtrace report`,
 * `memtrace plot` and every later reader. A stream is hostile input: lines
 * are read with a bound on their length (never the whole file at once), each
 * record is parsed strictly by jansson (valid UTF-8, no NaN, no duplicate
 * keys) within a memory budget, and every number is checked against a sane
 * range before anyone computes with it. Every problem is one line,
 * "memtrace: FILE:LINE: what; what to do", and a -1 to the caller.
 */
#ifndef MT_STREAM_H
#define MT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "profile.h"

/* A summary record of 100,000 functions is about 25 MiB: room for some more. */
#define MT_STREAM_MAX_LINE (64u << 20)
#define MT_STREAM_MAX_LINE_TEXT "64 MiB"
/* What jansson may hold for one parsed record: its tree is 10-15x its text. */
#define MT_STREAM_MAX_TREE ((size_t)512 << 20)
/* The budget in force: MT_STREAM_MAX_TREE, lowered by tests to reach it quickly. */
extern size_t mt_stream_tree_limit;
/* Sizes in bytes: up to 1 EiB either way, so a difference of two never overflows. */
#define MT_STREAM_MAX_BYTES (INT64_C(1) << 60)
/*
 * Stacks (user/profile.h) from "frame" and "stack" records: frames in a
 * stack, frames and their names in a stream. Far past what a run writes:
 * 16 KiB of copied stack and 64 Python frames make a few hundred frames.
 */
#define MT_STREAM_MAX_STACK 16384
#define MT_STREAM_MAX_FRAMES (1u << 22)
#define MT_STREAM_MAX_FRAME_TEXT ((size_t)256 << 20)
/* Frame ids held by the distinct stacks together: 256 MiB of them. */
#define MT_STREAM_MAX_STACK_IDS ((size_t)64 << 20)
/* Times in seconds (t, dur, duration): up to ~30 years. */
#define MT_STREAM_MAX_SECONDS 1e9

/* How each line is parsed: strict, with duplicate keys an error; any value, to name it in errors. */
#define MT_STREAM_JSON_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)

/* The record types of schema 1; others are skipped (a newer writer may add some). */
enum mt_stream_rec_type {
	MT_STREAM_REC_START,
	MT_STREAM_REC_CALL,
	MT_STREAM_REC_SAMPLE,
	MT_STREAM_REC_LOST,
	MT_STREAM_REC_EXIT,
	MT_STREAM_REC_SUMMARY,
	MT_STREAM_REC_ERROR,
	MT_STREAM_REC_STRETCH,
	MT_STREAM_REC_FRAME,
	MT_STREAM_REC_STACK,
};

struct mt_stream {
	/* The current record, valid until the next mt_stream_next(). */
	json_t *rec;
	enum mt_stream_rec_type type;
	const char *type_name;
	double t;
	/* Where it came from, for messages. */
	const char *name; /* the path, or "stdin" */
	size_t lineno;
	size_t nrecords;  /* memtrace records read so far */

	FILE *f;
	char *buf;        /* bytes read and not yet consumed: buf[start..len) */
	size_t cap, len, start;
	size_t scanned;   /* bytes after start already known to hold no newline */
	bool eof;
	size_t frame_text; /* bytes of names in "frame" records so far */
	size_t stack_ids;  /* frame ids in the distinct stacks so far */
	char *err;        /* where problems go, or NULL for stderr */
	size_t errlen;
};

/*
 * Opens path ("-" is stdin). 0, or -1 after saying why. Problems are said on
 * stderr as "memtrace: ...", or, when err is not NULL, put there (the
 * err/errlen convention of user/log.h) for the caller to say; warnings
 * always go to stderr.
 */
int mt_stream_open(struct mt_stream *st, const char *path, char *err, size_t errlen);
/* The next memtrace record into st->rec: 1, 0 at the end, or -1 after saying why. */
int mt_stream_next(struct mt_stream *st);
void mt_stream_close(struct mt_stream *st);

/* Says "NAME:LINE: <fmt>" (on stderr as "memtrace: ...", or into err); returns -1. */
int mt_stream_bad(const struct mt_stream *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Fields of o (the record, or an object inside it). Each returns 0 with *out
 * set, or -1 after naming the record, the key and what was wrong (missing,
 * wrong type, out of range).
 */
int mt_stream_int(const struct mt_stream *st, const json_t *o, const char *key, int64_t min,
		  int64_t max, int64_t *out);
/* An integer or null (unknown): *known tells which; *out is 0 for null. */
int mt_stream_int_or_null(const struct mt_stream *st, const json_t *o, const char *key,
			  int64_t min, int64_t max, int64_t *out, bool *known);
/* A size in bytes: an integer within +-MT_STREAM_MAX_BYTES, or from 0 when !signed_. */
int mt_stream_bytes(const struct mt_stream *st, const json_t *o, const char *key, bool signed_,
		    int64_t *out);
int mt_stream_num(const struct mt_stream *st, const json_t *o, const char *key, double min,
		  double max, double *out);
int mt_stream_str(const struct mt_stream *st, const json_t *o, const char *key,
		  const char **out);
/* A string or null (*out NULL). */
int mt_stream_str_or_null(const struct mt_stream *st, const json_t *o, const char *key,
			  const char **out);
/* Optional keys: absent leaves *out alone; present must have the type. */
int mt_stream_opt_str(const struct mt_stream *st, const json_t *o, const char *key,
		      const char **out);
int mt_stream_opt_bool(const struct mt_stream *st, const json_t *o, const char *key, bool *out);
int mt_stream_opt_int(const struct mt_stream *st, const json_t *o, const char *key, int64_t min,
		      int64_t max, int64_t *out);
int mt_stream_arr(const struct mt_stream *st, const json_t *o, const char *key, json_t **out);
/* Item i of array a (named what) must be an object. */
int mt_stream_obj_at(const struct mt_stream *st, const json_t *a, const char *what, size_t i,
		     json_t **out);

/* Array key of o as a NULL-terminated array of its strings (borrowed; free() the array). */
int mt_stream_strings(const struct mt_stream *st, const json_t *o, const char *key,
		      const char ***out);

/*
 * The stacks of a stream, for each of its readers: a "frame" record interns
 * its frame into p (ids must come 0, 1, 2, ... with no frame twice), a
 * "stack" record adds a sample of frames already defined, and the summary's
 * sample_bytes sets p->sample_bytes. Other records are left alone. 0, or
 * -1 after saying why.
 */
int mt_stream_profile(struct mt_stream *st, struct mt_profile *p);

/* "an integer", "a string", ...: for messages about a value. */
const char *mt_stream_describe(const json_t *v);

#endif
