/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ELF files the unwinders (user/unwind.h) map, opened once for every
 * process that maps them: most processes of a host map the same libc,
 * ld.so and programs, and each file's symbols and DWARF (a stripped
 * library's debug file, decompressed: megabytes) would otherwise be held
 * once per process. Files are known by what fstat of the opened
 * descriptor says (device, inode, size, mtime, ctime), never by a path:
 * a file replaced or rewritten is another object. Reference-counted; the
 * last few unused ones are kept for the next process that maps them.
 *
 * The table is locked; an object's lazily loaded symbols and DWARF are
 * not, so objects are used by one thread at a time (the samples' worker,
 * user/samples.c, or the main thread before it starts).
 */
#ifndef MT_OBJCACHE_H
#define MT_OBJCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mt_elf;
struct mt_objfile;

/*
 * The ELF file open_path names (mt_proc_map_path()) if it is the file a
 * mapping shows (dev, ino): a reference to the cached object, or a new one.
 * 0, -errno of open, -ESTALE (another file), -ENOEXEC (not ELF), -ENOMEM.
 */
int mt_objfile_get(const char *open_path, dev_t dev, ino_t ino, struct mt_objfile **out);
void mt_objfile_put(struct mt_objfile *f); /* NULL-safe */
struct mt_elf *mt_objfile_elf(const struct mt_objfile *f);
/*
 * File and line of link-time address vaddr from the object's DWARF; the
 * string lives as long as f. 0, or -ENOENT (no line there, no DWARF).
 */
int mt_objfile_line(struct mt_objfile *f, uint64_t vaddr, const char **file, int *line);

/* For tests: objects in the cache (used or kept), and f's references. */
size_t mt_objcache_size(void);
unsigned mt_objfile_refs(const struct mt_objfile *f);

#endif
