/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ELF symbol lookup (libelf): function symbols, file offsets, attach points. */
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
	uint64_t file_off;  /* file offset of the first instruction (what uprobes take) */
	bool from_dynsym;   /* found only in .dynsym */
	bool ifunc;         /* STT_GNU_IFUNC: the symbol is a resolver, not the function */
};

/* Returns 0 or negative errno (-ENOENT no file, -ENOEXEC not ELF / not readable as ELF). */
int mt_elf_open(const char *path, struct mt_elf **out);
void mt_elf_close(struct mt_elf *elf); /* NULL-safe */

bool mt_elf_has_symtab(const struct mt_elf *elf); /* false: stripped (only .dynsym) */
bool mt_elf_is_pie(const struct mt_elf *elf);     /* ET_DYN */
/* Defines or references symbol (in .symtab or .dynsym, undefined ones included). */
bool mt_elf_mentions(const struct mt_elf *elf, const char *symbol);
bool mt_elf_has_section(const struct mt_elf *elf, const char *section);

/*
 * Lookup of a function (STT_FUNC/STT_GNU_IFUNC) by exact name, .symtab first
 * then .dynsym; failing that, by demangled C++ name ("ns::f", or "f(int)"
 * for one overload). -ENOENT if none.
 */
int mt_elf_find_func(struct mt_elf *elf, const char *name, struct mt_sym *out);

/*
 * Up to max function names close to name (edit distance, substring), best first.
 * Returns how many were written; the strings belong to elf.
 */
int mt_elf_suggest(struct mt_elf *elf, const char *name, const char **out, int max);

/* DT_NEEDED entries and DT_RUNPATH/DT_RPATH (NULL if none); strings belong to elf. */
int mt_elf_needed(struct mt_elf *elf, const char ***names, int *n);
const char *mt_elf_runpath(struct mt_elf *elf);

/*
 * The cheapest correct probe point for a function: its first byte, or just
 * past a leading endbr64 when the next instruction is one the kernel
 * emulates (push) instead of single-stepping (see shared/FACTS.md).
 * Sets *why to a short static description ("entry", "after endbr64").
 */
int mt_elf_probe_offset(struct mt_elf *elf, const struct mt_sym *sym, uint64_t *file_off, const char **why);

#endif
