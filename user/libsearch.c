// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Where ld.so finds a DT_NEEDED library, in the order of glibc's ld.so
 * (man ld.so): a name with a '/' is a path; otherwise DT_RPATH of the
 * needing object and of each object that loaded it up to the executable
 * (only while the needing object has no DT_RUNPATH; an object with both
 * has its DT_RPATH ignored), then LD_LIBRARY_PATH, then DT_RUNPATH of the
 * needing object, then /etc/ld.so.cache, then the system directories.
 * Not modelled: the glibc-hwcaps/tls/x86_64 subdirectories ld.so also
 * tries in each directory, DF_1_NODEFLIB, and secure (setuid) mode.
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libsearch.h"
#include "procfs.h"

const char *mt_ld_cache_file = "/etc/ld.so.cache";

/* ld.so's system search path on Debian 12 (x86-64), in its order ("ld.so --help"). */
static const char *const system_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib",
};

/* A file ld.so would map for us: an x86-64 ELF object (others it skips, or fails on). */
static bool loadable(const char *path)
{
	Elf64_Ehdr eh;
	struct stat st;
	bool ok;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return false;
	ok = !fstat(fd, &st) && S_ISREG(st.st_mode) && pread(fd, &eh, sizeof(eh), 0) == sizeof(eh) &&
	     !memcmp(eh.e_ident, ELFMAG, SELFMAG) && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	     eh.e_ident[EI_DATA] == ELFDATA2LSB && eh.e_machine == EM_X86_64;
	close(fd);
	return ok;
}

/* Length of dynamic string token tok ("ORIGIN") at s (after '$'), braced or not; 0 if none. */
static size_t dst_len(const char *s, size_t n, const char *tok)
{
	size_t t = strlen(tok);

	if (n > t + 1 && s[0] == '{' && !strncmp(s + 1, tok, t) && s[t + 1] == '}')
		return t + 2;
	/* Unbraced, the token must end the name: "$ORIGINAL" is no $ORIGIN. */
	if (n >= t && !strncmp(s, tok, t) && (n == t || !(isalnum((unsigned char)s[t]) || s[t] == '_')))
		return t;
	return 0;
}

/*
 * dir/name if ld.so would load it (malloc'd), else NULL. dir is one element
 * of a search list, its $ORIGIN, $LIB and $PLATFORM expanded as ld.so does
 * (unknown tokens stay as written; origin: the directory of the object the
 * list comes from); an empty element is the current directory.
 */
static char *try_dir(const char *dir, size_t len, const char *origin, const char *name)
{
	static const struct {
		const char *tok, *val;
	} dsts[] = { { "ORIGIN", NULL }, { "LIB", "lib/x86_64-linux-gnu" }, { "PLATFORM", "x86_64" } };
	char *out = NULL;
	size_t sz = 0, i, k, t;
	FILE *f = open_memstream(&out, &sz);

	if (!f)
		return NULL;
	for (i = 0; i < len;) {
		for (k = 0, t = 0; dir[i] == '$' && k < sizeof(dsts) / sizeof(dsts[0]) && !t; k++)
			t = dst_len(dir + i + 1, len - i - 1, dsts[k].tok);
		if (!t) {
			fputc(dir[i++], f);
			continue;
		}
		fputs(dsts[k - 1].val ? dsts[k - 1].val : origin, f);
		i += 1 + t;
	}
	fprintf(f, "%s/%s", len ? "" : ".", name);
	if (fclose(f) || !loadable(out)) {
		free(out);
		return NULL;
	}
	return out;
}

/* The first directory of list (elements split at any of seps) that holds name. */
static char *search_list(const char *list, const char *seps, const char *name, const char *from)
{
	const char *slash = strrchr(from, '/');
	char *origin, *found = NULL;
	size_t n;

	/* ld.so ignores an empty LD_LIBRARY_PATH: it does not mean the current directory. */
	if (!list || !*list)
		return NULL;
	/* $ORIGIN: the directory of the object the list comes from. */
	origin = slash ? strndup(from, slash == from ? 1 : (size_t)(slash - from)) : strdup(".");
	for (; origin; list += n + 1) {
		n = strcspn(list, seps);
		found = try_dir(list, n, origin, name);
		if (found || !list[n])
			break;
	}
	free(origin);
	return found;
}

char *mt_lib_search(const char *name, const struct mt_lib_needer *chain, size_t n)
{
	char *found = NULL;
	size_t i;

	if (strchr(name, '/'))
		return loadable(name) ? strdup(name) : NULL;
	/* An object with DT_RUNPATH searches no DT_RPATH, nor does ld.so read one beside a DT_RUNPATH. */
	if (!chain[0].runpath)
		for (i = 0; i < n && !found; i++)
			found = search_list(chain[i].runpath ? NULL : chain[i].rpath, ":", name,
					    chain[i].path);
	/* $ORIGIN in LD_LIBRARY_PATH is the executable's directory. */
	if (!found)
		found = search_list(getenv("LD_LIBRARY_PATH"), ":;", name, chain[n - 1].path);
	if (!found)
		found = search_list(chain[0].runpath, ":", name, chain[0].path);
	if (!found) {
		found = mt_ld_cache_lookup(mt_ld_cache_file, name);
		if (found && !loadable(found)) {
			free(found);
			found = NULL;
		}
	}
	for (i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]) && !found; i++)
		found = try_dir(system_dirs[i], strlen(system_dirs[i]), "", name);
	return found;
}

/*
 * ld.so.cache as glibc's ldconfig writes it ("new" format, glibc 2.32 and
 * later write no other): a header, nlibs entries, then strings. Entry keys
 * and values are offsets from the start of the file.
 */
#define CACHE_MAGIC "glibc-ld.so.cache1.1"
#define CACHE_HDR_SIZE 48 /* magic, nlibs, len_strings, flags, extension offset, unused */
#define CACHE_ENTRY_SIZE 24
#define CACHE_MAX (64 << 20)
#define CACHE_FLAGS_ELF 0x0001
#define CACHE_FLAGS_X8664 0x0303 /* ELF, libc6, x86-64 */
#define CACHE_ENDIAN_UNSET 0
#define CACHE_ENDIAN_LITTLE 2

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The NUL-terminated string at off in buf[0, len), or NULL if it runs past the end. */
static const char *cache_str(const char *buf, size_t len, uint32_t off)
{
	if (off >= len || !memchr(buf + off, '\0', len - off))
		return NULL;
	return buf + off;
}

/* The file is root's, yet every count and offset in it is checked against its size. */
static char *cache_find(const char *buf, size_t len, const char *name)
{
	const unsigned char *e = (const unsigned char *)buf + CACHE_HDR_SIZE;
	const char *key, *val;
	uint32_t nlibs, i;

	if (len < CACHE_HDR_SIZE || memcmp(buf, CACHE_MAGIC, strlen(CACHE_MAGIC)))
		return NULL;
	nlibs = le32((const unsigned char *)buf + 20);
	if ((buf[28] & 3) != CACHE_ENDIAN_UNSET && (buf[28] & 3) != CACHE_ENDIAN_LITTLE)
		return NULL;
	if (nlibs > (len - CACHE_HDR_SIZE) / CACHE_ENTRY_SIZE)
		return NULL;
	/* ld.so takes the first entry of the name with our flags; hwcap entries need a CPU check: skipped. */
	for (i = 0; i < nlibs; i++, e += CACHE_ENTRY_SIZE) {
		if ((le32(e) != CACHE_FLAGS_X8664 && le32(e) != CACHE_FLAGS_ELF) || le32(e + 16) ||
		    le32(e + 20))
			continue;
		key = cache_str(buf, len, le32(e + 4));
		val = cache_str(buf, len, le32(e + 8));
		if (key && val && !strcmp(key, name))
			return strdup(val);
	}
	return NULL;
}

char *mt_ld_cache_lookup(const char *cache, const char *name)
{
	size_t len;
	char *buf, *found;

	if (mt_read_small_at(AT_FDCWD, cache, CACHE_MAX, &buf, &len))
		return NULL;
	found = cache_find(buf, len, name);
	free(buf);
	return found;
}
