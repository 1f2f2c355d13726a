/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* --cgroup PATH: which cgroup v2 directory, as the kernel side matches it. */
#ifndef MT_CGROUP_H
#define MT_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/*
 * The id of the cgroup v2 directory at path (its inode number, what
 * bpf_get_current_ancestor_cgroup_id() returns) and its depth below the
 * hierarchy's root (the root is 0). 0, or -errno with a one-line reason.
 */
int mt_cgroup_resolve(const char *path, uint64_t *id, unsigned *level, char *err, size_t errlen);

#endif
