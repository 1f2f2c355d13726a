// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "array.h"
#include "asuser.h"
#include "log.h"
#include "pysource.h"

/* Python sources are small; a bigger "source" is not one worth holding. */
#define SOURCE_MAX (16u << 20)

/* "<stdin>", "<string>", frozen modules: names, not files. */
static bool names_a_file(const char *file)
{
	return *file && *file != '<';
}

/* A target-chosen name, printable on one stderr line. */
static void printable(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? '?' : in[i];
	out[i] = '\0';
}

static void open_proc(struct mt_pycodes *pc)
{
	char path[32];

	pc->proc_opened = true;
	pc->procfd = pc->rootfd = -1;
	snprintf(path, sizeof(path), "/proc/%d", (int)pc->pid);
	pc->procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pc->procfd >= 0)
		pc->rootfd = openat(pc->procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/*
 * co_filename is as the interpreter saw it: absolute, or relative to its
 * working directory at import time. It is read as the target could read it
 * (user/asuser.c says how); there is no fallback to memtrace's own view of
 * the files, which would show what the target has no right to.
 */
static int read_source(struct mt_pycodes *pc, const char *file, char **text, size_t *len,
		       char *why, size_t whylen)
{
	struct mt_proc_creds creds;
	char *path;
	int e;

	if (!pc->proc_opened)
		open_proc(pc);
	if (pc->read_timed_out) {
		mt_set_err(why, whylen, "an earlier read of the traced process's sources timed out");
		return -ETIMEDOUT;
	}
	if (pc->rootfd < 0) {
		mt_set_err(why, whylen, "the traced process had exited before it was read");
		return -ESRCH;
	}
	e = mt_proc_creds_read(pc->procfd, &creds);
	if (e == -ENOMEM)
		return e;
	if (e) {
		mt_set_err(why, whylen, "the traced process had exited before it was read");
		return e;
	}
	e = mt_proc_path_in_root(pc->procfd, file, &path);
	if (e == -EXDEV)
		mt_set_err(why, whylen, "the traced process's working directory is outside its root");
	else if (e && e != -ENOMEM)
		mt_set_err(why, whylen, "the traced process had exited before it was read");
	if (!e) {
		e = mt_read_as(&creds, pc->rootfd, path, SOURCE_MAX, text, len, why, whylen);
		pc->read_timed_out = e == -ETIMEDOUT;
		free(path);
	}
	mt_proc_creds_free(&creds);
	return e;
}

/* Splits text in place at newlines ("\r\n" too); ci owns text afterwards. */
static int split_lines(struct mt_pycode_info *ci, char *text, size_t len)
{
	size_t n = 0, i;
	char *p = text;

	for (i = 0; i < len; i++)
		n += text[i] == '\n';
	ci->text = text;
	ci->textlen = len;
	ci->lines = calloc(n + 1, sizeof(*ci->lines));
	if (!ci->lines)
		return -ENOMEM;
	while (p < text + len) {
		char *nl = memchr(p, '\n', (size_t)(text + len - p));
		char *end = nl ? nl : text + len;

		if (end > p && end[-1] == '\r')
			end[-1] = '\0';
		*end = '\0'; /* text has a NUL after its last byte */
		ci->lines[ci->nlines++] = p;
		p = end + 1;
	}
	return 0;
}

/* The lines of another code of the same file: read once, said once. */
static int copy_source(struct mt_pycode_info *ci, const struct mt_pycode_info *from)
{
	if (!from->text)
		return 0;
	ci->text = malloc(from->textlen + 1);
	ci->lines = calloc(from->nlines + 1, sizeof(*ci->lines));
	if (!ci->text || !ci->lines)
		return -ENOMEM;
	memcpy(ci->text, from->text, from->textlen + 1);
	ci->textlen = from->textlen;
	for (size_t i = 0; i < from->nlines; i++)
		ci->lines[i] = ci->text + (from->lines[i] - from->text);
	ci->nlines = from->nlines;
	return 0;
}

static const struct mt_pycode_info *same_file(const struct mt_pycodes *pc, uint32_t code,
					       const char *file)
{
	for (size_t i = 0; i < pc->ncodes; i++)
		if (i != code && pc->codes[i].file && !strcmp(pc->codes[i].file, file))
			return &pc->codes[i];
	return NULL;
}

static int add_source(struct mt_pycodes *pc, uint32_t code)
{
	struct mt_pycode_info *ci = &pc->codes[code];
	const struct mt_pycode_info *prev = same_file(pc, code, ci->file);
	char why[512], name[256], *text;
	size_t len;
	int e;

	if (prev)
		return copy_source(ci, prev);
	e = read_source(pc, ci->file, &text, &len, why, sizeof(why));
	if (e == -ENOMEM)
		return e;
	if (e) {
		printable(ci->file, name, sizeof(name));
		mt_warn("cannot show source of %s: %s", name, why);
		return 0;
	}
	return split_lines(ci, text, len);
}

int mt_pycodes_add(struct mt_pycodes *pc, uint32_t code, uint32_t target, const char *name,
		   const char *file, int firstlineno)
{
	struct mt_pycode_info *ci;

	if (code >= pc->ncodes) {
		if (mt_grow(&pc->codes, &pc->cap, (size_t)code + 1, sizeof(*pc->codes)))
			return -ENOMEM;
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
	return names_a_file(file) ? add_source(pc, code) : 0;
}

const struct mt_pycode_info *mt_pycodes_at(const struct mt_pycodes *pc, uint32_t code)
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
		free(pc->codes[i].lines);
		free(pc->codes[i].text);
		free(pc->codes[i].name);
		free(pc->codes[i].file);
	}
	free(pc->codes);
	if (pc->proc_opened) {
		if (pc->rootfd >= 0)
			close(pc->rootfd);
		if (pc->procfd >= 0)
			close(pc->procfd);
	}
	memset(pc, 0, sizeof(*pc));
}
