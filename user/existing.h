/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The processes already running when tracing starts that a run takes in:
 * with --children, the named processes' descendants; with -a or --cgroup,
 * those whose programs -f is resolved in at once (others join at their
 * first RSS change, user/late.c resolves their programs then).
 */
#ifndef MT_EXISTING_H
#define MT_EXISTING_H

#include <stddef.h>
#include <sys/types.h>

/* The descendants of named[0, nnamed) running now (not themselves), in a malloc'd *out. 0 or -errno. */
int mt_existing_descendants(const pid_t *named, size_t nnamed, pid_t **out, size_t *n);
/* fn for each process in cgroup v2 directory dir or below it, until fn returns non-zero. 0 or -errno. */
int mt_existing_in_cgroup(const char *dir, int (*fn)(void *ctx, pid_t pid), void *ctx);

#endif
