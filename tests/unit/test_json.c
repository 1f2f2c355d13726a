// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON writer escaping, the strict parsing saved streams get (jansson with
 * user/stream.h's flags), and every schema 1 record read back.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "json.h"
#include "records.h"
#include "stream.h"
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
	json_t *v;
	json_error_t err = { 0 };
	char *q;
	int i;

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
	v = json_loadb(q, strlen(q), MT_STREAM_JSON_FLAGS, &err);
	CHECK(v != NULL, "quoted binary mess is valid (strict) JSON: %s at %d", v ? "ok" : err.text,
	      err.position);
	CHECK(json_is_string(v) && json_string_length(v) >= n,
	      "binary mess reads back as a string of at least its byte count");
	/* ASCII survives exactly; other bytes become code points U+0080..U+00FF or stay. */
	CHECK(json_is_string(v) && !memcmp(json_string_value(v), in, 0x7f - 1),
	      "ASCII part reads back unchanged");
	json_decref(v);
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

static json_t *parse(const char *s, json_error_t *err)
{
	return json_loadb(s, strlen(s), MT_STREAM_JSON_FLAGS, err);
}

static void check_rejects(const char *s, const char *why)
{
	json_error_t err = { 0 };
	json_t *v = parse(s, &err);

	CHECK(!v && err.text[0], "rejects %s (%s at %d)", why, err.text, err.position);
	json_decref(v);
}

/* The value of key in object v as C types; false when missing or of another type. */
static bool get_int(const json_t *v, const char *key, int64_t *out)
{
	const json_t *m = json_object_get(v, key);

	if (json_is_integer(m))
		*out = json_integer_value(m);
	return json_is_integer(m);
}

static bool get_num(const json_t *v, const char *key, double *out)
{
	const json_t *m = json_object_get(v, key);

	if (json_is_number(m))
		*out = json_number_value(m);
	return json_is_number(m);
}

static bool get_str(const json_t *v, const char *key, const char **out)
{
	const json_t *m = json_object_get(v, key);

	if (json_is_string(m))
		*out = json_string_value(m);
	return json_is_string(m);
}

static void test_parser(void)
{
	json_error_t err = { 0 };
	json_t *v;
	const json_t *m;
	char *deepstr;
	int i;

	v = parse(" {\"s\":\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00z\","
		  "\"i\":-42,\"f\":1.5e3,\"z\":-0,\"t\":true,"
		  "\"n\":null,\"a\":[1,[2],{}],\"e\":\"\"} \r\n", &err);
	CHECK(json_is_object(v), "parses an object with every kind of value (%s)",
	      v ? "ok" : err.text);
	m = json_object_get(v, "s");
	CHECK(json_is_string(m) && json_string_length(m) == 19 &&
	      !memcmp(json_string_value(m), "a\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 20),
	      "escapes decode, incl. \\u and a surrogate pair");
	m = json_object_get(v, "i");
	CHECK(json_is_integer(m) && json_integer_value(m) == -42 && json_number_value(m) == -42,
	      "negative integer");
	m = json_object_get(v, "f");
	CHECK(json_is_real(m) && json_real_value(m) == 1500, "exponent makes a non-integral literal");
	m = json_object_get(v, "z");
	CHECK(json_is_integer(m) && json_integer_value(m) == 0, "-0 is integral 0");
	m = json_object_get(v, "a");
	CHECK(json_is_array(m) && json_array_size(m) == 3 && json_is_array(json_array_get(m, 1)) &&
	      json_is_object(json_array_get(m, 2)) && json_object_size(json_array_get(m, 2)) == 0,
	      "nested array");
	CHECK(json_object_get(v, "missing") == NULL, "missing key is NULL");
	CHECK(json_object_get(m, "x") == NULL, "lookup in an array is NULL");
	{
		int64_t i64 = 0;
		double d = 0;
		const char *str = NULL;

		CHECK(json_is_true(json_object_get(v, "t")), "true");
		CHECK(get_int(v, "i", &i64) && i64 == -42, "integer lookup");
		CHECK(!get_int(v, "f", &i64), "integer lookup refuses a non-integral number");
		CHECK(get_num(v, "f", &d) && d == 1500, "number lookup");
		CHECK(get_str(v, "e", &str) && str && !*str, "string lookup of an empty string");
		CHECK(!get_str(v, "n", &str), "string lookup refuses null");
	}
	json_decref(v);

	v = parse("[1e400]", &err);
	CHECK(!v && json_error_code(&err) == json_error_numeric_overflow,
	      "number out of double range rejected");
	/* No exact reading as int64: the stream's sizes and counts are int64. */
	v = parse("[12345678901234567890]", &err);
	CHECK(!v && json_error_code(&err) == json_error_numeric_overflow,
	      "integer past int64 rejected");

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
	check_rejects("\"\xed\xa0\x80\"", "UTF-8 encoded surrogate in a string");
	check_rejects("\"a\\u0000z\"", "\\u0000 (names are C strings: it would cut them)");
	check_rejects("{\"a\":1,\"a\":2}", "a duplicate key");
	check_rejects("{} {}", "two values");
	check_rejects("{}x", "trailing garbage");
	check_rejects("/* c */ {}", "comments");
	check_rejects("{\"a\":[1,2", "unterminated array");

	/* Deep nesting fails cleanly instead of exhausting the stack. */
	deepstr = malloc(100001);
	for (i = 0; i < 100000; i++)
		deepstr[i] = '[';
	deepstr[i] = '\0';
	v = parse(deepstr, &err);
	CHECK(!v && json_error_code(&err) == json_error_stack_overflow, "deep nesting rejected");
	free(deepstr);

	/* Not NUL-terminated: only len bytes are read. */
	v = json_loadb("[1]garbage", 3, MT_STREAM_JSON_FLAGS, &err);
	CHECK(json_is_array(v) && json_array_size(v) == 1, "honours len");
	json_decref(v);

	v = parse("{\"a\":1,\"b\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18]}", &err);
	m = json_object_get(v, "b");
	CHECK(json_array_size(m) == 18 && json_integer_value(json_array_get(m, 17)) == 18,
	      "arrays grow past their first chunk");
	json_decref(v);

	v = parse("{}", &err);
	CHECK_STR(mt_stream_describe(v), "an object", "type names");
	json_decref(v);
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

static json_t *read_back(struct mt_json *j, const char *what)
{
	json_t *v;
	json_error_t err = { 0 };
	void *it;
	size_t n;

	mt_json_free(j);
	fclose(rec_f);
	n = rec_len;
	CHECK(n > 0 && rec_buf[n - 1] == '\n' && !memchr(rec_buf, '\n', n - 1),
	      "%s: exactly one line", what);
	v = json_loadb(rec_buf, n, MT_STREAM_JSON_FLAGS, &err);
	CHECK(v != NULL, "%s: parses back (%s at %d)", what, v ? "ok" : err.text, err.position);
	/* jansson keeps keys in their order in the input. */
	it = json_object_iter(v);
	CHECK(json_is_object(v) && json_object_size(v) >= 2 && it &&
	      !strcmp(json_object_iter_key(it), "type") &&
	      !strcmp(json_object_iter_key(json_object_iter_next(v, it)), "t"),
	      "%s: \"type\" first, \"t\" second", what);
	free(rec_buf);
	rec_buf = NULL;
	return v;
}

static void check_key_int(const json_t *o, const char *key, int64_t want, const char *what)
{
	int64_t got = 0;
	bool ok = get_int(o, key, &got);

	CHECK(ok && got == want, "%s.%s: got %" PRId64 "%s, want %" PRId64, what, key, got,
	      ok ? "" : " (missing or not an integer)", want);
}

struct want_int {
	const char *key;
	int64_t want;
};

/* check_key_int for each { key, value } of a list. */
#define CHECK_KEY_INTS(o, what, ...)                                                 \
	check_key_ints(o, what, (const struct want_int[]){ __VA_ARGS__, { NULL, 0 } })

static void check_key_ints(const json_t *o, const char *what, const struct want_int *w)
{
	for (; w->key; w++)
		check_key_int(o, w->key, w->want, what);
}

static void check_key_num(const json_t *o, const char *key, double want, const char *what)
{
	double got = NAN;

	CHECK(get_num(o, key, &got) && fabs(got - want) < 1e-9, "%s.%s: got %f, want %f", what,
	      key, got, want);
}

static void check_key_str(const json_t *o, const char *key, const char *want,
			  const char *what)
{
	const char *got = NULL;
	char label[128];

	snprintf(label, sizeof(label), "%s.%s", what, key);
	get_str(o, key, &got);
	CHECK_STR(got, want, label);
}

static void check_key_null(const json_t *o, const char *key, const char *what)
{
	CHECK(json_is_null(json_object_get(o, key)), "%s.%s is null", what, key);
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
	const json_t *a, *tg;
	json_t *v;

	CHECK_INT(mt_rec_start(j, &r), 0, "start written");
	v = read_back(j, "start");
	check_key_str(v, "type", "start", "start");
	check_key_num(v, "t", 0.000123, "start");
	check_key_int(v, "schema", 1, "start");
	check_key_num(v, "ts_unix", 1700000000.25, "start");
	check_key_int(v, "pid", 4242, "start");
	check_key_str(v, "comm", "py\xc3\xbfthon", "start (invalid byte read as Latin-1)");
	check_key_int(v, "page_size", 4096, "start");
	a = json_object_get(v, "cmdline");
	CHECK(json_array_size(a) == 3 &&
	      !strcmp(json_string_value(json_array_get(a, 2)) ?: "", "--n=\"3\""), "start.cmdline");
	a = json_object_get(v, "targets");
	CHECK(json_is_array(a) && json_array_size(a) == 2, "start.targets has 2 entries");
	if (json_array_size(a) == 2) {
		tg = json_array_get(a, 1);
		check_key_str(tg, "spec", "libfoo.so:parse", "targets[1]");
		check_key_str(tg, "func", "parse", "targets[1]");
		check_key_str(tg, "kind", "native", "targets[1]");
		check_key_str(tg, "object", "/usr/lib/libfoo.so", "targets[1]");
		check_key_str(tg, "method", "uprobe", "targets[1]");
		CHECK_INT(json_object_size(tg), 5, "targets[1] has exactly 5 keys");
	}
	CHECK_INT(json_object_size(v), 9, "start has exactly 9 keys");
	json_decref(v);
}

static void test_rec_call(void)
{
	struct mt_json *j = rec_open();
	struct mt_call c = {
		.pid = 10, .tid = 11, .func = "Inversa", .t = 1.5, .dur = 0.000000123,
		.rss_entry = 1000, .rss_exit = 900, .rss_peak = 5000, .growth = -100,
		.thread_growth = -50,
	};
	json_t *v;

	CHECK_INT(mt_rec_call(j, &c), 0, "call written");
	v = read_back(j, "call");
	check_key_str(v, "type", "call", "call");
	check_key_num(v, "t", 1.5, "call");
	check_key_int(v, "pid", 10, "call");
	check_key_int(v, "tid", 11, "call");
	check_key_str(v, "func", "Inversa", "call");
	check_key_num(v, "dur", 0.000000123, "call (nanoseconds kept)");
	CHECK_KEY_INTS(v, "call", { "rss_entry", 1000 }, { "rss_exit", 900 }, { "rss_peak", 5000 },
		       { "growth", -100 }, { "thread_growth", -50 });
	CHECK(json_object_get(v, "open") == NULL, "completed call has no \"open\"");
	CHECK(json_object_get(v, "partial") == NULL, "call seen whole has no \"partial\"");
	CHECK_INT(json_object_size(v), 11, "call has exactly 11 keys");
	json_decref(v);

	j = rec_open();
	c.open = true;
	mt_rec_call(j, &c);
	v = read_back(j, "open call");
	CHECK(json_is_true(json_object_get(v, "open")), "open call has \"open\": true");
	json_decref(v);

	j = rec_open();
	c.open = false;
	c.partial = true;
	mt_rec_call(j, &c);
	v = read_back(j, "partial call");
	CHECK(json_is_true(json_object_get(v, "partial")), "partial call has \"partial\": true");
	json_decref(v);
}

static void test_rec_small(void)
{
	struct mt_json *j = rec_open();
	struct mt_rec_sample s = {
		.t = 2.25, .pid = 7, .rss = 300, .anon = 100, .file = 150, .shmem = 50, .peak = 400,
	};
	json_t *v;

	CHECK_INT(mt_rec_sample(j, &s), 0, "sample written");
	v = read_back(j, "sample");
	check_key_str(v, "type", "sample", "sample");
	check_key_num(v, "t", 2.25, "sample");
	CHECK_KEY_INTS(v, "sample", { "pid", 7 }, { "rss", 300 }, { "anon", 100 }, { "file", 150 },
		       { "shmem", 50 }, { "peak", 400 });
	json_decref(v);

	j = rec_open();
	CHECK_INT(mt_rec_lost(j, 3.0, 17), 0, "lost written");
	v = read_back(j, "lost");
	check_key_str(v, "type", "lost", "lost");
	check_key_int(v, "count", 17, "lost");
	CHECK_INT(json_object_size(v), 3, "lost has exactly 3 keys");
	json_decref(v);

	j = rec_open();
	CHECK_INT(mt_rec_exit(j, 4.0, 7, 256), 0, "exit written");
	v = read_back(j, "exit");
	check_key_str(v, "type", "exit", "exit");
	check_key_num(v, "t", 4.0, "exit");
	check_key_int(v, "pid", 7, "exit");
	check_key_int(v, "status", 256, "exit");
	json_decref(v);

	j = rec_open();
	CHECK_INT(mt_rec_error(j, 0.5, "cannot attach to \"f\"\t(x)"), 0, "error written");
	v = read_back(j, "error");
	check_key_str(v, "type", "error", "error");
	check_key_str(v, "message", "cannot attach to \"f\"\t(x)", "error");
	json_decref(v);
}

static void test_rec_summary(void)
{
	struct mt_json *j = rec_open();
	struct mt_func_stats funcs[] = {
		{ .func = "Inversa", .kind = "python", .calls_known = true, .calls = 12, .open = 1,
		  .growth = 79157821, .growth_max = 67643146, .peak_max = 178469273,
		  .thread_growth = 79157821, .unwound = 2, .untimed = 5, .partial = 3,
		  .retained_known = true, .retained = 28311552 },
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
	const json_t *a, *o;
	json_t *v;

	CHECK_INT(mt_rec_summary(j, 12.5, 99, &s), 0, "summary written");
	v = read_back(j, "summary");
	check_key_str(v, "type", "summary", "summary");
	check_key_int(v, "pid", 99, "summary");
	check_key_num(v, "duration", 12.345679, "summary (6 decimals)");
	check_key_int(v, "peak_rss", 178469273, "summary");
	check_key_int(v, "lost", 3, "summary");
	a = json_object_get(v, "functions");
	CHECK(json_is_array(a) && json_array_size(a) == 3, "summary.functions has 3 entries");
	if (json_array_size(a) == 3) {
		o = json_array_get(a, 0);
		check_key_str(o, "func", "Inversa", "functions[0]");
		check_key_str(o, "kind", "python", "functions[0]");
		CHECK_KEY_INTS(o, "functions[0]", { "calls", 12 }, { "open", 1 },
			       { "growth", 79157821 }, { "growth_max", 67643146 },
			       { "peak_max", 178469273 }, { "thread_growth", 79157821 },
			       { "unwound", 2 }, { "untimed", 5 }, { "partial", 3 },
			       { "retained", 28311552 });
		CHECK_INT(json_object_size(o), 12, "functions[0] has exactly 12 keys");
		o = json_array_get(a, 1);
		check_key_int(o, "calls", 0, "functions[1] (never called)");
		check_key_null(o, "growth_max", "functions[1] (never called)");
		check_key_null(o, "peak_max", "functions[1] (never called)");
		o = json_array_get(a, 2);
		check_key_null(o, "calls", "functions[2] (calls unknown)");
		check_key_null(o, "growth_max", "functions[2] (calls unknown)");
		check_key_int(o, "growth", 4096, "functions[2]");
		check_key_null(o, "retained", "functions[2] (not measured)");
	}
	a = json_object_get(v, "lines");
	CHECK(json_is_array(a) && json_array_size(a) == 2, "summary.lines has 2 entries");
	if (json_array_size(a) == 2) {
		o = json_array_get(a, 0);
		check_key_str(o, "func", "Inversa", "lines[0]");
		check_key_str(o, "file", "m.py", "lines[0]");
		CHECK_KEY_INTS(o, "lines[0]", { "line", 10 }, { "mem", 47053045 },
			       { "increment", 44805652 }, { "occurrences", 12 });
		check_key_str(o, "source", "    a = 1", "lines[0]");
		CHECK_INT(json_object_size(o), 7, "lines[0] has exactly 7 keys");
		o = json_array_get(a, 1);
		check_key_null(o, "mem", "lines[1]");
		check_key_null(o, "occurrences", "lines[1]");
		check_key_null(o, "source", "lines[1]");
		check_key_int(o, "increment", -5, "lines[1]");
	}
	json_decref(v);
}

/* Several processes: "process", "exit" with rss and peak, summary.processes and .functions_by_process. */
static void test_rec_procs(void)
{
	struct mt_rec_process pr = { .t = 1.5, .pid = 12, .ppid = 11, .event = "fork", .rss = 8192,
				     .comm = "a\xff\x1b[2Jb" };
	struct mt_func_agg grew = { .calls = 2, .growth = 4096, .growth_max = 3072, .peak_max = 5000,
				    .thread_growth = 4000, .retained = 4096 };
	struct mt_func_agg partial = { .partial = 1, .growth_max = INT64_MIN, .peak_max = INT64_MIN };
	struct mt_procs ps = { 0 };
	struct mt_proc_info *p;
	const char *const funcs[] = { "grow" };
	struct mt_stats s = { .duration = 1 };
	struct mt_json *j = rec_open();
	const json_t *a, *o;
	json_t *v;

	CHECK_INT(mt_rec_process(j, &pr), 0, "process written");
	v = read_back(j, "process");
	CHECK_KEY_INTS(v, "process", { "pid", 12 }, { "ppid", 11 }, { "rss", 8192 });
	/* The process sets its comm: an invalid byte and an escape arrive as valid JSON. */
	check_key_str(v, "comm", "a\u00ff\x1b[2Jb", "process (comm escaped)");
	check_key_str(v, "event", "fork", "process");
	CHECK_INT(json_object_size(v), 7, "process has exactly 7 keys");
	json_decref(v);

	p = mt_procs_add(&ps, 12);
	CHECK(p != NULL, "a process row");
	if (!p)
		return;
	*p = (struct mt_proc_info){ .pid = 12, .ppid = 11, .comm = "kid", .how = "fork",
				    .start_rss = 8192, .end_rss = 20480, .peak = 24576, .exited = true,
				    .status = 9 /* killed by SIGKILL */ };
	p = mt_procs_add(&ps, 11);
	if (p)
		*p = (struct mt_proc_info){ .pid = 11, .comm = "parent", .how = "named", .end_rss = 4096,
					    .peak = 4096, .execs = 1 };
	mt_procs_add_func(&ps, 12, 0, &grew);
	mt_procs_add_func(&ps, 13, 0, &partial);          /* a pid without its row */
	mt_procs_add_func(&ps, 12, MT_MAX_FUNCS + 1, &grew); /* a Python code: totals only */

	j = rec_open();
	CHECK_INT(mt_rec_exit_proc(j, 2.0, 12, 137, &ps.v[0]), 0, "exit with rss written");
	v = read_back(j, "exit");
	CHECK_KEY_INTS(v, "exit", { "pid", 12 }, { "status", 137 }, { "rss", 20480 }, { "peak", 24576 });
	json_decref(v);

	j = rec_open();
	CHECK_INT(mt_rec_summary_all(j, 3.0, 11, &s, 0, &ps, funcs, 1), 0, "summary written");
	v = read_back(j, "summary");
	a = json_object_get(v, "processes");
	CHECK(json_is_array(a) && json_array_size(a) == 2, "summary.processes has 2 entries");
	o = json_array_get(a, 0);
	CHECK_KEY_INTS(o, "processes[0]", { "pid", 12 }, { "ppid", 11 }, { "start_rss", 8192 },
		       { "end_rss", 20480 }, { "peak", 24576 }, { "execs", 0 }, { "status", 137 });
	check_key_str(o, "joined", "fork", "processes[0]");
	check_key_str(o, "comm", "kid", "processes[0]");
	check_key_null(json_array_get(a, 1), "status", "processes[1] (running)");
	a = json_object_get(v, "functions_by_process");
	CHECK(json_is_array(a) && json_array_size(a) == 2, "functions_by_process: the native rows");
	o = json_array_get(a, 0);
	CHECK_KEY_INTS(o, "functions_by_process[0]", { "pid", 12 }, { "calls", 2 }, { "growth", 4096 },
		       { "growth_max", 3072 }, { "peak_max", 5000 }, { "thread_growth", 4000 },
		       { "partial", 0 }, { "retained", 4096 });
	check_key_str(o, "func", "grow", "functions_by_process[0]");
	check_key_str(o, "comm", "kid", "functions_by_process[0]");
	CHECK_INT(json_object_size(o), 12, "functions_by_process[0] has exactly 12 keys");
	o = json_array_get(a, 1);
	check_key_null(o, "comm", "functions_by_process[1] (no row of its pid)");
	check_key_null(o, "growth_max", "functions_by_process[1] (no counted call)");
	check_key_int(o, "partial", 1, "functions_by_process[1]");
	json_decref(v);

	/* One process: the summary as before. */
	j = rec_open();
	CHECK_INT(mt_rec_summary(j, 3.0, 11, &s), 0, "summary of one process written");
	v = read_back(j, "summary");
	CHECK(!json_object_get(v, "processes") && !json_object_get(v, "functions_by_process"),
	      "no per-process keys for one process");
	json_decref(v);
	mt_procs_free(&ps);
}

static void test_records(void)
{
	test_rec_start();
	test_rec_call();
	test_rec_small();
	test_rec_summary();
	test_rec_procs();
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
