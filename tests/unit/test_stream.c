// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The stream reader (user/stream.c): bounded lines, strict records, checked
 * numbers, and one line naming the file and line for every problem.
 */
#include <stdlib.h>
#include <unistd.h>

#include "stream.h"
#include "unit.h"

static char *tmpdir;
static char errbuf[1024];
static int nfile;

static char *write_file(const char *text, size_t len)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%d.ndjson", tmpdir, nfile++) < 0)
		return NULL;
	f = fopen(path, "w");
	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
	return path;
}

/* Reads path to the end: the number of records, or -1 with the reason in errbuf. */
static int read_path(const char *path)
{
	struct mt_stream st;
	int n = 0, rc;

	errbuf[0] = '\0';
	if (mt_stream_open(&st, path, errbuf, sizeof(errbuf)))
		return -1;
	while ((rc = mt_stream_next(&st)) > 0)
		n++;
	mt_stream_close(&st);
	return rc < 0 ? -1 : n;
}

static int read_text(const char *text)
{
	char *path = write_file(text, strlen(text));
	int n = read_path(path);

	unlink(path);
	free(path);
	return n;
}

static void check_error(const char *text, const char *want, const char *what)
{
	int n = read_text(text);

	CHECK(n == -1 && strstr(errbuf, want), "%s: got %d, \"%s\", want \"%s\"", what, n, errbuf,
	      want);
}

#define START "{\"type\":\"start\",\"t\":0,\"schema\":1}\n"

static void test_records(void)
{
	CHECK_INT(read_text(""), 0, "empty file: no records");
	CHECK_INT(read_text(START "\n  \r\n" START), 2, "blank lines skipped");
	CHECK_INT(read_text(START "{\"a\":1}\n{\"type\":7}\n{\"type\":\"newkind\"}\n"), 1,
		  "lines without a known type skipped");
	CHECK_INT(read_text(START "{\"type\":\"call\",\"t\":1}"), 2, "a last line without newline");
	check_error(START "[1,2]\n", ":2: not a JSON object but an array", "not an object");
	check_error("{\"type\":\"call\"}\n", ":1: \"call\" record: \"t\" is missing", "t missing");
	check_error("{\"type\":\"call\",\"t\":\"1\"}\n", "\"t\" should be a number, not a string",
		    "t of the wrong type");
	check_error("{\"type\":\"call\",\"t\":1e300}\n", ":1: \"call\" record: \"t\" is 1e+300, outside",
		    "t out of range");
}

/* jansson's complaints, as one message with the line and the column where the bad token starts. */
static void test_syntax(void)
{
	check_error("hello world\n", ":1: not valid JSON: unexpected character at column 1; "
		    "is this a memtrace --json stream?", "text");
	check_error(START START "{\"a\" 1}\n", ":3: not valid JSON: unexpected character at column 6",
		    "missing colon, on line 3");
	check_error("{\"type\":\n", ":1: not valid JSON: unexpected end of input", "cut record");
	check_error("{\"t\":1,\"t\":2}\n", ":1: not valid JSON: duplicate key", "duplicate key");
	check_error("{\"a\":NaN}\n", "not valid JSON: unexpected character", "NaN");
	check_error("{\"a\":1e400}\n", "not valid JSON: number out of range", "huge real");
	check_error("{\"a\":99999999999999999999}\n", "not valid JSON: number out of range",
		    "integer past int64");
	check_error("{\"a\":\"\xff\"}\n", "not valid JSON: invalid UTF-8", "invalid UTF-8");
	check_error("{\"a\":\"x\\u0000y\"}\n", "not valid JSON: \\u0000 in a string", "NUL");
	check_error("{\"a\":1} {}\n", "not valid JSON: more after the value", "two values");
	/* Only the last line may be torn, and only after a record: then it is dropped with a warning. */
	CHECK_INT(read_text(START "{\"type\":\"ca"), 1, "torn last line after a record is dropped");
	check_error("{\"type\":\"ca", ":1: not valid JSON", "a torn only line is an error");
	check_error(START "{\"type\":\"ca\n" START, ":2: not valid JSON", "a torn line in the middle");
}

static void test_nesting(void)
{
	size_t n = 100000, i;
	char *text = malloc(n + 2);

	for (i = 0; i < n; i++)
		text[i] = '[';
	text[n] = '\n';
	text[n + 1] = '\0';
	check_error(text, ":1: not valid JSON: nesting too deep", "100,000 levels of nesting");
	free(text);
}

/* A record of many empty objects is a short line but a large tree: the budget stops it. */
static void test_tree_budget(void)
{
	size_t n = 200000, i, len = 0;
	char *text = malloc(3 * n + 64);

	len += sprintf(text, "{\"type\":\"call\",\"t\":1,\"x\":[");
	for (i = 0; i < n; i++)
		len += sprintf(text + len, "%s{}", i ? "," : "");
	len += sprintf(text + len, "]}\n");
	CHECK_INT(read_text(text), 1, "200,000 empty objects fit the default budget");
	mt_stream_tree_limit = 4u << 20;
	check_error(text, ":1: not valid JSON: too large a record to hold in memory",
		    "past a 4 MiB budget: a clear error");
	mt_stream_tree_limit = MT_STREAM_MAX_TREE;
	CHECK_INT(read_text(START), 1, "the budget is whole again after a failed parse");
	free(text);
}

/* Reading /dev/zero ends at the line bound, with bounded memory, naming the line. */
static void test_line_bound(void)
{
	size_t n = MT_STREAM_MAX_LINE + 16, len;
	char *text = malloc(n + sizeof(START) * 2), *path;
	int got;

	CHECK_INT(read_path("/dev/zero"), -1, "/dev/zero is refused");
	CHECK_STR(errbuf, "/dev/zero:1: line longer than " MT_STREAM_MAX_LINE_TEXT
		  "; is this a memtrace stream?", "/dev/zero: the message");

	/* A line of exactly MT_STREAM_MAX_LINE bytes (and its newline) is read; one more is not. */
	len = sprintf(text, START);
	memset(text + len, ' ', MT_STREAM_MAX_LINE);
	len += MT_STREAM_MAX_LINE;
	text[len++] = '\n';
	len += sprintf(text + len, START);
	path = write_file(text, len);
	got = read_path(path);
	CHECK(got == 2, "a blank line of MT_STREAM_MAX_LINE bytes is read (%d, %s)", got, errbuf);
	unlink(path);
	free(path);
	len = sprintf(text, START);
	memset(text + len, ' ', MT_STREAM_MAX_LINE + 1);
	len += MT_STREAM_MAX_LINE + 1;
	text[len++] = '\n';
	path = write_file(text, len);
	CHECK_INT(read_path(path), -1, "a line past the bound is refused");
	CHECK(strstr(errbuf, ".ndjson:2: line longer than"), "names line 2: %s", errbuf);
	unlink(path);
	free(path);
	free(text);
}

static void test_fields(void)
{
	static const char text[] = START
		"{\"type\":\"sample\",\"t\":1,\"i\":5,\"big\":1152921504606846977,\"neg\":-3,"
		"\"n\":null,\"s\":\"x\",\"b\":true,\"a\":[1,{}],\"r\":1.5}\n";
	struct mt_stream st;
	char *path = write_file(text, strlen(text));
	int64_t i;
	double d;
	bool known, b = false;
	const char *str;
	json_t *a, *o;

	if (mt_stream_open(&st, path, errbuf, sizeof(errbuf)) || mt_stream_next(&st) != 1 ||
	    mt_stream_next(&st) != 1) {
		CHECK(0, "fields: the records read (%s)", errbuf);
		free(path);
		return;
	}
	o = st.rec;
	CHECK(st.type == MT_STREAM_REC_SAMPLE && !strcmp(st.type_name, "sample") && st.t == 1 &&
	      st.lineno == 2, "the record's type, t and line");
	CHECK(!mt_stream_int(&st, o, "i", 0, 10, &i) && i == 5, "int in range");
	CHECK(mt_stream_int(&st, o, "i", 6, 10, &i) && strstr(errbuf, ":2: \"sample\" record: \"i\" "
	      "is 5, outside 6..10"), "int out of range: %s", errbuf);
	CHECK(mt_stream_bytes(&st, o, "big", true, &i) && strstr(errbuf, "\"big\" is "
	      "1152921504606846977, outside"), "sizes past 1 EiB refused: %s", errbuf);
	CHECK(mt_stream_bytes(&st, o, "neg", false, &i) && !mt_stream_bytes(&st, o, "neg", true, &i) &&
	      i == -3, "negative sizes only where signed");
	CHECK(mt_stream_int(&st, o, "r", 0, 10, &i) && strstr(errbuf, "\"r\" should be an integer, "
	      "not a non-integer number"), "a real is not an integer");
	CHECK(!mt_stream_num(&st, o, "r", 0, 10, &d) && d == 1.5, "number");
	CHECK(!mt_stream_int_or_null(&st, o, "n", 0, 1, &i, &known) && !known && i == 0, "null");
	CHECK(mt_stream_int_or_null(&st, o, "nope", 0, 1, &i, &known) &&
	      strstr(errbuf, "\"nope\" is missing"), "missing is not null");
	CHECK(!mt_stream_str(&st, o, "s", &str) && !strcmp(str, "x"), "string");
	CHECK(!mt_stream_str_or_null(&st, o, "n", &str) && !str, "string or null");
	str = "kept";
	CHECK(!mt_stream_opt_str(&st, o, "nope", &str) && !strcmp(str, "kept"), "absent optional");
	CHECK(mt_stream_opt_str(&st, o, "i", &str), "present optional of the wrong type");
	CHECK(!mt_stream_opt_bool(&st, o, "b", &b) && b, "optional boolean");
	CHECK(!mt_stream_arr(&st, o, "a", &a) && mt_stream_obj_at(&st, a, "a", 0, &o) &&
	      strstr(errbuf, "a[0] should be an object, not an integer"), "array items");
	CHECK(!mt_stream_obj_at(&st, a, "a", 1, &o) && json_is_object(o), "an object item");
	CHECK(mt_stream_obj_at(&st, a, "a", 2, &o), "past the end");
	mt_stream_close(&st);
	unlink(path);
	free(path);
}

int main(void)
{
	tmpdir = unit_tmpdir("stream");
	test_records();
	test_syntax();
	test_nesting();
	test_tree_budget();
	test_line_bound();
	test_fields();
	return unit_finish(tmpdir);
}
