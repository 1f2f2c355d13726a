// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pysource.h"

/*
 * co_filename is as the interpreter saw it: absolute, or relative to its
 * working directory at import time. Read it through the target's root (a
 * container's files) or cwd; fall back to our own view (a launched command
 * that has already exited).
 */
static FILE *open_source(pid_t pid, const char *file)
{
	char *path;
	FILE *f = NULL;

	if (!*file || *file == '<') /* "<stdin>", "<string>", frozen modules */
		return NULL;
	if (asprintf(&path, "/proc/%d/%s%s%s", (int)pid, *file == '/' ? "root" : "cwd",
		     *file == '/' ? "" : "/", file) >= 0) {
		f = fopen(path, "re");
		free(path);
	}
	return f ? f : fopen(file, "re");
}

static void read_lines(struct mt_pycode_info *ci, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) >= 0) {
		char **nl = realloc(ci->lines, (ci->nlines + 1) * sizeof(*nl));

		if (!nl)
			break;
		ci->lines = nl;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		ci->lines[ci->nlines] = strdup(line);
		if (!ci->lines[ci->nlines])
			break;
		ci->nlines++;
	}
	free(line);
}

int mt_pycodes_add(struct mt_pycodes *pc, uint32_t code, uint32_t target, const char *name,
		   const char *file, int firstlineno)
{
	struct mt_pycode_info *ci;
	FILE *f;

	if (code >= pc->ncodes) {
		struct mt_pycode_info *n = realloc(pc->codes, (code + 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		memset(n + pc->ncodes, 0, (code + 1 - pc->ncodes) * sizeof(*n));
		pc->codes = n;
		pc->ncodes = code + 1;
	}
	ci = &pc->codes[code];
	if (ci->name)
		return 0;
	ci->target = target;
	ci->firstlineno = firstlineno;
	ci->name = strdup(name);
	ci->file = strdup(file);
	if (!ci->name || !ci->file)
		return -ENOMEM;
	f = open_source(pc->pid, file);
	if (f) {
		read_lines(ci, f);
		fclose(f);
	}
	return 0;
}

const struct mt_pycode_info *mt_pycodes_get(const struct mt_pycodes *pc, uint32_t code)
{
	return code < pc->ncodes && pc->codes[code].name ? &pc->codes[code] : NULL;
}

const char *mt_pycode_source(const struct mt_pycode_info *ci, int line)
{
	return line >= 1 && (size_t)line <= ci->nlines ? ci->lines[line - 1] : NULL;
}

void mt_pycodes_free(struct mt_pycodes *pc)
{
	for (size_t i = 0; i < pc->ncodes; i++) {
		for (size_t j = 0; j < pc->codes[i].nlines; j++)
			free(pc->codes[i].lines[j]);
		free(pc->codes[i].lines);
		free(pc->codes[i].name);
		free(pc->codes[i].file);
	}
	free(pc->codes);
	memset(pc, 0, sizeof(*pc));
}
