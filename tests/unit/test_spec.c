// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* -f spec parsing: NAME, OBJECT:NAME, C++ scopes, and the errors. */
#include <errno.h>
#include <stdlib.h>

#include "spec.h"
#include "unit.h"

static void ok_case(const char *text, const char *object, const char *name)
{
	struct mt_spec s;
	char err[256] = "";
	int ret = mt_spec_parse(text, &s, err, sizeof(err));

	CHECK_INT(ret, 0, text);
	if (ret)
		return;
	CHECK_STR(s.text, text, "text");
	CHECK_STR(s.name, name, "name");
	if (object)
		CHECK_STR(s.object, object, "object");
	else
		CHECK(s.object == NULL, "%s: no object (got \"%s\")", text, s.object ? s.object : "");
	mt_spec_free(&s);
}

static void bad_case(const char *text, const char *reason_part)
{
	struct mt_spec s;
	char err[256] = "";
	int ret = mt_spec_parse(text, &s, err, sizeof(err));

	CHECK_INT(ret, -EINVAL, text);
	CHECK(strstr(err, reason_part) != NULL, "'%s' reason \"%s\" mentions \"%s\"", text, err,
	      reason_part);
	CHECK(strchr(err, '\n') == NULL, "'%s' reason is one line", text);
	CHECK(s.text == NULL && s.object == NULL && s.name == NULL, "'%s' leaves nothing allocated",
	      text);
}

int main(void)
{
	struct mt_spec s = { 0 };

	ok_case("Grow", NULL, "Grow");
	ok_case("libfoo.so:parse", "libfoo.so", "parse");
	ok_case("libfoo.so:ns::f", "libfoo.so", "ns::f");
	ok_case("ns::f", NULL, "ns::f");
	ok_case("ns::inner::f", NULL, "ns::inner::f");
	ok_case("::f", NULL, "::f");
	ok_case("lib:::f", "lib", "::f");
	ok_case("a.py:Inversa", "a.py", "Inversa");
	ok_case("/usr/lib/x86_64-linux-gnu/libc.so.6:malloc", "/usr/lib/x86_64-linux-gnu/libc.so.6",
		"malloc");
	ok_case("main:build_index", "main", "build_index");
	/* A demangled ABI tag is part of the name, its ':' no separator. */
	ok_case("load_words[abi:cxx11]", NULL, "load_words[abi:cxx11]");
	ok_case("ns::load_words[abi:cxx11](int)", NULL, "ns::load_words[abi:cxx11](int)");
	ok_case("app:load_words[abi:cxx11]", "app", "load_words[abi:cxx11]");
	ok_case("ns::Vec::operator[]", NULL, "ns::Vec::operator[]");

	bad_case("", "empty");
	bad_case(":f", "empty object");
	bad_case("lib:", "no function name");
	bad_case("a:b:c", "more than one");
	bad_case("lib:ns::f:g", "more than one");
	bad_case("a:load[abi:cxx11]:b", "more than one");

	/* NULL err buffer is allowed; free is NULL-safe and idempotent. */
	CHECK_INT(mt_spec_parse("x:", &s, NULL, 0), -EINVAL, "NULL err buffer");
	mt_spec_free(&s);
	mt_spec_free(NULL);
	return unit_done();
}
