// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Python names for -f checks: the script a command line runs, and the
 * functions and imports a source defines (read as this process could).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "pysource.h"
#include "pytarget.h"
#include "unit.h"

static void script_case(const char *want, char *const *argv)
{
	const char *got = mt_python_script(argv);

	if (want)
		CHECK_STR(got, want, argv[0]);
	else
		CHECK(!got, "%s ... runs no script file (got %s)", argv[0], got);
}

static void test_script(void)
{
	script_case("app.py", (char *const[]){ "python3", "app.py", "-x", NULL });
	script_case("/a/app.py", (char *const[]){ "/usr/bin/python3.11", "-u", "-X", "dev", "-Wignore",
						 "/a/app.py", NULL });
	script_case("app.py", (char *const[]){ "/usr/bin/env", "python3", "-W", "error", "app.py", NULL });
	script_case("./app.py", (char *const[]){ "./app.py", "--log", "x", NULL });
	script_case("app.py", (char *const[]){ "python3", "--", "app.py", NULL });
	script_case(NULL, (char *const[]){ "python3", "-c", "pass", "app.py", NULL });
	script_case(NULL, (char *const[]){ "python3", "-um", "app", "app.py", NULL });
	script_case(NULL, (char *const[]){ "python3", "-", "app.py", NULL });
	script_case(NULL, (char *const[]){ "python3", "tool", "data.py", NULL });
	script_case(NULL, (char *const[]){ NULL });
}

static const char source[] =
	"import os, pkg.mod as m\n"
	"from helper import make\n"
	"from . import sibling\n"
	"def make_doc(mib):\n"
	"    pass\n"
	"async  def\tfetch_all():\n"
	"    pass\n"
	"class Shelf:\n"
	"    def put_back(self):\n"
	"        pass\n"
	"define_me = 1\n"
	"def 9bad():\n"
	"def \x1b[2Jclear(): pass\r\n";

static void test_defs(const char *dir)
{
	struct mt_pycodes pc = { .pid = getpid() };
	const char *sugg[3];
	char *file;
	FILE *f;
	int n;

	if (asprintf(&file, "%s/app.py", dir) < 0 || !(f = fopen(file, "w"))) {
		CHECK(0, "write %s/app.py", dir);
		return;
	}
	fputs(source, f);
	fclose(f);
	CHECK_INT(mt_pycodes_read_defs(&pc, file), 0, "read app.py");
	CHECK_INT(mt_pycodes_read_defs(&pc, "/does/not/exist.py"), -ENOENT, "a missing source");
	CHECK_INT(pc.ndefs_files, 1, "sources read");
	for (const char *const *d = (const char *const[]){ "make_doc", "fetch_all", "Shelf", "put_back",
							   "Shelf.put_back", NULL }; *d; d++)
		CHECK(mt_pycodes_defines(&pc, *d), "app.py defines %s", *d);
	for (const char *const *d = (const char *const[]){ "make_dco", "define_me", "9bad", "clear",
							   "make", NULL }; *d; d++)
		CHECK(!mt_pycodes_defines(&pc, *d), "app.py does not define %s", *d);
	CHECK_INT(pc.nimports, 3, "imports");
	if (pc.nimports == 3) {
		CHECK_STR(pc.imports[0], "os", "import os");
		CHECK_STR(pc.imports[1], "pkg/mod", "import pkg.mod as m");
		CHECK_STR(pc.imports[2], "helper", "from helper import");
	}
	n = mt_pycodes_suggest(&pc, "make_dco", sugg, 3);
	CHECK(n >= 1 && !strcmp(sugg[0], "make_doc"), "make_dco suggests make_doc (got %s)",
	      n ? sugg[0] : "nothing");
	CHECK_INT(mt_pycodes_suggest(&pc, "make_doc", sugg, 3), 0, "a defined name suggests nothing");
	/* The same source again adds nothing. */
	n = (int)pc.ndefs;
	CHECK_INT(mt_pycodes_read_defs(&pc, file), 0, "read app.py again");
	mt_pycodes_defines(&pc, "x");
	CHECK_INT(pc.ndefs, n, "each name once");
	mt_pycodes_free(&pc);
	free(file);
}

int main(void)
{
	char *dir = unit_tmpdir("pynames");

	test_script();
	test_defs(dir);
	return unit_finish(dir);
}
