// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elfsym.h"
#include "pyoffsets.h"
#include "pytarget.h"
#include "log.h"

int mt_python_detect(pid_t pid, const char *exe, struct mt_python *py, char *err, size_t errlen)
{
	struct mt_elf *elf;
	int e;

	memset(py, 0, sizeof(*py));
	e = pid ? mt_pyproc_detect(pid, &py->proc, py->what, sizeof(py->what))
		: mt_pyproc_detect_exe(exe, &py->proc, py->what, sizeof(py->what));
	if (e == -ENOENT || e == -EPROTONOSUPPORT) {
		/* Not CPython 3: py->what says what it is, for errors about Python names. */
		py->unsupported = e == -EPROTONOSUPPORT;
		return 0;
	}
	if (e) {
		mt_set_err(err, errlen, "%s", py->what);
		return e;
	}
	py->found = true;
	/* The probes live in the object with the eval loop, which also holds _PyRuntime. */
	if (!mt_elf_open(py->proc.object_host, &elf)) {
		py->has_usdt = mt_elf_has_usdt(elf, "python", "function__entry") &&
			       mt_elf_has_usdt(elf, "python", "function__return") &&
			       mt_elf_has_usdt(elf, "python", "line");
		mt_elf_close(elf);
	}
	return 0;
}

int mt_python_detect_proc(pid_t pid, struct mt_python *py)
{
	char exe[64], err[512];

	if (!mt_python_detect(pid, NULL, py, err, sizeof(err)) && py->found)
		return 0;
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	return !mt_python_detect(0, exe, py, err, sizeof(err)) && py->found ? 0 : -ENOENT;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

bool mt_python_wants(const struct mt_python *py, struct mt_elf *interp, const struct mt_spec *spec)
{
	struct mt_sym s;

	if (spec->object && ends_with(spec->object, ".py"))
		return true;
	if (!py->found || spec->object)
		return false;
	return !interp || mt_elf_find_func(interp, spec->name, &s);
}

/* An interpreter's word of a command line: "python3.11", "/usr/bin/python3", "env". */
static bool interpreter_word(const char *arg)
{
	const char *base = strrchr(arg, '/');

	base = base ? base + 1 : arg;
	return !strncmp(base, "python", 6) || !strcmp(base, "env");
}

/* After the options of the interpreter (python3 --help): the script, or NULL. */
static const char *script_after_options(char *const *argv)
{
	for (; *argv; argv++) {
		const char *a = *argv;

		if (!strcmp(a, "--"))
			return argv[1];
		if (a[0] != '-' || !a[1])
			return a[0] == '-' ? NULL : a; /* "-": stdin */
		if (!strcmp(a, "--check-hash-based-pycs") && argv[1]) {
			argv++;
			continue;
		}
		if (a[1] == '-')
			continue;
		/* A cluster of one-letter options ("-uW", "-Wignore"): -c, -m end the options. */
		for (a++; *a; a++) {
			if (*a == 'c' || *a == 'm')
				return NULL;
			if (*a == 'W' || *a == 'X') {
				if (!a[1] && argv[1])
					argv++;
				break;
			}
		}
	}
	return NULL;
}

const char *mt_python_script(char *const *argv)
{
	const char *script;

	if (!argv || !argv[0])
		return NULL;
	if (ends_with(argv[0], ".py")) {
		script = argv[0];
	} else {
		while (*argv && interpreter_word(*argv))
			argv++;
		script = script_after_options(argv);
	}
	return script && ends_with(script, ".py") ? script : NULL;
}

static int version_error(const struct mt_python *py, char *err, size_t errlen)
{
	size_t n;
	const struct mt_py_table *tabs = mt_py_tables(&n);
	mt_set_err(err, errlen, "CPython %d.%d (%s) is not supported for Python tracing; supported: ",
		   py->proc.major, py->proc.minor, py->proc.object);
	for (size_t i = 0; i < n; i++) {
		uint32_t hex = tabs[i].off.version_hex;
		bool seen = false;

		/* Several tables can cover one minor release (3.11.2 and 3.11.7). */
		for (size_t j = 0; j < i; j++)
			seen |= (tabs[j].off.version_hex >> 16) == (hex >> 16);
		if (!seen)
			mt_add_err(err, errlen, "%s%u.%u", i ? ", " : "", hex >> 24, (hex >> 16) & 0xff);
	}
	if (py->has_usdt)
		mt_add_err(err, errlen, "; --exact works with this build's USDT probes");
	return -EPROTONOSUPPORT;
}

int mt_python_target(const struct mt_python *py, const struct mt_spec *spec, bool exact,
		     struct mt_target *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!py->found) {
		if (py->unsupported)
			mt_set_err(err, errlen, "%s", py->what);
		else
			mt_set_err(err, errlen, "'%s' names a Python function, but %s", spec->text, py->what);
		return py->unsupported ? -EPROTONOSUPPORT : -ENOENT;
	}
	if (exact && !py->has_usdt) {
		mt_set_err(err, errlen,
			 "--exact needs CPython's USDT probes (python:function__entry, function__return, line), and %s has none; Debian's /usr/bin/python3.11 has them, or leave out --exact to walk frames",
			 py->proc.object);
		return -ENOTSUP;
	}
	if (!exact && !mt_py_table_find(py->proc.major, py->proc.minor, py->proc.micro))
		return version_error(py, err, errlen);
	out->spec = strdup(spec->text);
	out->func = strdup(spec->name);
	out->object = strdup(py->proc.object);
	out->object_host = strdup(py->proc.object_host);
	out->py_file = spec->object ? strdup(spec->object) : NULL;
	if (!out->spec || !out->func || !out->object || !out->object_host ||
	    (spec->object && !out->py_file)) {
		mt_target_free(out);
		return -ENOMEM;
	}
	out->kind = MT_KIND_PYTHON;
	out->method = exact ? MT_METHOD_USDT : MT_METHOD_FRAMES;
	out->attach_note = exact ? "USDT function__entry/return/line" : "frame walk on RSS changes";
	return 0;
}
