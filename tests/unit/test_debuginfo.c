// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Debug files of stripped fixtures (compiled here, their debug files kept
 * by objcopy --only-keep-debug): from a build-id tree under a root, and
 * from debuginfod through file:// URLs (no network, no server), where
 * answers that are not the object's debug file must be refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debuginfo.h"
#include "elfsym.h"
#include "unit.h"
#include "fixture.h"

static char *tmpdir;

/* Each variant's constant gives it its own code, so its own build id. */
static const char fixture_src[] =
	"__attribute__((noipa)) int grow_all(int k) { return k * VARIANT + 1; }\n"
	"int main(int argc, char **argv) { return grow_all(argc) > 0 ? 0 : 1; }\n";

#define NVARIANTS 4

static char *path_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path_of(const char *fmt, ...)
{
	char *rel, *p;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&rel, fmt, ap);
	va_end(ap);
	if (r < 0 || asprintf(&p, "%s/%s", tmpdir, rel) < 0)
		abort();
	free(rel);
	return p;
}

static int build_fixtures(void)
{
	const char *cc = getenv("CC") ? getenv("CC") : "cc";
	char *src = path_of("fixture.c");
	FILE *f = fopen(src, "w");
	int v;

	free(src);
	if (!f || fputs(fixture_src, f) < 0 || fclose(f))
		return -1;
	for (v = 0; v < NVARIANTS; v++) {
		if (sh("cd %s && %s -O2 -g -DVARIANT=%d fixture.c -o fix%d && "
		       "objcopy --only-keep-debug fix%d fix%d.debug && "
		       "strip --strip-all -o fix%d-stripped fix%d", tmpdir, cc, v + 2, v, v, v, v, v))
			return -1;
	}
	return 0;
}

/* The build id of fixture fixN (the stripped copy has the same). */
static char *build_id_of(int v)
{
	struct mt_elf *elf;
	char *path = path_of("fix%d", v), *id = NULL;

	if (!mt_elf_open(path, &elf)) {
		id = mt_elf_build_id(elf) ? strdup(mt_elf_build_id(elf)) : NULL;
		mt_elf_close(elf);
	}
	free(path);
	return id;
}

/* Places file src at dst (relative to tmpdir), creating the directories. */
static int place(const char *src, const char *dst)
{
	return sh("cd %s && mkdir -p \"$(dirname %s)\" && cp %s %s", tmpdir, dst, src, dst);
}

struct offers {
	int n;
	bool regular;     /* the last offer was a regular file */
	const char *why;  /* what take answers: NULL keeps */
};

static const char *take(int fd, void *arg)
{
	struct offers *o = arg;
	struct stat st;

	o->n++;
	o->regular = !fstat(fd, &st) && S_ISREG(st.st_mode);
	if (!o->why)
		close(fd);
	return o->why;
}

static void test_local_tree(void)
{
	char *id = build_id_of(0), *tree, *root = path_of("root");
	struct offers o = { .why = NULL };

	CHECK(id != NULL, "fix0 has a build id");
	if (!id)
		return;
	if (asprintf(&tree, "root/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2) < 0)
		abort();
	unsetenv("DEBUGINFOD_URLS");
	CHECK(!mt_debuginfo_find(id, root, "fix0", take, &o) && o.n == 0,
	      "nothing under the root, no DEBUGINFOD_URLS: not found, nothing offered (%d)", o.n);
	CHECK_INT(place("fix0.debug", tree), 0, "debug file placed in the root's build-id tree");
	o = (struct offers){ .why = NULL };
	CHECK(mt_debuginfo_find(id, root, "fix0", take, &o) && o.n == 1 && o.regular,
	      "the root's build-id tree: found, offered once (%d)", o.n);
	o = (struct offers){ .why = "refused" };
	CHECK(!mt_debuginfo_find(id, root, "fix0", take, &o) && o.n == 1,
	      "a refused candidate: not found (%d offers)", o.n);
	/* A FIFO planted there opens without a writer and is offered as what it is. */
	CHECK_INT(sh("cd %s && rm %s && mkfifo %s", tmpdir, tree, tree), 0, "FIFO in its place");
	o = (struct offers){ .why = "not a regular file" };
	CHECK(!mt_debuginfo_find(id, root, "fix0", take, &o) && o.n == 1 && !o.regular,
	      "a FIFO: offered as a non-regular file, no hang");
	CHECK(!mt_debuginfo_find("xyz", root, "fix0", take, &o), "a build id that is not hex: not found");
	free(tree);
	free(root);
	free(id);
}

/* mt_elf_open of fixN-stripped with the debuginfod server answering file for it (NULL: nothing). */
static struct mt_elf *open_served(int v, const char *file)
{
	char *id = build_id_of(v), *dst, *path;
	struct mt_elf *elf = NULL;

	if (!id)
		return NULL;
	if (asprintf(&dst, "srv/buildid/%s/debuginfo", id) < 0)
		abort();
	if (!file || !place(file, dst)) {
		path = path_of("fix%d-stripped", v);
		if (mt_elf_open(path, &elf))
			elf = NULL;
		free(path);
	}
	free(dst);
	free(id);
	return elf;
}

static bool in_cache(int v)
{
	char *id = build_id_of(v), *p;
	bool there;

	p = path_of("cache/%s/debuginfo", id ? id : "none");
	there = !access(p, F_OK);
	free(p);
	free(id);
	return there;
}

static void test_debuginfod(void)
{
	char *urls = path_of("srv"), *cache = path_of("cache"), *fix1 = path_of("fix1"), *env;
	struct mt_sym want, got;
	struct mt_elf *elf, *full;

	if (asprintf(&env, "file://%s", urls) < 0)
		abort();
	setenv("DEBUGINFOD_URLS", env, 1);
	setenv("DEBUGINFOD_CACHE_PATH", cache, 1);
	CHECK(strstr(mt_debuginfo_advice(), "DEBUGINFOD_URLS gave none") != NULL,
	      "advice with DEBUGINFOD_URLS set: %s", mt_debuginfo_advice());

	elf = open_served(1, "fix1.debug");
	CHECK(elf && mt_elf_has_symtab(elf), "its own debug file: fix1-stripped has symbols");
	full = NULL;
	CHECK(elf && !mt_elf_open(fix1, &full) &&
	      !mt_elf_find_func(full, "grow_all", &want) && !mt_elf_find_func(elf, "grow_all", &got) &&
	      got.vaddr == want.vaddr && got.file_off == want.file_off && !got.from_dynsym,
	      "grow_all from the fetched debug file is where the unstripped fixture has it");
	CHECK(in_cache(1), "the fetched file is in DEBUGINFOD_CACHE_PATH");
	mt_elf_close(full);
	mt_elf_close(elf);

	CHECK_INT(sh("echo 'not an ELF file' > %s/garbage", tmpdir), 0, "garbage file");
	elf = open_served(2, "garbage");
	CHECK(elf && !mt_elf_has_symtab(elf), "a non-ELF answer: fix2-stripped stays stripped");
	CHECK(!in_cache(2), "the non-ELF answer left the cache");
	mt_elf_close(elf);

	elf = open_served(3, "fix0.debug");
	CHECK(elf && !mt_elf_has_symtab(elf), "another object's debug file: fix3-stripped stays stripped");
	CHECK(!in_cache(3), "the wrong file left the cache");
	mt_elf_close(elf);

	elf = open_served(0, NULL);
	CHECK(elf && !mt_elf_has_symtab(elf), "the server has nothing: fix0-stripped stays stripped");
	mt_elf_close(elf);

	unsetenv("DEBUGINFOD_URLS");
	CHECK(strstr(mt_debuginfo_advice(), "or set DEBUGINFOD_URLS") != NULL,
	      "advice without DEBUGINFOD_URLS: %s", mt_debuginfo_advice());
	free(env);
	free(fix1);
	free(urls);
	free(cache);
}

int main(void)
{
	tmpdir = unit_tmpdir("debuginfo");
	CHECK_INT(build_fixtures(), 0, "fixtures compile (cc, objcopy, strip)");
	test_local_tree();
	test_debuginfod();
	return unit_finish(tmpdir);
}
