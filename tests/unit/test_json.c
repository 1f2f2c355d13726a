// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* JSON writer escaping, the strict parser, and every schema 1 record read back. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "json.h"
#include "jsonparse.h"
#include "records.h"
#include "unit.h"

static void check_quote(const char *in, const char *want, const char *what)
{
	char *got = mt_json_quote(in);

	CHECK_STR(got, want, what);
	free(got);
}

static void test_escaping(void)
{
	check_quote("plain", "\"plain\"", "plain ASCII");
	check_quote("", "\"\"", "empty string");
	check_quote(NULL, "null", "NULL is null");
	check_quote("a\"b\\c/d", "\"a\\\"b\\\\c/d\"", "quote and backslash");
	check_quote("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"", "short escapes");
	check_quote("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"", "other controls and DEL");
	check_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		    "valid 2, 3 and 4 byte UTF-8 passes through");
	check_quote("\xff", "\"\\u00ff\"", "invalid byte 0xff");
	check_quote("a\xff\xc3\xa9", "\"a\\u00ff\xc3\xa9\"", "valid UTF-8 right after an invalid byte");
	check_quote("\xc0\xaf", "\"\\u00c0\\u00af\"", "overlong '/' is two invalid bytes");
	check_quote("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"", "UTF-8 encoded surrogate is invalid");
	check_quote("\xe2\x82", "\"\\u00e2\\u0082\"", "sequence cut short by the end");
	check_quote("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"", "past U+10FFFF");
	check_quote("\x80x", "\"\\u0080x\"", "stray continuation byte");
}

/* Every byte value 1..255, in runs that make valid and invalid sequences. */
static void test_binary_mess(void)
{
	char in[1024];
	size_t n = 0;
	struct mt_jval *v = NULL;
	struct mt_jerr err = { 0 };
	char *q;
	int i, rc;

	for (i = 1; i < 256; i++)
		in[n++] = (char)i;
	for (i = 255; i > 0; i -= 3)
		in[n++] = (char)i;
	memcpy(in + n, "\xf0\x9f\x98", 3); /* truncated emoji at the very end */
	n += 3;
	in[n] = '\0';

	q = mt_json_quote(in);
	CHECK(q != NULL, "binary mess quoted");
	if (!q)
		return;
	rc = mt_jparse(q, strlen(q), &v, &err);
	CHECK(rc == 0, "quoted binary mess is valid (strict) JSON: %s at %zu", rc ? err.msg : "ok",
	      err.offset);
	CHECK(v && v->type == MT_JSTR && v->str.len >= n,
	      "binary mess reads back as a string of at least its byte count");
	/* ASCII survives exactly; other bytes become code points U+0080..U+00FF or stay. */
	CHECK(v && v->type == MT_JSTR && !memcmp(v->str.s, in, 0x7f - 1),
	      "ASCII part reads back unchanged");
	mt_jval_free(v);
	free(q);
}

/* Writes one record with fn; returns it without its newline (checked here). */
static char *write_with(void (*fn)(struct mt_json *j), int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct mt_json *j = mt_json_new(f);

	fn(j);
	*rc = mt_json_end_record(j);
	mt_json_free(j);
	fclose(f);
	CHECK(len > 0 && buf[len - 1] == '\n', "record ends with a newline");
	if (len > 0)
		buf[len - 1] = '\0';
	return buf;
}

static void nested(struct mt_json *j)
{
	mt_json_obj_begin(j);
	mt_json_key(j, "a");
	mt_json_arr_begin(j);
	mt_json_int(j, 1);
	mt_json_int(j, -2);
	mt_json_obj_begin(j);
	mt_json_key(j, "b");
	mt_json_null(j);
	mt_json_key(j, "c");
	mt_json_arr_begin(j);
	mt_json_arr_end(j);
	mt_json_obj_end(j);
	mt_json_arr_end(j);
	mt_json_key(j, "d");
	mt_json_bool(j, true);
	mt_json_key(j, "e");
	mt_json_obj_begin(j);
	mt_json_obj_end(j);
	mt_json_obj_end(j);
}

static void numbers(struct mt_json *j)
{
	mt_json_arr_begin(j);
	mt_json_int(j, INT64_MIN);
	mt_json_int(j, INT64_MAX);
	mt_json_uint(j, UINT64_MAX);
	mt_json_double(j, 1.5, 3);
	mt_json_double(j, -0.25, 2);
	mt_json_double(j, 2.0 / 3.0, 6);
	mt_json_double(j, 7.0, 0);
	mt_json_double(j, NAN, 6);
	mt_json_double(j, INFINITY, 6);
	mt_json_double(j, -INFINITY, 6);
	mt_json_bool(j, false);
	mt_json_arr_end(j);
}

/* 70 levels: deeper than the writer's initial stack, so it has to grow. */
static void deep(struct mt_json *j)
{
	int i;

	for (i = 0; i < 70; i++)
		mt_json_arr_begin(j);
	mt_json_int(j, 1);
	mt_json_int(j, 2);
	for (i = 0; i < 70; i++)
		mt_json_arr_end(j);
}

static void test_writer(void)
{
	char *s, want[512];
	int rc, i;

	s = write_with(nested, &rc);
	CHECK_STR(s, "{\"a\":[1,-2,{\"b\":null,\"c\":[]}],\"d\":true,\"e\":{}}", "nesting and commas");
	CHECK_INT(rc, 0, "end_record ok");
	free(s);

	s = write_with(numbers, &rc);
	CHECK_STR(s, "[-9223372036854775808,9223372036854775807,18446744073709551615,1.500,-0.25,"
		  "0.666667,7,null,null,null,false]", "numbers, decimals, non-finite as null");
	free(s);

	s = write_with(deep, &rc);
	want[0] = '\0';
	for (i = 0; i < 70; i++)
		strcat(want, "[");
	strcat(want, "1,2");
	for (i = 0; i < 70; i++)
		strcat(want, "]");
	CHECK_STR(s, want, "deep nesting grows the stack");
	CHECK_INT(rc, 0, "deep nesting end_record ok");
	free(s);
}

static void test_write_error(void)
{
	FILE *f = fopen("/dev/full", "w");
	struct mt_json *j;
	int rc;

	if (!f) {
		CHECK(1, "# SKIP /dev/full not available");
		return;
	}
	j = mt_json_new(f);
	mt_json_obj_begin(j);
	mt_json_key(j, "k");
	mt_json_str(j, "v");
	mt_json_obj_end(j);
	rc = mt_json_end_record(j);
	CHECK_INT(rc, -ENOSPC, "end_record reports the stream's write error");
	mt_json_free(j);
	fclose(f);
}

static struct mt_jval *parse(const char *s, int *rc, struct mt_jerr *err)
{
	struct mt_jval *v = NULL;

	*rc = mt_jparse(s, strlen(s), &v, err);
	return v;
}

static void check_rejects(const char *s, const char *why)
{
	struct mt_jerr err = { 0 };
	int rc;
	struct mt_jval *v = parse(s, &rc, &err);

	CHECK(rc == -EINVAL && !v && err.msg, "rejects %s (%s at %zu)", why, err.msg ? err.msg : "-",
	      err.offset);
	mt_jval_free(v);
}

static void test_parser(void)
{
	struct mt_jerr err = { 0 };
	struct mt_jval *v;
	const struct mt_jval *m;
	char *deepstr;
	int rc, i;

	v = parse(" {\"s\":\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00\\u0000z\","
		  "\"i\":-42,\"big\":12345678901234567890,\"f\":1.5e3,\"z\":-0,\"t\":true,"
		  "\"n\":null,\"a\":[1,[2],{}],\"e\":\"\"} \r\n", &rc, &err);
	CHECK(rc == 0 && v && v->type == MT_JOBJ, "parses an object with every kind of value (%s)",
	      rc ? err.msg : "ok");
	m = mt_jobj_get(v, "s");
	CHECK(m && m->type == MT_JSTR && m->str.len == 20 &&
	      !memcmp(m->str.s, "a\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0z", 21),
	      "escapes decode, incl. \\u, a surrogate pair and \\u0000");
	m = mt_jobj_get(v, "i");
	CHECK(m && m->type == MT_JNUM && m->num.is_int && m->num.i == -42 && m->num.d == -42,
	      "negative integer");
	m = mt_jobj_get(v, "big");
	CHECK(m && m->type == MT_JNUM && !m->num.is_int && m->num.d > 1.2e19,
	      "integer past int64 is a double only");
	m = mt_jobj_get(v, "f");
	CHECK(m && m->type == MT_JNUM && !m->num.is_int && m->num.d == 1500,
	      "exponent makes a non-integral literal");
	m = mt_jobj_get(v, "z");
	CHECK(m && m->num.is_int && m->num.i == 0, "-0 is integral 0");
	m = mt_jobj_get(v, "a");
	CHECK(m && m->type == MT_JARR && m->arr.n == 3 && m->arr.items[1].type == MT_JARR &&
	      m->arr.items[2].type == MT_JOBJ && m->arr.items[2].obj.n == 0, "nested array");
	CHECK(mt_jobj_get(v, "missing") == NULL, "missing key is NULL");
	CHECK(mt_jobj_get(m, "x") == NULL, "lookup in an array is NULL");
	{
		bool b = false;
		int64_t i64 = 0;
		double d = 0;
		const char *str = NULL;

		CHECK(mt_jget_bool(v, "t", &b) && b, "mt_jget_bool");
		CHECK(mt_jget_int(v, "i", &i64) && i64 == -42, "mt_jget_int");
		CHECK(!mt_jget_int(v, "f", &i64), "mt_jget_int refuses a non-integral number");
		CHECK(mt_jget_num(v, "f", &d) && d == 1500, "mt_jget_num");
		CHECK(mt_jget_str(v, "e", &str) && str && !*str, "mt_jget_str of an empty string");
		CHECK(!mt_jget_str(v, "n", &str), "mt_jget_str refuses null");
	}
	mt_jval_free(v);

	v = parse("[1e400]", &rc, &err);
	CHECK(rc == -EINVAL && !v, "number out of double range rejected");

	check_rejects("", "empty input");
	check_rejects("   ", "only whitespace");
	check_rejects("{\"a\":1,}", "trailing comma in object");
	check_rejects("[1,]", "trailing comma in array");
	check_rejects("[01]", "leading zero");
	check_rejects("[1.]", "no digit after '.'");
	check_rejects("[.5]", "no digit before '.'");
	check_rejects("[1e]", "empty exponent");
	check_rejects("[+1]", "leading plus");
	check_rejects("[NaN]", "NaN");
	check_rejects("[Infinity]", "Infinity");
	check_rejects("[tru]", "truncated literal");
	check_rejects("{a:1}", "unquoted key");
	check_rejects("{\"a\" 1}", "missing colon");
	check_rejects("['a']", "single quotes");
	check_rejects("\"abc", "unterminated string");
	check_rejects("\"a\\", "backslash at the end");
	check_rejects("\"a\tb\"", "raw tab in string");
	check_rejects("\"\\x41\"", "unknown escape");
	check_rejects("\"\\u12G4\"", "bad hex in \\u");
	check_rejects("\"\\ud83d\"", "lone high surrogate");
	check_rejects("\"\\ud83dx\"", "high surrogate followed by a character");
	check_rejects("\"\\ude00\"", "lone low surrogate");
	check_rejects("\"\\ud83d\\u0041\"", "high surrogate followed by a non-surrogate");
	check_rejects("\"\xff\"", "invalid UTF-8 in a string");
	check_rejects("\"\xc0\xaf\"", "overlong UTF-8 in a string");
	check_rejects("{} {}", "two values");
	check_rejects("{}x", "trailing garbage");
	check_rejects("/* c */ {}", "comments");
	check_rejects("{\"a\":[1,2", "unterminated array");

	/* Deeper than MT_JSON_MAX_DEPTH fails cleanly instead of exhausting the stack. */
	deepstr = malloc(100001);
	for (i = 0; i < 100000; i++)
		deepstr[i] = '[';
	deepstr[i] = '\0';
	v = parse(deepstr, &rc, &err);
	CHECK(rc == -EINVAL && !v && !strcmp(err.msg, "nesting too deep"), "deep nesting rejected");
	free(deepstr);

	/* Not NUL-terminated: only len bytes are read. */
	rc = mt_jparse("[1]garbage", 3, &v, &err);
	CHECK(rc == 0 && v && v->type == MT_JARR && v->arr.n == 1, "honours len");
	mt_jval_free(v);

	v = parse("{\"a\":1,\"b\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18]}", &rc, &err);
	m = mt_jobj_get(v, "b");
	CHECK(m && m->arr.n == 18 && m->arr.items[17].num.i == 18, "arrays grow past their first chunk");
	mt_jval_free(v);

	CHECK_STR(mt_jtype_name(MT_JOBJ), "object", "type names");
}

/* Records: write each type into its own buffer, parse it back, compare values. */

static FILE *rec_f;
static char *rec_buf;
static size_t rec_len;

static struct mt_json *rec_open(void)
{
	rec_f = open_memstream(&rec_buf, &rec_len);
	return rec_f ? mt_json_new(rec_f) : NULL;
}

static struct mt_jval *read_back(struct mt_json *j, const char *what)
{
	struct mt_jval *v = NULL;
	struct mt_jerr err = { 0 };
	size_t n;
	int rc;

	mt_json_free(j);
	fclose(rec_f);
	n = rec_len;
	CHECK(n > 0 && rec_buf[n - 1] == '\n' && !memchr(rec_buf, '\n', n - 1),
	      "%s: exactly one line", what);
	rc = mt_jparse(rec_buf, n, &v, &err);
	CHECK(rc == 0, "%s: parses back (%s at %zu)", what, rc ? err.msg : "ok", err.offset);
	CHECK(v && v->type == MT_JOBJ && v->obj.n >= 2 && !strcmp(v->obj.members[0].key, "type") &&
	      !strcmp(v->obj.members[1].key, "t"), "%s: \"type\" first, \"t\" second", what);
	free(rec_buf);
	rec_buf = NULL;
	return v;
}

static void check_key_int(const struct mt_jval *o, const char *key, int64_t want, const char *what)
{
	int64_t got = 0;
	bool ok = mt_jget_int(o, key, &got);

	CHECK(ok && got == want, "%s.%s: got %" PRId64 "%s, want %" PRId64, what, key, got,
	      ok ? "" : " (missing or not an integer)", want);
}

static void check_key_num(const struct mt_jval *o, const char *key, double want, const char *what)
{
	double got = NAN;

	CHECK(mt_jget_num(o, key, &got) && fabs(got - want) < 1e-9, "%s.%s: got %f, want %f", what,
	      key, got, want);
}

static void check_key_str(const struct mt_jval *o, const char *key, const char *want,
			  const char *what)
{
	const char *got = NULL;
	char label[128];

	snprintf(label, sizeof(label), "%s.%s", what, key);
	mt_jget_str(o, key, &got);
	CHECK_STR(got, want, label);
}

static void check_key_null(const struct mt_jval *o, const char *key, const char *what)
{
	const struct mt_jval *v = mt_jobj_get(o, key);

	CHECK(v && v->type == MT_JNULL, "%s.%s is null", what, key);
}

static void test_rec_start(void)
{
	struct mt_json *j = rec_open();
	char *cmdline[] = { "python3", "app.py", "--n=\"3\"", NULL };
	struct mt_rec_target targets[] = {
		{ "Inversa", "Inversa", "python", "/usr/bin/python3.11", "usdt" },
		{ "libfoo.so:parse", "parse", "native", "/usr/lib/libfoo.so", "uprobe" },
	};
	struct mt_rec_start r = {
		.t = 0.000123, .ts_unix = 1700000000.25, .pid = 4242, .comm = "py\xffthon",
		.cmdline = cmdline, .targets = targets, .ntargets = 2, .page_size = 4096,
	};
	const struct mt_jval *a, *tg;
	struct mt_jval *v;

	CHECK_INT(mt_rec_start(j, &r), 0, "start written");
	v = read_back(j, "start");
	check_key_str(v, "type", "start", "start");
	check_key_num(v, "t", 0.000123, "start");
	check_key_int(v, "schema", 1, "start");
	check_key_num(v, "ts_unix", 1700000000.25, "start");
	check_key_int(v, "pid", 4242, "start");
	check_key_str(v, "comm", "py\xc3\xbfthon", "start (invalid byte read as Latin-1)");
	check_key_int(v, "page_size", 4096, "start");
	a = mt_jobj_get(v, "cmdline");
	CHECK(a && a->type == MT_JARR && a->arr.n == 3 && !strcmp(a->arr.items[2].str.s, "--n=\"3\""),
	      "start.cmdline");
	a = mt_jobj_get(v, "targets");
	CHECK(a && a->type == MT_JARR && a->arr.n == 2, "start.targets has 2 entries");
	if (a && a->arr.n == 2) {
		tg = &a->arr.items[1];
		check_key_str(tg, "spec", "libfoo.so:parse", "targets[1]");
		check_key_str(tg, "func", "parse", "targets[1]");
		check_key_str(tg, "kind", "native", "targets[1]");
		check_key_str(tg, "object", "/usr/lib/libfoo.so", "targets[1]");
		check_key_str(tg, "method", "uprobe", "targets[1]");
		CHECK_INT(tg->obj.n, 5, "targets[1] has exactly 5 keys");
	}
	CHECK_INT(v ? v->obj.n : 0, 9, "start has exactly 9 keys");
	mt_jval_free(v);
}

static void test_rec_call(void)
{
	struct mt_json *j = rec_open();
	struct mt_call c = {
		.pid = 10, .tid = 11, .func = "Inversa", .t = 1.5, .dur = 0.000000123,
		.rss_entry = 1000, .rss_exit = 900, .rss_peak = 5000, .growth = -100,
		.thread_growth = -50,
	};
	struct mt_jval *v;

	CHECK_INT(mt_rec_call(j, &c), 0, "call written");
	v = read_back(j, "call");
	check_key_str(v, "type", "call", "call");
	check_key_num(v, "t", 1.5, "call");
	check_key_int(v, "pid", 10, "call");
	check_key_int(v, "tid", 11, "call");
	check_key_str(v, "func", "Inversa", "call");
	check_key_num(v, "dur", 0.000000123, "call (nanoseconds kept)");
	check_key_int(v, "rss_entry", 1000, "call");
	check_key_int(v, "rss_exit", 900, "call");
	check_key_int(v, "rss_peak", 5000, "call");
	check_key_int(v, "growth", -100, "call");
	check_key_int(v, "thread_growth", -50, "call");
	CHECK(mt_jobj_get(v, "open") == NULL, "completed call has no \"open\"");
	CHECK_INT(v ? v->obj.n : 0, 11, "call has exactly 11 keys");
	mt_jval_free(v);

	j = rec_open();
	c.open = true;
	mt_rec_call(j, &c);
	v = read_back(j, "open call");
	{
		bool open = false;

		CHECK(mt_jget_bool(v, "open", &open) && open, "open call has \"open\": true");
	}
	mt_jval_free(v);
}

static void test_rec_small(void)
{
	struct mt_json *j = rec_open();
	struct mt_rec_sample s = {
		.t = 2.25, .pid = 7, .rss = 300, .anon = 100, .file = 150, .shmem = 50, .peak = 400,
	};
	struct mt_jval *v;

	CHECK_INT(mt_rec_sample(j, &s), 0, "sample written");
	v = read_back(j, "sample");
	check_key_str(v, "type", "sample", "sample");
	check_key_num(v, "t", 2.25, "sample");
	check_key_int(v, "pid", 7, "sample");
	check_key_int(v, "rss", 300, "sample");
	check_key_int(v, "anon", 100, "sample");
	check_key_int(v, "file", 150, "sample");
	check_key_int(v, "shmem", 50, "sample");
	check_key_int(v, "peak", 400, "sample");
	mt_jval_free(v);

	j = rec_open();
	CHECK_INT(mt_rec_lost(j, 3.0, 17), 0, "lost written");
	v = read_back(j, "lost");
	check_key_str(v, "type", "lost", "lost");
	check_key_int(v, "count", 17, "lost");
	CHECK_INT(v ? v->obj.n : 0, 3, "lost has exactly 3 keys");
	mt_jval_free(v);

	j = rec_open();
	CHECK_INT(mt_rec_exit(j, 4.0, 7, 256), 0, "exit written");
	v = read_back(j, "exit");
	check_key_str(v, "type", "exit", "exit");
	check_key_num(v, "t", 4.0, "exit");
	check_key_int(v, "pid", 7, "exit");
	check_key_int(v, "status", 256, "exit");
	mt_jval_free(v);

	j = rec_open();
	CHECK_INT(mt_rec_error(j, 0.5, "cannot attach to \"f\"\t(x)"), 0, "error written");
	v = read_back(j, "error");
	check_key_str(v, "type", "error", "error");
	check_key_str(v, "message", "cannot attach to \"f\"\t(x)", "error");
	mt_jval_free(v);
}

static void test_rec_summary(void)
{
	struct mt_json *j = rec_open();
	struct mt_func_stats funcs[] = {
		{ .func = "Inversa", .kind = "python", .calls_known = true, .calls = 12, .open = 1,
		  .growth = 79157821, .growth_max = 67643146, .peak_max = 178469273,
		  .thread_growth = 79157821, .unwound = 2, .untimed = 5 },
		{ .func = "grow", .kind = "native", .calls_known = true },
		{ .func = "walked", .kind = "python", .calls_known = false, .growth = 4096,
		  .growth_max = 99, .thread_growth = 4096 },
	};
	struct mt_line_stats lines[] = {
		{ .func = "Inversa", .file = "m.py", .source = "    a = 1", .line = 10,
		  .mem = 47053045, .increment = 44805652, .occurrences = 12 },
		{ .func = "Inversa", .file = "m.py", .source = NULL, .line = 11, .mem = -1,
		  .increment = -5, .occurrences = -1 },
	};
	struct mt_stats s = {
		.funcs = funcs, .nfuncs = 3, .lines = lines, .nlines = 2, .peak_rss = 178469273,
		.duration = 12.3456789, .lost = 3,
	};
	const struct mt_jval *a, *o;
	struct mt_jval *v;

	CHECK_INT(mt_rec_summary(j, 12.5, 99, &s), 0, "summary written");
	v = read_back(j, "summary");
	check_key_str(v, "type", "summary", "summary");
	check_key_int(v, "pid", 99, "summary");
	check_key_num(v, "duration", 12.345679, "summary (6 decimals)");
	check_key_int(v, "peak_rss", 178469273, "summary");
	check_key_int(v, "lost", 3, "summary");
	a = mt_jobj_get(v, "functions");
	CHECK(a && a->type == MT_JARR && a->arr.n == 3, "summary.functions has 3 entries");
	if (a && a->arr.n == 3) {
		o = &a->arr.items[0];
		check_key_str(o, "func", "Inversa", "functions[0]");
		check_key_str(o, "kind", "python", "functions[0]");
		check_key_int(o, "calls", 12, "functions[0]");
		check_key_int(o, "open", 1, "functions[0]");
		check_key_int(o, "growth", 79157821, "functions[0]");
		check_key_int(o, "growth_max", 67643146, "functions[0]");
		check_key_int(o, "peak_max", 178469273, "functions[0]");
		check_key_int(o, "thread_growth", 79157821, "functions[0]");
		check_key_int(o, "unwound", 2, "functions[0]");
		check_key_int(o, "untimed", 5, "functions[0]");
		CHECK_INT(o->obj.n, 10, "functions[0] has exactly 10 keys");
		o = &a->arr.items[1];
		check_key_int(o, "calls", 0, "functions[1] (never called)");
		check_key_null(o, "growth_max", "functions[1] (never called)");
		check_key_null(o, "peak_max", "functions[1] (never called)");
		o = &a->arr.items[2];
		check_key_null(o, "calls", "functions[2] (calls unknown)");
		check_key_null(o, "growth_max", "functions[2] (calls unknown)");
		check_key_int(o, "growth", 4096, "functions[2]");
	}
	a = mt_jobj_get(v, "lines");
	CHECK(a && a->type == MT_JARR && a->arr.n == 2, "summary.lines has 2 entries");
	if (a && a->arr.n == 2) {
		o = &a->arr.items[0];
		check_key_str(o, "func", "Inversa", "lines[0]");
		check_key_str(o, "file", "m.py", "lines[0]");
		check_key_int(o, "line", 10, "lines[0]");
		check_key_int(o, "mem", 47053045, "lines[0]");
		check_key_int(o, "increment", 44805652, "lines[0]");
		check_key_int(o, "occurrences", 12, "lines[0]");
		check_key_str(o, "source", "    a = 1", "lines[0]");
		CHECK_INT(o->obj.n, 7, "lines[0] has exactly 7 keys");
		o = &a->arr.items[1];
		check_key_null(o, "mem", "lines[1]");
		check_key_null(o, "occurrences", "lines[1]");
		check_key_null(o, "source", "lines[1]");
		check_key_int(o, "increment", -5, "lines[1]");
	}
	mt_jval_free(v);
}

static void test_records(void)
{
	test_rec_start();
	test_rec_call();
	test_rec_small();
	test_rec_summary();
}

int main(void)
{
	test_escaping();
	test_binary_mess();
	test_writer();
	test_write_error();
	test_parser();
	test_records();
	return unit_done();
}
