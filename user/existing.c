// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Processes running at the start: see user/existing.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "array.h"
#include "existing.h"
#include "procfs.h"

struct family {
	struct { pid_t pid, ppid; } *v;
	size_t n, cap;
};

static int add_member(void *ctx, pid_t pid)
{
	struct family *f = ctx;
	pid_t ppid;

	/* Gone since the directory was read: not a descendant any more. */
	if (mt_proc_ppid(pid, &ppid))
		return 0;
	if (mt_grow(&f->v, &f->cap, f->n + 1, sizeof(*f->v)))
		return -ENOMEM;
	f->v[f->n].pid = pid;
	f->v[f->n++].ppid = ppid;
	return 0;
}

static bool in(const pid_t *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

int mt_existing_descendants(const pid_t *named, size_t nnamed, pid_t **out, size_t *n)
{
	struct family f = { 0 };
	pid_t *found = NULL;
	size_t nfound = 0, cap = 0;
	bool grew = true;
	int e = mt_proc_each(add_member, &f);

	*out = NULL;
	*n = 0;
	/* Generation by generation: a child's parent is named or found before it. */
	while (!e && grew) {
		grew = false;
		for (size_t i = 0; i < f.n && !e; i++) {
			pid_t p = f.v[i].pid, pp = f.v[i].ppid;

			if (in(named, nnamed, p) || in(found, nfound, p) ||
			    !(in(named, nnamed, pp) || in(found, nfound, pp)))
				continue;
			if (mt_grow(&found, &cap, nfound + 1, sizeof(*found))) {
				e = -ENOMEM;
				break;
			}
			found[nfound++] = p;
			grew = true;
		}
	}
	free(f.v);
	if (e) {
		free(found);
		return e;
	}
	*out = found;
	*n = nfound;
	return 0;
}

/* Deeper than this is no cgroup tree anyone builds: a loop, or a lie. */
#define MAX_DEPTH 64

/* dirfd's cgroup.procs, then each subdirectory's. Closes dirfd. */
static int walk_cgroup(int dirfd, int depth, int (*fn)(void *ctx, pid_t pid), void *ctx)
{
	char *buf = NULL, *line, *save = NULL;
	struct dirent *de;
	DIR *d;
	int e = 0;

	if (!mt_read_small_at(dirfd, "cgroup.procs", PROC_FILE_MAX, &buf, NULL)) {
		for (line = strtok_r(buf, "\n", &save); line && !e; line = strtok_r(NULL, "\n", &save)) {
			long v = strtol(line, NULL, 10);

			if (v > 0 && v <= INT32_MAX)
				e = fn(ctx, (pid_t)v);
		}
		free(buf);
	}
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return e;
	}
	while (!e && depth < MAX_DEPTH && (de = readdir(d))) {
		int sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			e = walk_cgroup(sub, depth + 1, fn, ctx);
	}
	closedir(d);
	return e;
}

int mt_existing_in_cgroup(const char *dir, int (*fn)(void *ctx, pid_t pid), void *ctx)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return walk_cgroup(fd, 0, fn, ctx);
}
