// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Strict recursive-descent JSON parser. Every parse function either fills
 * its value completely or frees what it built and leaves a JSON null, so
 * the error path never leaks and never frees twice.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonparse.h"

struct parser {
	const unsigned char *start, *s, *end;
	struct mt_jerr *err;
	int depth;
	int rc; /* -EINVAL or -ENOMEM once failed */
};

static int fail(struct parser *p, const char *msg)
{
	if (!p->rc) {
		p->rc = -EINVAL;
		if (p->err) {
			p->err->msg = msg;
			p->err->offset = p->s - p->start;
		}
	}
	return p->rc;
}

static int nomem(struct parser *p)
{
	if (!p->rc) {
		p->rc = -ENOMEM;
		if (p->err) {
			p->err->msg = "out of memory";
			p->err->offset = p->s - p->start;
		}
	}
	return p->rc;
}

static void skip_ws(struct parser *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

static void free_contents(struct mt_jval *v)
{
	size_t i;

	switch (v->type) {
	case MT_JSTR:
		free(v->str.s);
		break;
	case MT_JARR:
		for (i = 0; i < v->arr.n; i++)
			free_contents(&v->arr.items[i]);
		free(v->arr.items);
		break;
	case MT_JOBJ:
		for (i = 0; i < v->obj.n; i++) {
			free(v->obj.members[i].key);
			free_contents(&v->obj.members[i].val);
		}
		free(v->obj.members);
		break;
	default:
		break;
	}
	v->type = MT_JNULL;
}

void mt_jval_free(struct mt_jval *v)
{
	if (!v)
		return;
	free_contents(v);
	free(v);
}

static int parse_value(struct parser *p, struct mt_jval *v);

static int parse_literal(struct parser *p, struct mt_jval *v)
{
	static const struct {
		const char *word;
		enum mt_jtype type;
		bool b;
	} lits[] = {
		{ "true", MT_JBOOL, true },
		{ "false", MT_JBOOL, false },
		{ "null", MT_JNULL, false },
	};
	size_t i;

	for (i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		size_t n = strlen(lits[i].word);

		if ((size_t)(p->end - p->s) >= n && !memcmp(p->s, lits[i].word, n)) {
			p->s += n;
			v->type = lits[i].type;
			v->b = lits[i].b;
			return 0;
		}
	}
	return fail(p, "unexpected character");
}

static bool is_digit(const struct parser *p, const unsigned char *s)
{
	return s < p->end && *s >= '0' && *s <= '9';
}

/* JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(struct parser *p, struct mt_jval *v)
{
	const unsigned char *s = p->s;
	bool integral = true;
	char small[64], *buf = small, *endp;
	size_t len;

	if (s < p->end && *s == '-')
		s++;
	if (!is_digit(p, s)) {
		p->s = s;
		return fail(p, "invalid number");
	}
	if (*s == '0') {
		s++;
		if (is_digit(p, s)) {
			p->s = s;
			return fail(p, "leading zero in number");
		}
	} else {
		while (is_digit(p, s))
			s++;
	}
	if (s < p->end && *s == '.') {
		integral = false;
		s++;
		if (!is_digit(p, s)) {
			p->s = s;
			return fail(p, "digit expected after '.'");
		}
		while (is_digit(p, s))
			s++;
	}
	if (s < p->end && (*s == 'e' || *s == 'E')) {
		integral = false;
		s++;
		if (s < p->end && (*s == '+' || *s == '-'))
			s++;
		if (!is_digit(p, s)) {
			p->s = s;
			return fail(p, "digit expected in exponent");
		}
		while (is_digit(p, s))
			s++;
	}

	/* strtod/strtoll need a terminated copy; the input line need not be. */
	len = s - p->s;
	if (len >= sizeof(small)) {
		buf = malloc(len + 1);
		if (!buf)
			return nomem(p);
	}
	memcpy(buf, p->s, len);
	buf[len] = '\0';

	v->type = MT_JNUM;
	v->num.d = strtod(buf, &endp);
	v->num.is_int = false;
	v->num.i = 0;
	if (integral) {
		errno = 0;
		v->num.i = strtoll(buf, &endp, 10);
		v->num.is_int = errno != ERANGE;
		if (!v->num.is_int)
			v->num.i = 0;
	}
	if (buf != small)
		free(buf);
	if (!isfinite(v->num.d)) {
		v->type = MT_JNULL;
		return fail(p, "number out of range");
	}
	p->s = s;
	return 0;
}

static int hex4(const unsigned char *s, unsigned int *out)
{
	unsigned int v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned int cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | (cp >> 6);
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | (cp >> 12);
		o[1] = 0x80 | ((cp >> 6) & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | (cp >> 18);
	o[1] = 0x80 | ((cp >> 12) & 0x3f);
	o[2] = 0x80 | ((cp >> 6) & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* Length of the valid UTF-8 sequence at s (bounded by end), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80; /* overlong */
		hi = c == 0xed ? 0x9f : 0xbf; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		lo = c == 0xf0 ? 0x90 : 0x80; /* overlong */
		hi = c == 0xf4 ? 0x8f : 0xbf; /* past U+10FFFF */
	} else {
		return 0;
	}
	if ((size_t)(end - s) < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Decodes one escape after the backslash at p->s into o; returns bytes written or -1. */
static int parse_escape(struct parser *p, char *o)
{
	unsigned int cp, lo;
	const char *map = "\"\"\\\\//b\bf\fn\nr\rt\t";
	const unsigned char *s = p->s + 1;
	size_t i;

	if (s >= p->end)
		return fail(p, "unterminated string"), -1;
	if (*s != 'u') {
		for (i = 0; map[i]; i += 2) {
			if (map[i] == *s) {
				o[0] = map[i + 1];
				p->s = s + 1;
				return 1;
			}
		}
		p->s = s;
		return fail(p, "invalid escape in string"), -1;
	}
	if (p->end - s < 5 || hex4(s + 1, &cp)) {
		p->s = s;
		return fail(p, "invalid \\u escape"), -1;
	}
	s += 5;
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		p->s = s - 6;
		return fail(p, "lone low surrogate in \\u escape"), -1;
	}
	if (cp >= 0xd800 && cp <= 0xdbff) {
		/* UTF-16 pair: the low half must follow as another \u escape. */
		if (p->end - s < 6 || s[0] != '\\' || s[1] != 'u' || hex4(s + 2, &lo) ||
		    lo < 0xdc00 || lo > 0xdfff) {
			p->s = s - 6;
			return fail(p, "lone high surrogate in \\u escape"), -1;
		}
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		s += 6;
	}
	p->s = s;
	return put_utf8(o, cp);
}

/* Parses a string at p->s (the opening quote) into a malloc'd buffer. */
static int parse_string_raw(struct parser *p, char **out, size_t *out_len)
{
	const unsigned char *s = p->s + 1;
	char *buf, *o;

	/* Decoded text is never longer than its source: size the buffer from the span. */
	while (s < p->end && *s != '"')
		s += (*s == '\\' && s + 1 < p->end) ? 2 : 1;
	if (s >= p->end) {
		p->s = p->end;
		return fail(p, "unterminated string");
	}
	buf = malloc(s - p->s);
	if (!buf)
		return nomem(p);
	o = buf;
	p->s++;
	while (*p->s != '"') {
		size_t n;
		int w;

		if (*p->s == '\\') {
			w = parse_escape(p, o);
			if (w < 0)
				goto err;
			o += w;
			continue;
		}
		if (*p->s < 0x20) {
			fail(p, "control character in string");
			goto err;
		}
		n = utf8_len(p->s, p->end);
		if (!n) {
			fail(p, "invalid UTF-8 in string");
			goto err;
		}
		memcpy(o, p->s, n);
		o += n;
		p->s += n;
	}
	p->s++;
	*o = '\0';
	*out = buf;
	*out_len = o - buf;
	return 0;
err:
	free(buf);
	return p->rc;
}

static int parse_string(struct parser *p, struct mt_jval *v)
{
	int rc = parse_string_raw(p, &v->str.s, &v->str.len);

	if (!rc)
		v->type = MT_JSTR;
	return rc;
}

/* Grows *items (of size elem) so that index n fits. */
static int grow(struct parser *p, void **items, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *tmp;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	tmp = realloc(*items, ncap * elem);
	if (!tmp)
		return nomem(p);
	*items = tmp;
	*cap = ncap;
	return 0;
}

static int parse_array(struct parser *p, struct mt_jval *v)
{
	size_t cap = 0;

	v->type = MT_JARR;
	v->arr.items = NULL;
	v->arr.n = 0;
	p->s++;
	skip_ws(p);
	if (p->s < p->end && *p->s == ']') {
		p->s++;
		return 0;
	}
	for (;;) {
		if (grow(p, (void **)&v->arr.items, &cap, v->arr.n, sizeof(*v->arr.items)))
			goto err;
		if (parse_value(p, &v->arr.items[v->arr.n]))
			goto err;
		v->arr.n++;
		skip_ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == ']') {
			p->s++;
			return 0;
		}
		fail(p, "expected ',' or ']' in array");
		goto err;
	}
err:
	free_contents(v);
	return p->rc;
}

static int parse_member(struct parser *p, struct mt_jmember *m)
{
	skip_ws(p);
	if (p->s >= p->end || *p->s != '"')
		return fail(p, "expected string key in object");
	if (parse_string_raw(p, &m->key, &m->key_len))
		return p->rc;
	skip_ws(p);
	if (p->s >= p->end || *p->s != ':') {
		fail(p, "expected ':' after object key");
		goto err;
	}
	p->s++;
	if (parse_value(p, &m->val))
		goto err;
	return 0;
err:
	free(m->key);
	return p->rc;
}

static int parse_object(struct parser *p, struct mt_jval *v)
{
	size_t cap = 0;

	v->type = MT_JOBJ;
	v->obj.members = NULL;
	v->obj.n = 0;
	p->s++;
	skip_ws(p);
	if (p->s < p->end && *p->s == '}') {
		p->s++;
		return 0;
	}
	for (;;) {
		if (grow(p, (void **)&v->obj.members, &cap, v->obj.n, sizeof(*v->obj.members)))
			goto err;
		if (parse_member(p, &v->obj.members[v->obj.n]))
			goto err;
		v->obj.n++;
		skip_ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == '}') {
			p->s++;
			return 0;
		}
		fail(p, "expected ',' or '}' in object");
		goto err;
	}
err:
	free_contents(v);
	return p->rc;
}

static int parse_value(struct parser *p, struct mt_jval *v)
{
	int rc;

	v->type = MT_JNULL;
	skip_ws(p);
	if (p->s >= p->end)
		return fail(p, "unexpected end of input");
	switch (*p->s) {
	case '{':
	case '[':
		if (p->depth >= MT_JSON_MAX_DEPTH)
			return fail(p, "nesting too deep");
		p->depth++;
		rc = *p->s == '{' ? parse_object(p, v) : parse_array(p, v);
		p->depth--;
		return rc;
	case '"':
		return parse_string(p, v);
	case '-':
	case '0' ... '9':
		return parse_number(p, v);
	default:
		return parse_literal(p, v);
	}
}

int mt_jparse(const char *text, size_t len, struct mt_jval **out, struct mt_jerr *err)
{
	struct parser p = {
		.start = (const unsigned char *)text,
		.s = (const unsigned char *)text,
		.end = (const unsigned char *)text + len,
		.err = err,
	};
	struct mt_jval *v;

	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return nomem(&p);
	if (parse_value(&p, v)) {
		free(v);
		return p.rc;
	}
	skip_ws(&p);
	if (p.s != p.end) {
		mt_jval_free(v);
		return fail(&p, "unexpected data after the JSON value");
	}
	*out = v;
	return 0;
}

const struct mt_jval *mt_jobj_get(const struct mt_jval *v, const char *key)
{
	size_t i;

	if (!v || v->type != MT_JOBJ)
		return NULL;
	for (i = 0; i < v->obj.n; i++)
		if (!strcmp(v->obj.members[i].key, key))
			return &v->obj.members[i].val;
	return NULL;
}

const char *mt_jtype_name(enum mt_jtype t)
{
	switch (t) {
	case MT_JNULL: return "null";
	case MT_JBOOL: return "boolean";
	case MT_JNUM: return "number";
	case MT_JSTR: return "string";
	case MT_JARR: return "array";
	case MT_JOBJ: return "object";
	}
	return "?";
}

bool mt_jget_str(const struct mt_jval *obj, const char *key, const char **out)
{
	const struct mt_jval *v = mt_jobj_get(obj, key);

	if (!v || v->type != MT_JSTR)
		return false;
	*out = v->str.s;
	return true;
}

bool mt_jget_int(const struct mt_jval *obj, const char *key, int64_t *out)
{
	const struct mt_jval *v = mt_jobj_get(obj, key);

	if (!v || v->type != MT_JNUM || !v->num.is_int)
		return false;
	*out = v->num.i;
	return true;
}

bool mt_jget_num(const struct mt_jval *obj, const char *key, double *out)
{
	const struct mt_jval *v = mt_jobj_get(obj, key);

	if (!v || v->type != MT_JNUM)
		return false;
	*out = v->num.d;
	return true;
}

bool mt_jget_bool(const struct mt_jval *obj, const char *key, bool *out)
{
	const struct mt_jval *v = mt_jobj_get(obj, key);

	if (!v || v->type != MT_JBOOL)
		return false;
	*out = v->b;
	return true;
}
