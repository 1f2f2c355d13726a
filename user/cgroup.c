// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --cgroup PATH: see user/cgroup.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "cgroup.h"
#include "log.h"

/* Deeper than this is no cgroup tree anyone builds: a loop, or a lie. */
#define MAX_LEVEL 256

int mt_cgroup_resolve(const char *path, uint64_t *id, unsigned *level, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), up, e = 0;
	struct statfs fs;
	struct stat st, parent;
	unsigned depth = 0;

	if (fd < 0) {
		e = errno;
		mt_set_err(err, errlen, "cannot open cgroup '%s': %s; give a cgroup v2 directory such as /sys/fs/cgroup/system.slice/NAME.service",
			   path, strerror(e));
		return -e;
	}
	if (fstatfs(fd, &fs) || fs.f_type != CGROUP2_SUPER_MAGIC || fstat(fd, &st)) {
		mt_set_err(err, errlen, "'%s' is not a cgroup v2 directory (cgroup v1 is not supported); give one under the cgroup2 mount, usually /sys/fs/cgroup",
			   path);
		close(fd);
		return -EINVAL;
	}
	*id = st.st_ino;
	/* Up to the hierarchy's root: the directory whose parent is another file system, or itself. */
	for (;;) {
		up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (up < 0 || fstat(up, &parent) || fstatfs(up, &fs)) {
			e = errno;
			if (up >= 0)
				close(up);
			break;
		}
		close(fd);
		fd = up;
		if (fs.f_type != CGROUP2_SUPER_MAGIC || parent.st_ino == st.st_ino)
			break;
		st = parent;
		if (++depth > MAX_LEVEL) {
			e = ELOOP;
			break;
		}
	}
	close(fd);
	if (e) {
		mt_set_err(err, errlen, "cannot find the depth of cgroup '%s': %s", path, strerror(e));
		return -e;
	}
	*level = depth;
	return 0;
}
