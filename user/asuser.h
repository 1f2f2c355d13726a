/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading a file of a traced process as that process itself could: inside
 * its root, with its credentials, regular files only, bounded in size and
 * time. memtrace runs as root; what a target names (a co_filename) must not
 * make memtrace read for it what it could not read itself.
 */
#ifndef MT_ASUSER_H
#define MT_ASUSER_H

#include <stddef.h>
#include <sys/types.h>

/* What the kernel checks a file access against: fsuid, fsgid, supplementary groups. */
struct mt_proc_creds {
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* malloc'd */
	size_t ngroups, groups_cap;
};

/* The credentials of the process whose /proc/PID directory procfd is; 0 or -errno. */
int mt_proc_creds_read(int procfd, struct mt_proc_creds *c);
void mt_proc_creds_free(struct mt_proc_creds *c);

/*
 * path's location inside the root of the process of procfd: path itself if
 * absolute, else its cwd (as seen inside its root) joined with path.
 * malloc'd into *out; 0, -ENOMEM, or -EXDEV when its cwd is outside its root.
 */
int mt_proc_path_in_root(int procfd, const char *path, char **out);

/*
 * Read path, resolved with rootfd as "/" (symlinks and ".." cannot leave
 * it), in a child process that holds c's credentials and no capability
 * (unless c is root's). At most max bytes of a regular file into a malloc'd,
 * NUL-terminated *buf of *len bytes. 0, or -errno with the reason in why;
 * -ETIMEDOUT when the file took too long to open or read (the child is killed).
 */
int mt_read_as(const struct mt_proc_creds *c, int rootfd, const char *path, size_t max,
	       char **buf, size_t *len, char *why, size_t whylen);

#endif
