// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Spec resolution in attach mode (this process, and child fixtures compiled
 * here: plain, stripped, deleted after start) and in launch mode (with an
 * $ORIGIN runpath library). Expected offsets come from where the running
 * process has the code mapped, or from elfsym (tested on its own).
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elfsym.h"
#include "libsearch.h"
#include "procfs.h"
#include "resolve.h"
#include "unit.h"
#include "fixture.h"

static char tmpdir[] = "/tmp/mt_resolve.XXXXXX";
static char *realdir; /* tmpdir without symlinks, as /proc shows paths */

static const char fixture_src[] =
	"#include <stdio.h>\n"
	"#include <stdlib.h>\n"
	"#include <string.h>\n"
	"#include <unistd.h>\n"
	"__attribute__((noipa)) long Grow(long n)\n"
	"{\n"
	"	char *p = malloc(n);\n"
	"	if (p)\n"
	"		memset(p, 1, n);\n"
	"	return p ? p[n - 1] : -1;\n"
	"}\n"
	"__attribute__((noipa)) int grow_all(int k) { long s = 0; while (k--) s += Grow(4096); return (int)s; }\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"	if (argc > 1 && !strcmp(argv[1], \"wait\")) {\n"
	"		printf(\"ready\\n\");\n"
	"		fflush(stdout);\n"
	"		pause();\n"
	"	}\n"
	"	return grow_all(argc) ? 0 : 1;\n"
	"}\n";

static const char lib_src[] = "__attribute__((noipa)) int fix_func(int x) { return x * 3; }\n";
static const char app_src[] =
	"int fix_func(int);\n"
	"int main(int argc, char **argv) { return fix_func(argc) == 3 ? 0 : 1; }\n";

/* Keeps the test's own marker function real and out of line. */
__attribute__((noipa)) int mt_test_marker(int x);
__attribute__((noipa)) int mt_test_marker(int x)
{
	return x * 7 + 1;
}

static char *fixture(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", realdir, name) < 0)
		abort();
	return p;
}

static int write_file(const char *name, const char *text)
{
	char *path = fixture(name);
	FILE *f = fopen(path, "w");

	free(path);
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int build_fixtures(void)
{
	const char *cc = getenv("CC") ? getenv("CC") : "cc";

	if (write_file("fixture.c", fixture_src) || write_file("lib.c", lib_src) ||
	    write_file("app.c", app_src))
		return -1;
	return sh("cd %s && %s -O2 -g -fcf-protection=full fixture.c -o grow && "
		  "cp grow grow-stripped && strip grow-stripped && cp grow gone && "
		  "mkdir lib && %s -O2 -fPIC -shared lib.c -o lib/libfix.so && "
		  "%s -O2 app.c -o app -Llib -lfix -Wl,-rpath,'$ORIGIN/lib'",
		  realdir, cc, cc, cc);
}

/* File offset of a runtime address, from this process's own mappings; path too. */
static int runtime_off(const void *addr, char **path, uint64_t *off)
{
	unsigned long start, end, moff;
	char *line = NULL, *p;
	size_t cap = 0;
	int pos, found = -1;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && found && getline(&line, &cap, f) > 0) {
		pos = 0;
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*u %n", &start, &end, &moff, &pos) < 3 || !pos)
			continue;
		if ((uintptr_t)addr < start || (uintptr_t)addr >= end)
			continue;
		p = line + pos;
		p[strcspn(p, "\n")] = '\0';
		*path = strdup(p);
		*off = (uintptr_t)addr - start + moff;
		found = 0;
	}
	free(line);
	if (f)
		fclose(f);
	return found;
}

static int resolve(pid_t pid, const char *exe, const char *spec, struct mt_target *t, char *err,
		   size_t len)
{
	struct mt_resolve_ctx ctx = { .pid = pid, .exe = exe };
	struct mt_target_list list = { 0 };
	int e;

	err[0] = '\0';
	memset(t, 0, sizeof(*t));
	e = mt_resolve(&ctx, spec, &list, err, len);
	/* One name, one target: the first is the one these tests look at. */
	if (!e && list.n)
		*t = list.v[0];
	for (size_t i = 1; i < list.n; i++)
		mt_target_free(&list.v[i]);
	free(list.v);
	return e;
}

static void check_has(const char *err, const char *part, const char *what)
{
	CHECK(strstr(err, part) != NULL, "%s: \"%s\" mentions \"%s\"", what, err, part);
}

static void check_ok(int ret, const char *err, const char *what)
{
	CHECK(ret == 0, "%s: got %d%s%s", what, ret, *err ? ", " : "", err);
}

static void check_native(const struct mt_target *t, const char *spec, const char *func)
{
	CHECK_STR(t->spec, spec, "spec kept");
	CHECK_STR(t->func, func, "func");
	CHECK_INT(t->kind, MT_KIND_NATIVE, "kind");
	CHECK_STR(mt_method_name(t->method), "uprobe", "method");
	CHECK(t->attach_note && *t->attach_note, "attach_note set (%s)", t->attach_note);
	CHECK(t->offset == t->sym_offset || t->offset == t->sym_offset + 4,
	      "probe at entry or after endbr64");
}

/* Attach mode against this very process. */
static void test_self(void)
{
	char err[1024], *path = NULL, *host = NULL;
	struct mt_target t;
	uint64_t off = 0;
	pid_t me = getpid();
	void *addr;
	int ret;

	ret = resolve(me, NULL, "mt_test_marker", &t, err, sizeof(err));
	CHECK_INT(ret, 0, "self: mt_test_marker resolves");
	if (!ret && !runtime_off((void *)mt_test_marker, &path, &off)) {
		check_native(&t, "mt_test_marker", "mt_test_marker");
		CHECK_STR(t.object, path, "object is our executable");
		if (asprintf(&host, "/proc/%d/root%s", (int)me, path) > 0)
			CHECK_STR(t.object_host, host, "object_host goes through /proc/PID/root");
		CHECK(t.sym_offset == off, "sym_offset 0x%" PRIx64 " == runtime 0x%" PRIx64,
		      t.sym_offset, off);
	}
	mt_target_free(&t);
	free(path);
	free(host);
	path = NULL;

	/* OBJECT:NAME by basename prefix, checked against where malloc really runs. */
	addr = libc_sym("malloc");
	ret = resolve(me, NULL, "libc:malloc", &t, err, sizeof(err));
	CHECK_INT(ret, 0, "self: libc:malloc resolves");
	if (!ret && !runtime_off(addr, &path, &off)) {
		check_native(&t, "libc:malloc", "malloc");
		CHECK_STR(t.object, path, "object is the mapped libc");
		CHECK(t.sym_offset == off, "malloc sym_offset 0x%" PRIx64 " == runtime 0x%" PRIx64,
		      t.sym_offset, off);
	}
	mt_target_free(&t);

	/* The same by exact basename and by full path; NAME alone finds it in libc too. */
	CHECK_INT(resolve(me, NULL, "libc.so.6:malloc", &t, err, sizeof(err)), 0, "libc.so.6:malloc");
	mt_target_free(&t);
	if (path) {
		char *spec;

		if (asprintf(&spec, "%s:malloc", path) > 0) {
			CHECK_INT(resolve(me, NULL, spec, &t, err, sizeof(err)), 0, "full path:malloc");
			mt_target_free(&t);
			free(spec);
		}
	}
	ret = resolve(me, NULL, "malloc", &t, err, sizeof(err));
	CHECK(ret == 0 && t.object && strstr(t.object, "libc.so.6"), "plain malloc found in libc");
	mt_target_free(&t);
	free(path);

	ret = resolve(me, NULL, "libc:memcpy", &t, err, sizeof(err));
	CHECK_INT(ret, -EINVAL, "memcpy is refused");
	check_has(err, "'memcpy' in ", "ifunc error");
	check_has(err, "is an IFUNC resolver", "ifunc error");
	check_has(err, "libc", "ifunc error");

	ret = resolve(me, NULL, "libnope:malloc", &t, err, sizeof(err));
	CHECK_INT(ret, -ENOENT, "unknown object");
	check_has(err, "no object 'libnope' is mapped by process", "unknown object");
	/* The list is in map order and cut after 8: the executable comes first (libc may be cut). */
	check_has(err, "test_resolve,", "unknown object lists what is mapped");

	/* "libc.so" must not pick libc.so.6's neighbours by accident, nor "lib" anything. */
	CHECK_INT(resolve(me, NULL, "lib:malloc", &t, err, sizeof(err)), -ENOENT, "'lib' is no prefix match");

	CHECK_INT(resolve(me, NULL, "a.py:Inversa", &t, err, sizeof(err)), -EOPNOTSUPP, "Python spec");
	CHECK_INT(resolve(me, NULL, ":f", &t, err, sizeof(err)), -EINVAL, "bad spec");
	mt_target_free(NULL);
}

/* Starts path with "wait" and returns once it is running main(). */
static pid_t spawn_waiting(const char *path)
{
	int fds[2];
	char buf[8];
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl(path, path, "wait", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], buf, sizeof(buf)) < 5) {
		close(fds[0]);
		return -1;
	}
	close(fds[0]);
	return pid;
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static void test_child(void)
{
	char *grow = fixture("grow"), *stripped = fixture("grow-stripped"), *host = NULL;
	pid_t pid = spawn_waiting(grow), pid2 = spawn_waiting(stripped);
	struct mt_elf *elf = NULL;
	char err[1024];
	struct mt_target t;
	struct mt_sym s;
	uint64_t off = 0;
	const char *why;
	int ret;

	CHECK(pid > 0 && pid2 > 0, "fixtures started and waiting");
	if (pid <= 0 || pid2 <= 0)
		goto out;

	ret = resolve(pid, NULL, "Grow", &t, err, sizeof(err));
	CHECK_INT(ret, 0, "child: Grow resolves");
	if (!ret && !mt_elf_open(grow, &elf) && !mt_elf_find_func(elf, "Grow", &s) &&
	    !mt_elf_probe_offset(elf, &s, &off, &why)) {
		check_native(&t, "Grow", "Grow");
		CHECK_STR(t.object, grow, "object is the fixture");
		if (asprintf(&host, "/proc/%d/root%s", (int)pid, grow) > 0)
			CHECK_STR(t.object_host, host, "object_host through the child's root");
		CHECK(t.sym_offset == s.file_off && t.offset == off, "offsets agree with elfsym");
		CHECK_STR(t.attach_note, why, "note agrees with elfsym");
	}
	mt_target_free(&t);

	ret = resolve(pid, NULL, "libc:malloc", &t, err, sizeof(err));
	CHECK_INT(ret, 0, "child: libc:malloc resolves");
	CHECK(!ret && t.object[0] == '/' && !strcmp(strrchr(t.object, '/'), "/libc.so.6"),
	      "child: object is libc.so.6 (%s)", ret ? "-" : t.object);
	mt_target_free(&t);

	ret = resolve(pid, NULL, "Grwo", &t, err, sizeof(err));
	CHECK_INT(ret, -ENOENT, "child: misspelt name");
	check_has(err, "function 'Grwo' not found in ", "misspelt");
	check_has(err, grow, "misspelt names the executable");
	check_has(err, "did you mean 'Grow'", "misspelt suggests");
	CHECK(!strchr(err, '\n'), "one line");

	ret = resolve(pid, NULL, "libc:Grow", &t, err, sizeof(err));
	CHECK_INT(ret, -ENOENT, "child: Grow is not in libc");
	check_has(err, "not found in /", "OBJECT:NAME names the one object searched");

	ret = resolve(pid2, NULL, "Grow", &t, err, sizeof(err));
	CHECK_INT(ret, -ENOENT, "stripped child: Grow");
	check_has(err, "is stripped (no .symtab)", "stripped");
	check_has(err, stripped, "stripped names the file");
	check_has(err, "rebuild without stripping", "stripped says what to try");
out:
	mt_elf_close(elf);
	stop(pid);
	stop(pid2);
	free(host);
	free(grow);
	free(stripped);
}

/* A binary removed after it started: its path is stale, /proc/PID/exe still works. */
static void test_deleted(void)
{
	char *gone = fixture("gone"), *host = NULL, err[1024];
	pid_t pid = spawn_waiting(gone);
	struct mt_target t;
	int ret;

	CHECK(pid > 0, "deleted fixture started");
	if (pid <= 0)
		goto out;
	unlink(gone);
	ret = resolve(pid, NULL, "Grow", &t, err, sizeof(err));
	check_ok(ret, err, "deleted executable: Grow resolves");
	if (!ret && asprintf(&host, "/proc/%d/exe", (int)pid) > 0) {
		CHECK_STR(t.object, gone, "object is the old path");
		CHECK_STR(t.object_host, host, "object_host is /proc/PID/exe");
	}
	mt_target_free(&t);
	stop(pid);
out:
	free(host);
	free(gone);
}

static void test_no_process(void)
{
	char err[256];
	struct mt_target t;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	/* The pid is free now (reuse this soon is very unlikely). */
	CHECK_INT(resolve(pid, NULL, "Grow", &t, err, sizeof(err)), -ESRCH, "exited pid");
	check_has(err, "no process", "exited pid");
}

static void test_launch(void)
{
	char *grow = fixture("grow"), *stripped = fixture("grow-stripped"), *app = fixture("app");
	char *lib = fixture("lib/libfix.so"), err[1024];
	struct mt_target t;
	int ret;

	ret = resolve(0, grow, "Grow", &t, err, sizeof(err));
	check_ok(ret, err, "launch: Grow resolves");
	if (!ret) {
		check_native(&t, "Grow", "Grow");
		CHECK_STR(t.object, grow, "launch: object");
		CHECK_STR(t.object_host, grow, "launch: object_host is the plain path");
	}
	mt_target_free(&t);

	ret = resolve(0, grow, "libc:malloc", &t, err, sizeof(err));
	check_ok(ret, err, "launch: libc:malloc resolves");
	CHECK(!ret && t.object[0] == '/' && strstr(t.object, "/libc"),
	      "launch: libc found on disk (%s)", ret ? "-" : t.object);
	mt_target_free(&t);

	ret = resolve(0, grow, "Grwo", &t, err, sizeof(err));
	CHECK_INT(ret, -ENOENT, "launch: misspelt");
	check_has(err, "did you mean 'Grow'", "launch: misspelt suggests");

	ret = resolve(0, stripped, "Grow", &t, err, sizeof(err));
	CHECK_INT(ret, -ENOENT, "launch: stripped");
	check_has(err, "is stripped", "launch: stripped");

	ret = resolve(0, app, "fix_func", &t, err, sizeof(err));
	check_ok(ret, err, "launch: fix_func found through DT_RUNPATH $ORIGIN/lib");
	if (!ret)
		CHECK_STR(t.object, lib, "launch: object is lib/libfix.so");
	mt_target_free(&t);
	ret = resolve(0, app, "libfix:fix_func", &t, err, sizeof(err));
	check_ok(ret, err, "launch: libfix:fix_func");
	mt_target_free(&t);

	ret = resolve(0, app, "libnope:x", &t, err, sizeof(err));
	CHECK_INT(ret, -ENOENT, "launch: unknown object");
	check_has(err, "libfix.so", "launch: unknown object lists the closure");

	/* A library not in the closure, named by path (as for one loaded with dlopen). */
	ret = resolve(0, grow, "", &t, err, sizeof(err));
	CHECK_INT(ret, -EINVAL, "launch: empty spec");
	{
		char *spec;

		if (asprintf(&spec, "%s:fix_func", lib) > 0) {
			ret = resolve(0, grow, spec, &t, err, sizeof(err));
			check_ok(ret, err, "launch: dlopen-style library by path");
			mt_target_free(&t);
			free(spec);
		}
	}

	ret = resolve(0, "/nonexistent/prog", "main", &t, err, sizeof(err));
	CHECK_INT(ret, -ENOENT, "launch: missing executable");
	free(grow);
	free(stripped);
	free(app);
	free(lib);
}

/*
 * ld.so's search order (user/libsearch.c): two copies of libfix.so, in A/
 * and B/ (both with the soname libfix.so), and apps that need it through
 * DT_RUNPATH=$ORIGIN/A or DT_RPATH=$ORIGIN/A.
 */
static int build_search_fixtures(void)
{
	const char *cc = getenv("CC") ? getenv("CC") : "cc";

	return sh("cd %s && mkdir A B && %s -O2 -fPIC -shared -Wl,-soname,libfix.so lib.c -o A/libfix.so && "
		  "cp A/libfix.so B/ && "
		  "%s -O2 app.c -o app-runpath -LA -lfix -Wl,--enable-new-dtags,-rpath,'$ORIGIN/A' && "
		  "%s -O2 app.c -o app-rpath -LA -lfix -Wl,--disable-new-dtags,-rpath,'$ORIGIN/A' && "
		  "echo %s/A > ld.so.conf && ldconfig -X -C ld.so.cache -f ld.so.conf",
		  realdir, cc, cc, cc, realdir);
}

/* The object mt_resolve() picks for fix_func in launch mode, relative to realdir. */
static void check_fix_object(const char *app, const char *llp, const char *want)
{
	char *exe = fixture(app), *lib = fixture(want), err[1024];
	struct mt_target t;
	int ret;

	if (llp)
		setenv("LD_LIBRARY_PATH", llp, 1);
	else
		unsetenv("LD_LIBRARY_PATH");
	ret = resolve(0, exe, "fix_func", &t, err, sizeof(err));
	check_ok(ret, err, app);
	CHECK(!ret && !strcmp(t.object, lib), "%s, LD_LIBRARY_PATH=%s: %s, want %s", app,
	      llp ? llp : "(unset)", ret ? "-" : t.object, lib);
	mt_target_free(&t);
	unsetenv("LD_LIBRARY_PATH");
	free(exe);
	free(lib);
}

static void check_search(const char *what, const char *name, const struct mt_lib_needer *chain,
			 size_t n, const char *want)
{
	char *got = mt_lib_search(name, chain, n);

	CHECK((!got && !want) || (got && want && !strcmp(got, want)), "%s: %s, want %s", what,
	      got ? got : "nothing", want ? want : "nothing");
	free(got);
}

static void test_search_order(void)
{
	char *b = fixture("B"), *exe = fixture("app"), *liba = fixture("A/libfix.so");
	char *libb = fixture("B/libfix.so"), *lib = fixture("lib/libfix.so");
	struct mt_lib_needer chain[2] = { { lib, NULL, NULL }, { exe, "$ORIGIN/A", NULL } };

	CHECK_INT(build_search_fixtures(), 0, "search fixtures compile (cc, ldconfig)");
	/* LD_LIBRARY_PATH comes before DT_RUNPATH, after DT_RPATH. */
	check_fix_object("app-runpath", b, "B/libfix.so");
	check_fix_object("app-runpath", NULL, "A/libfix.so");
	check_fix_object("app-runpath", "", "A/libfix.so");
	check_fix_object("app-rpath", b, "A/libfix.so");

	/* A library's DT_NEEDED: the executable's DT_RPATH counts, unless the library has a DT_RUNPATH. */
	setenv("LD_LIBRARY_PATH", b, 1);
	check_search("executable's DT_RPATH", "libfix.so", chain, 2, liba);
	chain[0].runpath = "/nonexistent";
	check_search("no DT_RPATH beside a DT_RUNPATH", "libfix.so", chain, 2, libb);
	chain[0].runpath = NULL;
	chain[1].runpath = "/nonexistent";
	check_search("DT_RPATH ignored where DT_RUNPATH is", "libfix.so", chain, 2, libb);
	unsetenv("LD_LIBRARY_PATH");
	chain[1] = (struct mt_lib_needer){ exe, "/nonexistent:${ORIGIN}/B", NULL };
	check_search("${ORIGIN}, second element", "libfix.so", chain, 2, libb);
	chain[1].rpath = "$ORIGINAL/A";
	check_search("$ORIGINAL is no $ORIGIN", "libfix.so", chain, 2, NULL);
	check_search("a name with '/' is a path", liba, chain, 1, liba);
	check_search("not found", "libnope.so.1", chain, 2, NULL);
	free(b);
	free(exe);
	free(liba);
	free(libb);
	free(lib);
}

/* Writes the first len bytes of data to path. */
static void write_bytes(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

static void test_ld_cache(void)
{
	char *cache = fixture("ld.so.cache"), *bad = fixture("bad.cache"), *liba = fixture("A/libfix.so");
	char *exe = fixture("app"), *data = NULL, *got, *key;
	struct mt_lib_needer plain = { exe, NULL, NULL };
	const char *saved = mt_ld_cache_file;
	size_t len = 0, cut;
	bool all_null = true;
	FILE *f;

	got = mt_ld_cache_lookup(cache, "libfix.so");
	CHECK(got && !strcmp(got, liba), "ldconfig's cache maps libfix.so to %s (%s)", liba,
	      got ? got : "nothing");
	free(got);
	got = mt_ld_cache_lookup("/etc/ld.so.cache", "libc.so.6");
	CHECK(got && !strcmp(strrchr(got, '/'), "/libc.so.6"), "the system cache knows libc.so.6 (%s)",
	      got ? got : "nothing");
	free(got);
	CHECK(!mt_ld_cache_lookup(cache, "libnope.so.1"), "no entry, no path");

	mt_ld_cache_file = cache;
	check_search("a library only ld.so.cache knows", "libfix.so", &plain, 1, liba);

	/* Truncated anywhere, or with offsets pointing out: nothing found, nothing read past the end. */
	f = fopen(cache, "r");
	if (f) {
		data = malloc(1 << 20);
		len = data ? fread(data, 1, 1 << 20, f) : 0;
		fclose(f);
	}
	CHECK(len > 48, "read the test's cache (%zu bytes)", len);
	for (cut = 0; len > 48 && cut < len; cut += cut < 64 ? 1 : 97) {
		write_bytes(bad, data, cut);
		got = mt_ld_cache_lookup(bad, "libfix.so");
		all_null &= !got || !strcmp(got, liba);
		free(got);
	}
	CHECK(all_null, "truncated caches give nothing or the right path");
	if (len > 48) {
		memset(data + 20, 0xff, 4); /* nlibs */
		write_bytes(bad, data, len);
		CHECK(!mt_ld_cache_lookup(bad, "libfix.so"), "an entry count past the end is refused");
		memcpy(data + 20, "\x01\0\0\0", 4);
		key = memmem(data, len, "libfix.so", 10);
		CHECK(key != NULL, "libfix.so is in the cache's strings");
		/* The one entry left: flags 0x0303, key "libfix.so", value out of bounds, hwcap 0. */
		memset(data + 48, 0, 24);
		memcpy(data + 48, "\x03\x03\0\0", 4);
		memcpy(data + 52, &(uint32_t){ key ? (uint32_t)(key - data) : 0 }, 4);
		memcpy(data + 56, &(uint32_t){ (uint32_t)len }, 4);
		write_bytes(bad, data, len);
		CHECK(!mt_ld_cache_lookup(bad, "libfix.so"), "a value offset at the end is refused");
		memcpy(data + 56, &(uint32_t){ 0xffffffff }, 4);
		write_bytes(bad, data, len);
		CHECK(!mt_ld_cache_lookup(bad, "libfix.so"), "a value offset past the end is refused");
		memcpy(data + 56, &(uint32_t){ key ? (uint32_t)(key - data) : 0 }, 4);
		write_bytes(bad, data, len);
		got = mt_ld_cache_lookup(bad, "libfix.so");
		CHECK(got && !strcmp(got, "libfix.so"), "the same entry with offsets in bounds is read (%s)",
		      got ? got : "nothing");
		free(got);
		memcpy(data, "glibc-ld.so.cache1.0", 20);
		write_bytes(bad, data, len);
		CHECK(!mt_ld_cache_lookup(bad, "libfix.so"), "another format version is refused");
	}
	/* A corrupt cache falls through to the system directories, as in ld.so. */
	mt_ld_cache_file = bad;
	check_search("corrupt cache: libfix.so is nowhere", "libfix.so", &plain, 1, NULL);
	check_search("corrupt cache: libc.so.6 from the first system directory", "libc.so.6", &plain, 1,
		     "/lib/x86_64-linux-gnu/libc.so.6");
	mt_ld_cache_file = saved;
	free(data);
	free(cache);
	free(bad);
	free(liba);
	free(exe);
}

/* procfs.c has no test binary of its own: its readers are checked here. */
static void test_procfs(void)
{
	size_t len = 8 << 20;
	struct mt_proc_rss a, b;
	char comm[64], tiny[4];
	char **argv = NULL;
	int argc = 0;
	char *p;
	pid_t pid;

	CHECK_INT(mt_proc_read_rss(getpid(), &a), 0, "read own RSS");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	memset(p, 1, len);
	CHECK_INT(mt_proc_read_rss(getpid(), &b), 0, "read own RSS again");
	/* Exact in the kernel; allow for unrelated pages the test itself touches. */
	CHECK(b.anon - a.anon >= (int64_t)len && b.anon - a.anon < (int64_t)len + (1 << 20),
	      "RssAnon grew by 8 MiB (%" PRId64 " bytes)", b.anon - a.anon);
	CHECK(b.file > 0 && b.hwm >= b.anon + b.file + b.shmem - (1 << 20), "RssFile and VmHWM set");
	munmap(p, len);

	CHECK_INT(mt_proc_comm(getpid(), comm, sizeof(comm)), 0, "read own comm");
	CHECK(comm[0] && !strchr(comm, '\n'), "comm has no newline (%s)", comm);
	CHECK_INT(mt_proc_comm(getpid(), tiny, sizeof(tiny)), -ERANGE, "comm never cut short");

	CHECK_INT(mt_proc_cmdline(getpid(), &argv, &argc), 0, "read own cmdline");
	CHECK(argc == 1 && argv && argv[0] && !strcmp(argv[0], program_invocation_name) && !argv[1],
	      "argv is [%s] (%d)", program_invocation_name, argc);
	mt_proc_free_argv(argv);
	mt_proc_free_argv(NULL);

	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	CHECK_INT(mt_proc_read_rss(pid, &a), -ENOENT, "RSS of an exited pid");
	CHECK_INT(mt_proc_comm(pid, comm, sizeof(comm)), -ENOENT, "comm of an exited pid");
	CHECK_INT(mt_proc_cmdline(pid, &argv, &argc), -ENOENT, "cmdline of an exited pid");
}

int main(void)
{
	if (!mkdtemp(tmpdir) || !(realdir = realpath(tmpdir, NULL))) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return unit_done();
	}
	CHECK_INT(build_fixtures(), 0, "fixtures compile (cc, strip)");
	test_self();
	test_child();
	test_deleted();
	test_no_process();
	test_launch();
	test_search_order();
	test_ld_cache();
	test_procfs();
	sh("rm -rf '%s'", tmpdir);
	free(realdir);
	return unit_done();
}
