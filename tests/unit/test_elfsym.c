// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ELF symbol lookup against fixtures compiled here at run time (PIE,
 * non-PIE, -fcf-protection, stripped) and against the libc this test runs
 * on. Expected offsets come from readelf's output and from where the
 * running process has the code mapped, not from elfsym.c's own arithmetic.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "elfsym.h"
#include "procfs.h"
#include "unit.h"
#include "fixture.h"

static char *tmpdir;

static const char fixture_src[] =
	"#include <stdlib.h>\n"
	"#include <string.h>\n"
	"__attribute__((noipa)) long Grow(long n)\n"
	"{\n"
	"	char *p = malloc(n);\n"
	"	long s = 0;\n"
	"	if (!p)\n"
	"		return -1;\n"
	"	memset(p, 1, n);\n"
	"	for (long i = 0; i < n; i += 4096)\n"
	"		s += p[i];\n"
	"	free(p);\n"
	"	return s;\n"
	"}\n"
	"__attribute__((noipa)) int grow_all(int k)\n"
	"{\n"
	"	long s = 0;\n"
	"	for (int i = 0; i < k; i++)\n"
	"		s += Grow(1 << 16);\n"
	"	return (int)s;\n"
	"}\n"
	"__attribute__((noipa)) int add_one(int x) { return x + 1; }\n"
	/* C++'s load_words[abi:cxx11](), as g++ names a function returning std::string. */
	"__attribute__((noipa, used)) int load_words(void) __asm__(\"_Z10load_wordsB5cxx11v\");\n"
	"int load_words(void) { return 7; }\n"
	/* Six values live across a call: the prologue starts with push %r15 (41 57). */
	"__attribute__((noipa)) long many(long a, long b, long c, long d, long e)\n"
	"{\n"
	"	long s = 0;\n"
	"	for (long i = 0; i < a; i++)\n"
	"		s += Grow(b + i) * c + d * e + i * s;\n"
	"	return s;\n"
	"}\n"
	/* Data: in .rodata, in .bss, and a function-local static (GCC's "version.N"). */
	"const unsigned int mt_version_hex = 0x030b07f0;\n"
	"char mt_bss[4096];\n"
	"__attribute__((noipa)) char *get_version(void) { static char version[250]; return version; }\n"
	"int main(int argc, char **argv) { return grow_all(argc) + add_one(argc) > 0 ? 0 : 1; }\n";

static char *fixture(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", tmpdir, name) < 0)
		abort();
	return p;
}

/* readelf -sW: value and size of the FUNC symbol name. */
static int readelf_sym(const char *file, const char *name, uint64_t *value, uint64_t *size)
{
	char *cmd, *line = NULL, *type = NULL, *sym = NULL;
	unsigned long v;
	long sz;
	size_t cap = 0;
	int found = -1;
	FILE *p;

	if (asprintf(&cmd, "readelf -sW '%s' 2>/dev/null", file) < 0)
		return -1;
	p = popen(cmd, "r");
	free(cmd);
	while (p && found && getline(&line, &cap, p) > 0) {
		if (sscanf(line, " %*[0-9]: %lx %li %ms %*s %*s %*s %ms", &v, &sz, &type, &sym) == 4 &&
		    !strcmp(type, "FUNC") && !strcmp(sym, name)) {
			*value = v;
			*size = (uint64_t)sz;
			found = 0;
		}
		free(type);
		free(sym);
		type = sym = NULL;
	}
	free(line);
	if (p)
		pclose(p);
	return found;
}

/* readelf -lW: file offset of vaddr through the LOAD segment holding it. */
static int readelf_off(const char *file, uint64_t vaddr, uint64_t *off)
{
	unsigned long o, va, pa, fsz;
	char *cmd, *line = NULL;
	size_t cap = 0;
	int found = -1;
	FILE *p;

	if (asprintf(&cmd, "readelf -lW '%s' 2>/dev/null", file) < 0)
		return -1;
	p = popen(cmd, "r");
	free(cmd);
	while (p && found && getline(&line, &cap, p) > 0) {
		if (sscanf(line, " LOAD %lx %lx %lx %lx", &o, &va, &pa, &fsz) == 4 && vaddr >= va &&
		    vaddr < va + fsz) {
			*off = vaddr - va + o;
			found = 0;
		}
	}
	free(line);
	if (p)
		pclose(p);
	return found;
}

static int file_bytes(const char *file, uint64_t off, unsigned char *buf, size_t n)
{
	int fd = open(file, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = pread(fd, buf, n, (off_t)off);
	close(fd);
	return r == (ssize_t)n ? 0 : -1;
}

/* Symbol lookup checked against readelf and the bytes in the file. */
static void check_func(struct mt_elf *elf, const char *file, const char *name)
{
	static const unsigned char endbr[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	uint64_t value = 0, size = 0, off = 0;
	unsigned char b[4];
	struct mt_sym s;
	int ret = mt_elf_find_func(elf, name, &s);

	CHECK_INT(ret, 0, "find_func found it");
	CHECK_INT(readelf_sym(file, name, &value, &size), 0, "readelf -s lists it");
	CHECK_INT(readelf_off(file, value, &off), 0, "readelf -l has a LOAD segment for it");
	if (ret)
		return;
	CHECK(s.vaddr == value, "%s vaddr 0x%" PRIx64 " == readelf 0x%" PRIx64, name, s.vaddr, value);
	CHECK(s.size == size, "%s size %" PRIu64 " == readelf %" PRIu64, name, s.size, size);
	CHECK(s.file_off == off, "%s file_off 0x%" PRIx64 " == segment math 0x%" PRIx64, name,
	      s.file_off, off);
	CHECK(!s.ifunc && !s.from_dynsym, "%s is a plain .symtab function", name);
	CHECK(!file_bytes(file, s.file_off, b, 4) && !memcmp(b, endbr, 4),
	      "%s starts with endbr64 in the file (-fcf-protection=full)", name);
}

/* A demangled name with an ABI tag is found by its plain name and by its tagged one. */
static void check_abi_tag(struct mt_elf *elf)
{
	static const char *const names[] = { "load_words", "load_words()", "load_words[abi:cxx11]",
					     "load_words[abi:cxx11]()" };
	struct mt_sym s;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK_INT(mt_elf_find_func(elf, names[i], &s), 0, names[i]);
		CHECK(!strcmp(s.name, "_Z10load_wordsB5cxx11v"), "'%s' is _Z10load_wordsB5cxx11v (got %s)",
		      names[i], s.name);
	}
	CHECK_INT(mt_elf_find_func(elf, "load_words[abi:cxx1]", &s), -ENOENT, "another ABI tag");
	CHECK_INT(mt_elf_find_func(elf, "load_word", &s), -ENOENT, "a prefix of the name");
	/* A suggestion is a name -f takes: demangled, without parameters or ABI tag. */
	const char *sugg[4];
	int n = mt_elf_suggest(elf, "load_wrods", sugg, 4);

	CHECK(n >= 1 && !strcmp(sugg[0], "load_words"), "'load_wrods' suggests 'load_words' (got %s)",
	      n ? sugg[0] : "nothing");
}

static void test_pie(void)
{
	char *f = fixture("pie");
	struct mt_elf *elf;
	const struct mt_elf_dyn *dyn;
	const char *sugg[8];
	int n, i, has_libc = 0, ret;

	ret = mt_elf_open(f, &elf);
	CHECK_INT(ret, 0, "open PIE fixture");
	if (ret)
		goto out;
	CHECK(mt_elf_is_dyn(elf), "PIE fixture is ET_DYN");
	CHECK(mt_elf_has_symtab(elf), "PIE fixture has .symtab");
	check_func(elf, f, "Grow");
	check_func(elf, f, "add_one");

	dyn = mt_elf_dynamic(elf);
	CHECK(dyn != NULL, "DT_NEEDED read");
	for (i = 0; dyn && i < dyn->nneeded; i++)
		has_libc |= !strcmp(dyn->needed[i], "libc.so.6");
	CHECK(has_libc, "DT_NEEDED lists libc.so.6 (%d entries)", dyn ? dyn->nneeded : -1);
	CHECK(dyn && !dyn->runpath && !dyn->rpath, "no DT_RUNPATH, no DT_RPATH");

	n = mt_elf_suggest(elf, "Grwo", sugg, 8);
	CHECK(n >= 1 && !strcmp(sugg[0], "Grow"), "'Grwo' suggests 'Grow' first (got %s)",
	      n ? sugg[0] : "nothing");
	n = mt_elf_suggest(elf, "grow", sugg, 8);
	CHECK(n >= 2 && !strcmp(sugg[0], "Grow") && !strcmp(sugg[1], "grow_all"),
	      "'grow' suggests 'Grow', 'grow_all' (got %d: %s, %s)", n, n > 0 ? sugg[0] : "-",
	      n > 1 ? sugg[1] : "-");
	n = mt_elf_suggest(elf, "add", sugg, 8);
	CHECK(n >= 1 && !strcmp(sugg[0], "add_one"), "'add' suggests 'add_one'");
	n = mt_elf_suggest(elf, "zzzzzzzz", sugg, 8);
	CHECK_INT(n, 0, "nothing close to 'zzzzzzzz'");
	n = mt_elf_suggest(elf, "Grow", sugg, 8);
	for (i = 0; i < n; i++)
		CHECK(strcmp(sugg[i], "Grow"), "an exact name is not its own suggestion");
	CHECK_INT(mt_elf_find_func(elf, "Grwo", &(struct mt_sym){ 0 }), -ENOENT, "misspelt name");
	check_abi_tag(elf);
	mt_elf_close(elf);
out:
	free(f);
}

static void test_nopie(void)
{
	char *f = fixture("nopie");
	struct mt_elf *elf;
	int ret = mt_elf_open(f, &elf);

	CHECK_INT(ret, 0, "open non-PIE fixture");
	if (!ret) {
		CHECK(!mt_elf_is_dyn(elf), "non-PIE fixture is ET_EXEC");
		check_func(elf, f, "Grow");
		mt_elf_close(elf);
	}
	free(f);
}

/* At -O0 every function opens with endbr64; push %rbp. */
static void test_probe_offset(void)
{
	char *f = fixture("o0"), *g = fixture("pie");
	struct mt_elf *elf = NULL, *elf2 = NULL;
	struct mt_sym s, small;
	unsigned char b[6];
	const char *why;
	uint64_t off;

	if (mt_elf_open(f, &elf) || mt_elf_find_func(elf, "Grow", &s)) {
		CHECK(0, "open -O0 fixture and find Grow");
		goto out;
	}
	CHECK(!file_bytes(f, s.file_off, b, 5) && b[4] == 0x55, "-O0 Grow: endbr64; push %%rbp");
	CHECK_INT(mt_elf_probe_offset(elf, &s, &off, &why), 0, "probe_offset");
	CHECK(off == s.file_off + 4, "probe lands after endbr64 (0x%" PRIx64 " vs 0x%" PRIx64 ")",
	      off, s.file_off);
	CHECK_STR(why, "after endbr64", "why");

	/* A 4-byte function must not be probed past its end. */
	small = s;
	small.size = 4;
	mt_elf_probe_offset(elf, &small, &off, &why);
	CHECK(off == s.file_off, "st_size 4: probe stays at entry");
	CHECK_STR(why, "entry", "why for a 4-byte function");

	/* -O2 add_one is endbr64; lea: single-stepped either way, so the entry. */
	if (mt_elf_open(g, &elf2) || mt_elf_find_func(elf2, "add_one", &s)) {
		CHECK(0, "open PIE fixture and find add_one");
		goto out;
	}
	CHECK(!file_bytes(g, s.file_off, b, 5) && b[4] != 0x55 && b[4] != 0x41,
	      "-O2 add_one has no push after endbr64 (0x%02x)", b[4]);
	mt_elf_probe_offset(elf2, &s, &off, &why);
	CHECK(off == s.file_off, "add_one probe at entry");
	CHECK_STR(why, "entry", "why for add_one");

	/* push %r15 is REX-prefixed: still emulated, still worth skipping endbr64 for. */
	if (mt_elf_find_func(elf2, "many", &s)) {
		CHECK(0, "find many");
		goto out;
	}
	CHECK(!file_bytes(g, s.file_off, b, 6) && b[4] == 0x41 && b[5] >= 0x50 && b[5] <= 0x57,
	      "-O2 many: endbr64; push %%r8-15 (%02x %02x)", b[4], b[5]);
	mt_elf_probe_offset(elf2, &s, &off, &why);
	CHECK(off == s.file_off + 4, "many probe after endbr64");
	CHECK_STR(why, "after endbr64", "why for many");
out:
	mt_elf_close(elf);
	mt_elf_close(elf2);
	free(f);
	free(g);
}

static void test_stripped(void)
{
	char *f = fixture("stripped");
	struct mt_elf *elf;
	struct mt_sym s;
	const struct mt_elf_dyn *dyn;
	int i, has_libc = 0, ret = mt_elf_open(f, &elf);

	CHECK_INT(ret, 0, "open stripped fixture");
	if (ret)
		goto out;
	CHECK(!mt_elf_has_symtab(elf), "stripped fixture has no .symtab");
	CHECK_INT(mt_elf_find_func(elf, "Grow", &s), -ENOENT, "Grow is gone when stripped");
	dyn = mt_elf_dynamic(elf);
	for (i = 0; dyn && i < dyn->nneeded; i++)
		has_libc |= !strcmp(dyn->needed[i], "libc.so.6");
	CHECK(has_libc, "stripped fixture still lists libc.so.6");
	mt_elf_close(elf);
out:
	free(f);
}

/* libc as this process maps it (procfs.c's maps parser): path, and file offset of a runtime address. */
static int libc_mapping(const void *addr, char **path, uint64_t *off)
{
	struct mt_map *maps = NULL;
	size_t n = 0, i;
	int found = -1;

	if (mt_proc_maps(getpid(), &maps, &n))
		return -1;
	for (i = 0; i < n && found; i++) {
		const char *b = strrchr(maps[i].path, '/');

		if (!b || strcmp(b, "/libc.so.6") || (uintptr_t)addr < maps[i].start ||
		    (uintptr_t)addr >= maps[i].end)
			continue;
		*path = strdup(maps[i].path);
		*off = (uintptr_t)addr - maps[i].start + maps[i].offset;
		found = *path ? 0 : -1;
	}
	mt_proc_maps_free(maps, n);
	return found;
}

static void test_libc(void)
{
	void *addr = libc_sym("malloc");
	char *path = NULL;
	uint64_t off = 0;
	struct mt_elf *elf;
	struct mt_sym s;

	if (libc_mapping(addr, &path, &off)) {
		CHECK(0, "malloc is in a libc.so.6 mapping of this process");
		return;
	}
	if (mt_elf_open(path, &elf)) {
		CHECK(0, "open %s", path);
		goto out;
	}
	CHECK(mt_elf_is_dyn(elf), "libc is ET_DYN");
	CHECK_INT(mt_elf_find_func(elf, "malloc", &s), 0, "malloc in libc");
	CHECK(s.file_off == off, "malloc file_off 0x%" PRIx64 " == where this process runs it 0x%" PRIx64,
	      s.file_off, off);
	CHECK(!s.ifunc, "malloc is not an IFUNC");
	CHECK_INT(mt_elf_find_func(elf, "memcpy", &s), 0, "memcpy in libc");
	CHECK(s.ifunc, "memcpy is an IFUNC resolver");
	/* Without debug symbols it comes from .dynsym; with them from the build-id .symtab. */
	CHECK(s.from_dynsym == !mt_elf_has_symtab(elf), "from_dynsym agrees with has_symtab (%d, %d)",
	      s.from_dynsym, mt_elf_has_symtab(elf));
	mt_elf_close(elf);
out:
	free(path);
}

/* Data symbols, file reads at link-time addresses, build id, DT_RPATH apart from DT_RUNPATH. */
static void test_data(void)
{
	char *f = fixture("pie"), *cmd = NULL, want_id[128] = "";
	const struct mt_elf_dyn *dyn;
	struct mt_elf *elf, *rp = NULL, *rn = NULL;
	struct mt_sym s;
	uint32_t hex = 0;
	FILE *p;

	if (mt_elf_open(f, &elf)) {
		CHECK(0, "open PIE fixture");
		goto out;
	}
	CHECK_INT(mt_elf_find_data(elf, "mt_version_hex", 0, &s), 0, "data symbol in .rodata");
	CHECK(s.size == 4 && !mt_elf_read(elf, s.vaddr, &hex, sizeof(hex)) && hex == 0x030b07f0,
	      "its value read from the file: 0x%x", hex);
	CHECK_INT(mt_elf_read(elf, s.vaddr, &hex, 1 << 30), -ENOENT, "a read past its segment");
	CHECK_INT(mt_elf_find_data(elf, "mt_bss", 0, &s), 0, "data symbol in .bss");
	CHECK(s.size == 4096 && s.file_off == 0, ".bss has no file offset (size %" PRIu64 ")", s.size);
	CHECK_INT(mt_elf_read(elf, s.vaddr, &hex, sizeof(hex)), -ENOENT, ".bss is not in the file");
	CHECK_INT(mt_elf_find_data(elf, "version", 250, &s), 0, "function-local static by name");
	CHECK(!strncmp(s.name, "version.", 8) && s.size == 250, "as GCC names it (%s)", s.name);
	CHECK_INT(mt_elf_find_data(elf, "version", 251, &s), -ENOENT, "the size must match");
	CHECK_INT(mt_elf_find_func(elf, "mt_version_hex", &s), -ENOENT, "data is no function");
	CHECK_INT(mt_elf_find_data(elf, "Grow", 0, &s), -ENOENT, "a function is no data");

	if (asprintf(&cmd, "readelf -n '%s' | awk '/Build ID:/ { print $3 }'", f) > 0 &&
	    (p = popen(cmd, "r"))) {
		if (!fgets(want_id, sizeof(want_id), p))
			want_id[0] = '\0';
		want_id[strcspn(want_id, "\n")] = '\0';
		pclose(p);
	}
	CHECK(want_id[0] && mt_elf_build_id(elf) && !strcmp(mt_elf_build_id(elf), want_id),
	      "build id %s, readelf says %s", mt_elf_build_id(elf) ? mt_elf_build_id(elf) : "none",
	      want_id);
	mt_elf_close(elf);

	free(f);
	f = fixture("rpath");
	dyn = mt_elf_open(f, &rp) ? NULL : mt_elf_dynamic(rp);
	CHECK(dyn && dyn->rpath && !strcmp(dyn->rpath, "/r1") && !dyn->runpath, "DT_RPATH alone");
	free(f);
	f = fixture("runpath");
	dyn = mt_elf_open(f, &rn) ? NULL : mt_elf_dynamic(rn);
	CHECK(dyn && dyn->runpath && !strcmp(dyn->runpath, "/r2") && !dyn->rpath, "DT_RUNPATH alone");
	mt_elf_close(rp);
	mt_elf_close(rn);
out:
	free(cmd);
	free(f);
}

/* Load bias from this process's own libc mapping (procfs.c's maps parser) against malloc's address. */
static void test_load_bias(void)
{
	uintptr_t addr = (uintptr_t)libc_sym("malloc");
	struct mt_map *maps = NULL;
	struct mt_elf *elf = NULL;
	struct mt_sym s;
	size_t n = 0, i;
	uint64_t bias = 0;
	int found = 0;

	CHECK_INT(mt_proc_maps(getpid(), &maps, &n), 0, "read own maps");
	for (i = 0; i < n && !found; i++) {
		const char *b = strrchr(maps[i].path, '/');

		if (!mt_map_is_file(&maps[i]) || maps[i].offset || !b || strcmp(b, "/libc.so.6") ||
		    mt_elf_open(maps[i].path, &elf))
			continue;
		found = 1;
		CHECK(!maps[i].deleted && maps[i].perms[0] == 'r' && maps[i].ino, "libc mapping parsed");
		CHECK_INT(mt_elf_load_bias(elf, maps[i].start, 0, &bias), 0, "load bias of libc");
		CHECK(!mt_elf_find_func(elf, "malloc", &s) && s.vaddr + bias == addr,
		      "malloc at link-time address + bias (0x%" PRIx64 " + 0x%" PRIx64 ")", s.vaddr, bias);
		CHECK_INT(mt_elf_load_bias(elf, maps[i].start, 1, &bias), -ENOENT,
			  "no PT_LOAD starts at file offset 1");
		mt_elf_close(elf);
	}
	CHECK(found, "libc.so.6 mapped at file offset 0");
	mt_proc_maps_free(maps, n);
	CHECK(mt_proc_maps(-1, &maps, &n) < 0 && !maps && !n, "no maps for pid -1");
}

static void test_errors(void)
{
	struct mt_elf *elf = (struct mt_elf *)1;
	char *src = fixture("fixture.c"), *none = fixture("does-not-exist");

	CHECK_INT(mt_elf_open(none, &elf), -ENOENT, "missing file");
	CHECK(elf == NULL, "*out is NULL on error");
	CHECK_INT(mt_elf_open(src, &elf), -ENOEXEC, "C source is not ELF");
	mt_elf_close(NULL);
	free(src);
	free(none);
}

static int build_fixtures(void)
{
	const char *cc = getenv("CC") ? getenv("CC") : "cc";
	char *src = fixture("fixture.c");
	FILE *f = fopen(src, "w");
	int r;

	if (!f)
		return -1;
	fputs(fixture_src, f);
	fclose(f);
	r = sh("cd %s && %s -O2 -g -fcf-protection=full -fPIE -pie fixture.c -o pie && "
	       "%s -O2 -g -fcf-protection=full -fno-pie -no-pie fixture.c -o nopie && "
	       "%s -O0 -fcf-protection=full fixture.c -o o0 && "
	       "cp pie stripped && strip stripped && "
	       "%s fixture.c -o rpath -Wl,--disable-new-dtags,-rpath,/r1 && "
	       "%s fixture.c -o runpath -Wl,--enable-new-dtags,-rpath,/r2",
	       tmpdir, cc, cc, cc, cc, cc);
	free(src);
	return r;
}

int main(void)
{
	tmpdir = unit_tmpdir("elfsym");
	CHECK_INT(build_fixtures(), 0, "fixtures compile (cc, strip)");
	test_pie();
	test_nopie();
	test_probe_offset();
	test_stripped();
	test_libc();
	test_data();
	test_load_bias();
	test_errors();
	return unit_finish(tmpdir);
}
