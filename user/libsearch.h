/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where ld.so finds a DT_NEEDED library, in its own order (see user/libsearch.c). */
#ifndef MT_LIBSEARCH_H
#define MT_LIBSEARCH_H

#include <stddef.h>

/* An object on the way from the one that needs a library up to the executable. */
struct mt_lib_needer {
	const char *path;    /* the object as ld.so opened it: its directory is $ORIGIN */
	const char *rpath;   /* DT_RPATH, NULL if none */
	const char *runpath; /* DT_RUNPATH, NULL if none */
};

/*
 * The file ld.so loads for DT_NEEDED name of chain[0], where chain[1..n)
 * are the objects that loaded chain[0], the executable last (n >= 1).
 * Malloc'd path, or NULL if ld.so would find none.
 */
char *mt_lib_search(const char *name, const struct mt_lib_needer *chain, size_t n);

/* Where the ld.so.cache file cache maps name for x86-64; malloc'd, NULL if nowhere. */
char *mt_ld_cache_lookup(const char *cache, const char *name);

/* The cache mt_lib_search() reads: /etc/ld.so.cache (tests point it elsewhere). */
extern const char *mt_ld_cache_file;

#endif
