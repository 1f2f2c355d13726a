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
#include "suggest.h"

/* Python sources are small; a bigger "source" is not one worth holding. */
#define SOURCE_MAX (16u << 20)
/* Names kept for suggestions: a hostile "source" of a million defs costs no more. */
#define DEFS_MAX 65536
/* Modules followed from a script: its own, not the whole standard library. */
#define IMPORTS_MAX 64

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

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* s starts with keyword word, then a blank: the text after the blanks, else NULL. */
static const char *after_keyword(const char *s, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(s, word, n) || !is_blank(s[n]))
		return NULL;
	return s + n + strspn(s + n, " \t");
}

/*
 * The name a line defines ("def NAME", "async def NAME", "class NAME", at
 * any indentation): its length, 0 for none. ASCII identifiers only, as the
 * kernel side matches (user/pycode.c mt_py_match_build), so every name is
 * safe to print.
 */
static size_t defined_name(const char *line, const char **name)
{
	const char *p = line + strspn(line, " \t"), *q;
	size_t n = 0;

	if ((q = after_keyword(p, "async")))
		p = q;
	if (!(q = after_keyword(p, "def")) && !(q = after_keyword(p, "class")))
		return 0;
	if (*q >= '0' && *q <= '9')
		return 0;
	while ((q[n] >= 'a' && q[n] <= 'z') || (q[n] >= 'A' && q[n] <= 'Z') ||
	       (q[n] >= '0' && q[n] <= '9') || q[n] == '_')
		n++;
	*name = q;
	return n;
}

static int add_defs(struct mt_pycodes *pc, char *const *lines, size_t nlines, const char *file)
{
	const char *name;
	size_t i, n;

	for (i = 0; i < pc->ndefs_files; i++)
		if (!strcmp(pc->defs_files[i], file))
			return 0;
	if (mt_grow(&pc->defs_files, &pc->defs_files_cap, pc->ndefs_files + 1,
		    sizeof(*pc->defs_files)) ||
	    !(pc->defs_files[pc->ndefs_files] = strdup(file)))
		return -ENOMEM;
	pc->ndefs_files++;
	for (i = 0; i < nlines && pc->ndefs < DEFS_MAX; i++) {
		n = defined_name(lines[i], &name);
		if (!n)
			continue;
		if (mt_grow(&pc->defs, &pc->defs_cap, pc->ndefs + 1, sizeof(*pc->defs)))
			return -ENOMEM;
		pc->defs[pc->ndefs] = strndup(name, n);
		if (!pc->defs[pc->ndefs])
			return -ENOMEM;
		pc->ndefs++;
		pc->defs_sorted = false;
	}
	return 0;
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
	e = split_lines(ci, text, len);
	return e ? e : add_defs(pc, ci->lines, ci->nlines, ci->file);
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

/* A dotted module name at s ("pkg.mod") as a path ("pkg/mod"), malloc'd; NULL for none. */
static char *module_path(const char *s)
{
	size_t n = 0;
	char *path;

	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
	       (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || (n && s[n] == '.'))
		n++;
	if (!n || s[n - 1] == '.')
		return NULL;
	path = strndup(s, n);
	for (char *d = path; d && (d = strchr(d, '.')); d++)
		*d = '/';
	return path;
}

static int add_import(struct mt_pycodes *pc, const char *s)
{
	char *path = module_path(s);
	size_t i;

	if (!path)
		return 0;
	for (i = 0; i < pc->nimports && strcmp(pc->imports[i], path); i++)
		;
	if (i < pc->nimports || pc->nimports >= IMPORTS_MAX ||
	    mt_grow(&pc->imports, &pc->imports_cap, pc->nimports + 1, sizeof(*pc->imports))) {
		free(path);
		return 0;
	}
	pc->imports[pc->nimports++] = path;
	return 0;
}

/* "import a.b, c as d", "from a.b import c" (not relative ones: "from . import c"). */
static void add_imports(struct mt_pycodes *pc, char *const *lines, size_t nlines)
{
	const char *p, *q;

	for (size_t i = 0; i < nlines; i++) {
		p = lines[i] + strspn(lines[i], " \t");
		if ((q = after_keyword(p, "from"))) {
			add_import(pc, q);
			continue;
		}
		if (!(q = after_keyword(p, "import")))
			continue;
		for (; q; q = strchr(q, ',')) {
			q += strspn(q, ", \t");
			add_import(pc, q);
		}
	}
}

int mt_pycodes_read_defs(struct mt_pycodes *pc, const char *file)
{
	struct mt_pycode_info src = {};
	char why[512], *text;
	size_t len;
	int e;

	if (!names_a_file(file))
		return -ENOENT;
	e = read_source(pc, file, &text, &len, why, sizeof(why));
	if (!e)
		e = split_lines(&src, text, len);
	if (!e)
		e = add_defs(pc, src.lines, src.nlines, file);
	if (!e)
		add_imports(pc, src.lines, src.nlines);
	free(src.lines);
	free(src.text);
	return e;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, each name once. */
static void sort_defs(struct mt_pycodes *pc)
{
	size_t i, n = 0;

	if (pc->defs_sorted)
		return;
	if (pc->ndefs)
		qsort(pc->defs, pc->ndefs, sizeof(*pc->defs), str_cmp);
	for (i = 0; i < pc->ndefs; i++) {
		if (n && !strcmp(pc->defs[n - 1], pc->defs[i]))
			free(pc->defs[i]);
		else
			pc->defs[n++] = pc->defs[i];
	}
	pc->ndefs = n;
	pc->defs_sorted = true;
}

/* A qualname's own name: "Class.method" -> "method". */
static const char *last_part(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? dot + 1 : name;
}

bool mt_pycodes_defines(struct mt_pycodes *pc, const char *name)
{
	const char *key = last_part(name);

	sort_defs(pc);
	return pc->ndefs && bsearch(&key, pc->defs, pc->ndefs, sizeof(*pc->defs), str_cmp);
}

int mt_pycodes_suggest(struct mt_pycodes *pc, const char *name, const char **out, int max)
{
	struct mt_suggest s;

	sort_defs(pc);
	if (mt_suggest_init(&s, last_part(name)))
		return 0;
	for (size_t i = 0; i < pc->ndefs; i++)
		mt_suggest_offer(&s, pc->defs[i]);
	return mt_suggest_best(&s, out, max);
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
	for (size_t i = 0; i < pc->ndefs; i++)
		free(pc->defs[i]);
	free(pc->defs);
	for (size_t i = 0; i < pc->ndefs_files; i++)
		free(pc->defs_files[i]);
	free(pc->defs_files);
	for (size_t i = 0; i < pc->nimports; i++)
		free(pc->imports[i]);
	free(pc->imports);
	if (pc->proc_opened) {
		if (pc->rootfd >= 0)
			close(pc->rootfd);
		if (pc->procfd >= 0)
			close(pc->procfd);
	}
	memset(pc, 0, sizeof(*pc));
}
