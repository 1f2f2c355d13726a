/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ELF objects (libelf): function and data symbols, segments, load bias,
 * dynamic entries, build id, attach points.
 */
#ifndef MT_ELFSYM_H
#define MT_ELFSYM_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct mt_elf;

struct mt_sym {
	const char *name;   /* the symbol's own name (mangled for C++); belongs to elf */
	uint64_t vaddr;     /* st_value */
	uint64_t size;      /* st_size */
	uint64_t file_off;  /* file offset of the first byte (what uprobes take); 0 for .bss data */
	bool from_dynsym;   /* found only in .dynsym */
	bool ifunc;         /* STT_GNU_IFUNC: the symbol is a resolver, not the function */
};

/* Returns 0 or negative errno (-ENOENT no file, -ENOEXEC not ELF / not readable as ELF). */
int mt_elf_open(const char *path, struct mt_elf **out);
/* The same from a descriptor open for reading, which elf then owns (closed on failure too). */
int mt_elf_open_fd(int fd, const char *path, struct mt_elf **out);
void mt_elf_close(struct mt_elf *elf); /* NULL-safe */
int mt_elf_fd(const struct mt_elf *elf); /* the file's descriptor; elf keeps it */

bool mt_elf_has_symtab(const struct mt_elf *elf); /* false: stripped (only .dynsym) */
bool mt_elf_is_dyn(const struct mt_elf *elf);     /* ET_DYN (PIE or library): loaded at a bias */
const char *mt_elf_build_id(const struct mt_elf *elf); /* NT_GNU_BUILD_ID in hex, NULL if none */
/* Defines or references symbol (in .symtab or .dynsym, undefined ones included). */
bool mt_elf_mentions(const struct mt_elf *elf, const char *symbol);
bool mt_elf_has_section(const struct mt_elf *elf, const char *section);
/* Carries the USDT probe provider:name (.note.stapsdt). */
bool mt_elf_has_usdt(const struct mt_elf *elf, const char *provider, const char *name);

/*
 * Lookup of a function (STT_FUNC/STT_GNU_IFUNC) by exact name, .symtab first
 * then .dynsym; failing that, by demangled C++ name ("ns::f", or "f(int)"
 * for one overload). -ENOENT if none.
 */
int mt_elf_find_func(struct mt_elf *elf, const char *name, struct mt_sym *out);

/*
 * Lookup of a data object (STT_OBJECT) by name, or as GCC names a
 * function-local static (NAME.N); size, unless 0, must match st_size.
 */
int mt_elf_find_data(struct mt_elf *elf, const char *name, uint64_t size, struct mt_sym *out);

/* len bytes of the file image at link-time address vaddr: 0, -ENOENT (not in the file), -EIO. */
int mt_elf_read(const struct mt_elf *elf, uint64_t vaddr, void *buf, size_t len);

/*
 * Load bias (runtime address - link-time address) from one mapping of the
 * file: the PT_LOAD whose page-aligned file offset is map_off was placed at
 * map_start. -ENOENT if no PT_LOAD starts at map_off.
 */
int mt_elf_load_bias(const struct mt_elf *elf, uint64_t map_start, uint64_t map_off,
		     uint64_t *bias);

/*
 * Up to max function names close to name (edit distance, substring), best first.
 * Returns how many were written; the strings belong to elf.
 */
int mt_elf_suggest(struct mt_elf *elf, const char *name, const char **out, int max);

/*
 * The function names (symbol names as in the table: mangled for C++) that
 * match the fnmatch(3) pattern, each once, in name order; IFUNC resolvers
 * left out. Writes up to max of them to out (they belong to elf) and
 * returns how many there are, or negative errno.
 */
int mt_elf_glob(struct mt_elf *elf, const char *pattern, const char **out, size_t max);

/*
 * The function holding link-time address vaddr (st_size respected; the best
 * of its aliases; C++ demangled as mt_elf_suggest offers it) and vaddr's
 * offset in it. *name belongs to elf. 0, -ENOENT (no function there), -ENOMEM.
 */
int mt_elf_symbolize(struct mt_elf *elf, uint64_t vaddr, const char **name, uint64_t *off);

/*
 * The ELF handle holding the object's DWARF (.debug_info): its debug file's,
 * else its own; NULL if neither has any. elf keeps it.
 */
struct Elf *mt_elf_dwarf(const struct mt_elf *elf);
/* Another reference to the file's libelf handle, for libdw (which ends it); NULL on failure. */
struct Elf *mt_elf_ref(const struct mt_elf *elf);
/* The link-time addresses the file's PT_LOAD segments span, the first one's start page-aligned. */
void mt_elf_address_range(const struct mt_elf *elf, uint64_t *start, uint64_t *end);

/* The dynamic section's entries ld.so's search uses; strings belong to elf. */
struct mt_elf_dyn {
	const char **needed; /* DT_NEEDED, in order */
	int nneeded;
	const char *rpath;   /* DT_RPATH, NULL if none */
	const char *runpath; /* DT_RUNPATH, NULL if none */
};
/* NULL when out of memory; a file without .dynamic has no entries. */
const struct mt_elf_dyn *mt_elf_dynamic(struct mt_elf *elf);

/*
 * The cheapest correct probe point for a function: its first byte, or just
 * past a leading endbr64 when the next instruction is one the kernel
 * emulates (push) instead of single-stepping (docs/design.md, "Probe placement").
 * Sets *why to a short static description ("entry", "after endbr64").
 */
int mt_elf_probe_offset(struct mt_elf *elf, const struct mt_sym *sym, uint64_t *file_off, const char **why);

#endif
