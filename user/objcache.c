// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The unwinders' shared ELF files (user/objcache.h). */
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "elfsym.h"
#include "objcache.h"

/* Unused objects kept for the next process: short-lived processes of one program reuse them. */
#define KEEP_UNUSED 16

struct mt_objfile {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime; /* a file rewritten in place is another object */
	struct mt_elf *elf;
	Dwarf *dw;       /* for lines; NULL: none, or not yet tried */
	bool dw_tried;
	unsigned refs;
	uint64_t unused_since; /* when refs fell to 0, in puts: the oldest unused one goes first */
};

static struct {
	pthread_mutex_t lock;
	struct mt_objfile **v;
	size_t n, cap, unused;
	uint64_t puts;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool same_file(const struct mt_objfile *f, const struct stat *st)
{
	return f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size &&
	       f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       f->ctime.tv_sec == st->st_ctim.tv_sec && f->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

static void free_objfile(struct mt_objfile *f)
{
	dwarf_end(f->dw);
	mt_elf_close(f->elf);
	free(f);
}

/* With the lock held: st's object, taken, or NULL. */
static struct mt_objfile *find(const struct stat *st)
{
	struct mt_objfile *f;

	for (size_t i = 0; i < cache.n; i++) {
		f = cache.v[i];
		if (!same_file(f, st))
			continue;
		if (!f->refs++)
			cache.unused--;
		return f;
	}
	return NULL;
}

/* A new object of the file fd is open on (fd is its, even on failure), in the cache. */
static int add(int fd, const char *path, const struct stat *st, struct mt_objfile **out)
{
	struct mt_objfile *f = calloc(1, sizeof(*f));
	int err;

	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	err = mt_elf_open_fd(fd, path, &f->elf);
	if (!err)
		err = mt_grow(&cache.v, &cache.cap, cache.n + 1, sizeof(*cache.v));
	if (err) {
		free_objfile(f);
		return err;
	}
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = st->st_size;
	f->mtime = st->st_mtim;
	f->ctime = st->st_ctim;
	f->refs = 1;
	*out = cache.v[cache.n++] = f;
	return 0;
}

int mt_objfile_get(const char *open_path, dev_t dev, ino_t ino, struct mt_objfile **out)
{
	/* O_NONBLOCK: a FIFO put in a mapping's place must not hang us. */
	int fd = open(open_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), err = 0;
	struct stat st;

	*out = NULL;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_dev != dev || st.st_ino != ino) {
		close(fd);
		return -ESTALE;
	}
	pthread_mutex_lock(&cache.lock);
	*out = find(&st);
	if (*out)
		close(fd);
	else
		err = add(fd, open_path, &st, out);
	pthread_mutex_unlock(&cache.lock);
	return err;
}

/* With the lock held: the unused object that has waited longest goes. */
static void evict_oldest_unused(void)
{
	size_t i, old = cache.n;

	for (i = 0; i < cache.n; i++) {
		if (!cache.v[i]->refs &&
		    (old == cache.n || cache.v[i]->unused_since < cache.v[old]->unused_since))
			old = i;
	}
	if (old == cache.n)
		return;
	free_objfile(cache.v[old]);
	cache.v[old] = cache.v[--cache.n];
	cache.unused--;
}

void mt_objfile_put(struct mt_objfile *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&cache.lock);
	if (!--f->refs) {
		f->unused_since = ++cache.puts;
		if (++cache.unused > KEEP_UNUSED)
			evict_oldest_unused();
	}
	pthread_mutex_unlock(&cache.lock);
}

struct mt_elf *mt_objfile_elf(const struct mt_objfile *f)
{
	return f->elf;
}

int mt_objfile_line(struct mt_objfile *f, uint64_t vaddr, const char **file, int *line)
{
	const char *src;
	Dwarf_Line *l;
	Dwarf_Die cu;
	Elf *e;

	if (!f->dw_tried) {
		f->dw_tried = true;
		e = mt_elf_dwarf(f->elf);
		f->dw = e ? dwarf_begin_elf(e, DWARF_C_READ, NULL) : NULL;
	}
	if (!f->dw || !dwarf_addrdie(f->dw, vaddr, &cu) || !(l = dwarf_getsrc_die(&cu, vaddr)))
		return -ENOENT;
	src = dwarf_linesrc(l, NULL, NULL);
	if (!src || dwarf_lineno(l, line) || *line <= 0)
		return -ENOENT;
	*file = src;
	return 0;
}

size_t mt_objcache_size(void)
{
	size_t n;

	pthread_mutex_lock(&cache.lock);
	n = cache.n;
	pthread_mutex_unlock(&cache.lock);
	return n;
}

unsigned mt_objfile_refs(const struct mt_objfile *f)
{
	return f->refs;
}
