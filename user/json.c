// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Streaming JSON writer. The writer only tracks where separators go; it
 * never buffers a record, so a crash loses at most the line being written.
 * Allocation failures (nesting deeper than the initial stack) are sticky
 * and reported by mt_json_end_record(), so callers check once per record.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "json.h"
#include "utf8.h"

struct mt_json {
	FILE *f;
	/* first[i]: nothing written yet in the container at depth i */
	bool *first;
	size_t depth, cap;
	bool after_key;
	bool hold; /* records are flushed by mt_json_flush(), not one by one */
	int err; /* first -errno seen, sticky until the end of the record */
};

struct mt_json *mt_json_new(FILE *f)
{
	struct mt_json *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->cap = 16;
	j->first = calloc(j->cap, sizeof(*j->first));
	if (!j->first) {
		free(j);
		return NULL;
	}
	j->f = f;
	return j;
}

void mt_json_free(struct mt_json *j)
{
	if (!j)
		return;
	free(j->first);
	free(j);
}

/* Writes the separator a new value or key needs at the current position. */
static void sep(struct mt_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (!j->first[j->depth - 1])
		fputc(',', j->f);
	j->first[j->depth - 1] = false;
}

static void push(struct mt_json *j, char open)
{
	sep(j);
	fputc(open, j->f);
	if (mt_grow(&j->first, &j->cap, j->depth + 1, sizeof(*j->first))) {
		/* Keep the output balanced-looking; the record is reported failed. */
		j->err = j->err ?: -ENOMEM;
		return;
	}
	j->first[j->depth++] = true;
}

static void pop(struct mt_json *j, char close)
{
	if (j->depth > 0)
		j->depth--;
	else
		j->err = j->err ?: -EINVAL; /* unbalanced end: a caller bug */
	j->after_key = false;
	fputc(close, j->f);
}

void mt_json_obj_begin(struct mt_json *j)
{
	push(j, '{');
}

void mt_json_obj_end(struct mt_json *j)
{
	pop(j, '}');
}

void mt_json_arr_begin(struct mt_json *j)
{
	push(j, '[');
}

void mt_json_arr_end(struct mt_json *j)
{
	pop(j, ']');
}

static void put_escaped(FILE *f, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *run = s; /* bytes that need no escaping, written in one go */

	fputc('"', f);
	while (*s) {
		unsigned char c = *s;
		size_t n = mt_utf8_len(s);
		const char *esc = NULL;

		if (n > 1 || (n == 1 && c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)) {
			s += n;
			continue;
		}
		fwrite(run, 1, s - run, f);
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		}
		if (esc) {
			fputs(esc, f);
		} else {
			/* Other controls, DEL, and each byte of invalid UTF-8 (read as Latin-1). */
			fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		}
		s++;
		run = s;
	}
	fwrite(run, 1, s - run, f);
	fputc('"', f);
}

void mt_json_key(struct mt_json *j, const char *key)
{
	sep(j);
	put_escaped(j->f, key ? key : "");
	fputc(':', j->f);
	j->after_key = true;
}

void mt_json_str(struct mt_json *j, const char *s)
{
	if (!s) {
		mt_json_null(j);
		return;
	}
	sep(j);
	put_escaped(j->f, s);
}

/*
 * Digits without printf: a hot traced function streams a million records a
 * second, and printf's format parsing was most of the cost of each.
 */
static void put_uint(FILE *f, uint64_t v, int min_digits)
{
	char buf[24], *p = buf + sizeof(buf);
	int n = 0;

	do {
		*--p = '0' + v % 10;
		v /= 10;
		n++;
	} while (v || n < min_digits);
	fwrite_unlocked(p, 1, buf + sizeof(buf) - p, f);
}

void mt_json_int(struct mt_json *j, int64_t v)
{
	sep(j);
	if (v < 0) {
		fputc_unlocked('-', j->f);
		/* Negate in unsigned arithmetic: INT64_MIN has no positive twin. */
		put_uint(j->f, -(uint64_t)v, 1);
	} else {
		put_uint(j->f, v, 1);
	}
}

void mt_json_uint(struct mt_json *j, uint64_t v)
{
	sep(j);
	put_uint(j->f, v, 1);
}

void mt_json_double(struct mt_json *j, double v, int decimals)
{
	if (!isfinite(v)) {
		/* JSON has no NaN or Infinity. */
		mt_json_null(j);
		return;
	}
	if (decimals < 0)
		decimals = 0;
	sep(j);
	/* Seconds in the stream are small: scaled to an integer, they print without printf. */
	if (decimals <= 9 && fabs(v) < 1e9) {
		static const double scale[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };
		static const uint64_t iscale[] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
						   10000000, 100000000, 1000000000 };
		uint64_t u = (uint64_t)llround(fabs(v) * scale[decimals]);

		if (v < 0 && u)
			fputc_unlocked('-', j->f);
		put_uint(j->f, u / iscale[decimals], 1);
		if (decimals) {
			fputc_unlocked('.', j->f);
			put_uint(j->f, u % iscale[decimals], decimals);
		}
		return;
	}
	/* %f never uses an exponent, and memtrace never calls setlocale(): '.' it is. */
	fprintf(j->f, "%.*f", decimals, v);
}

void mt_json_bool(struct mt_json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void mt_json_null(struct mt_json *j)
{
	sep(j);
	fputs("null", j->f);
}

int mt_json_end_record(struct mt_json *j)
{
	int err = j->err;

	fputc('\n', j->f);
	/* A reader tailing the stream (or a crash right after) sees whole records. */
	if ((!j->hold && fflush(j->f) == EOF) || ferror(j->f))
		err = err ?: (errno ? -errno : -EIO);
	j->depth = 0;
	j->after_key = false;
	j->err = 0;
	return err;
}

void mt_json_hold(struct mt_json *j, bool hold)
{
	j->hold = hold;
}

int mt_json_flush(struct mt_json *j)
{
	if (fflush(j->f) == EOF || ferror(j->f))
		return errno ? -errno : -EIO;
	return 0;
}

char *mt_json_quote(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (s)
		put_escaped(f, s);
	else
		fputs("null", f);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

