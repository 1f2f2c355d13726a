// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Small readers of /proc/PID. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "array.h"
#include "log.h"
#include "memtrace.h"
#include "procfs.h"

int mt_read_small_at(int dirfd, const char *name, size_t max, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b, *nb;
	ssize_t r;
	int fd, err = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b = malloc(cap);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n + 1 >= cap) {
			if (cap >= max) {
				err = -EFBIG;
				break;
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			/* A process that exits between open and read: its files read ESRCH. */
			err = errno == ESRCH ? -ENOENT : -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (err) {
		free(b);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	if (len)
		*len = n;
	return 0;
}

/* The whole of /proc/PID/<what>: bounded, as a process can make its cmdline large. */
static int read_proc_file(pid_t pid, const char *what, char **buf, size_t *len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	return mt_read_small_at(AT_FDCWD, path, PROC_FILE_MAX, buf, len);
}

/* "Key:   123 kB" -> bytes; the kernel prints these fields in kB. */
static void status_field(const char *line, const char *key, int64_t *out)
{
	size_t klen = strlen(key);
	long long kb;

	if (strncmp(line, key, klen) || line[klen] != ':')
		return;
	if (sscanf(line + klen + 1, "%lld", &kb) == 1)
		*out = (int64_t)kb * 1024;
}

int mt_proc_read_rss(pid_t pid, struct mt_proc_rss *out)
{
	char *buf, *line, *save = NULL;
	size_t len;
	int err;

	memset(out, 0, sizeof(*out));
	err = read_proc_file(pid, "status", &buf, &len);
	if (err)
		return err;
	/* Kernel threads have no Rss* lines: they stay 0. */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		status_field(line, "RssAnon", &out->anon);
		status_field(line, "RssFile", &out->file);
		status_field(line, "RssShmem", &out->shmem);
		status_field(line, "VmHWM", &out->hwm);
	}
	free(buf);
	return 0;
}

int mt_proc_comm(pid_t pid, char *buf, size_t len)
{
	char *s;
	size_t n;
	int err = read_proc_file(pid, "comm", &s, &n);

	if (err)
		return err;
	if (n && s[n - 1] == '\n')
		s[--n] = '\0';
	if (n >= len) {
		free(s);
		return -ERANGE; /* never hand back a silently cut name */
	}
	memcpy(buf, s, n + 1);
	free(s);
	return 0;
}

/*
 * Numeric fields of /proc/PID/stat, numbered from 1 as in proc(5), each 4
 * or after (past the state letter), fields[] increasing, into out[].
 * 0 or -errno.
 */
static int stat_fields(pid_t pid, const int *fields, uint64_t *out, size_t n)
{
	char *buf, *at, *end;
	int err = read_proc_file(pid, "stat", &buf, NULL), field = 4;
	size_t want = 0;
	uint64_t v;

	if (err)
		return err;
	/*
	 * comm (field 2) is the target's to choose, spaces and ')' included:
	 * fields resume after the last ')', with the state (3), a letter.
	 */
	at = strrchr(buf, ')');
	if (at && at[1] == ' ' && at[2] && at[2] != ' ')
		at += 3;
	else
		at = NULL;
	for (; at && want < n; field++) {
		while (*at == ' ')
			at++;
		errno = 0;
		v = strtoull(at, &end, 10);
		if (end == at || errno) {
			at = NULL;
			break;
		}
		if (field == fields[want])
			out[want++] = v;
		at = end;
	}
	free(buf);
	return at ? 0 : -EINVAL;
}

int mt_proc_image(pid_t pid, uint64_t *image)
{
	/* startcode, start_brk, arg_start (proc(5)). */
	static const int fields[] = { 26, 47, 48 };
	uint64_t v[3];
	int err = stat_fields(pid, fields, v, 3);

	if (!err)
		*image = mt_image_id(v[0], v[1], v[2]);
	return err;
}

int mt_proc_ppid(pid_t pid, pid_t *ppid)
{
	static const int fields[] = { 4 };
	uint64_t v;
	int err = stat_fields(pid, fields, &v, 1);

	if (!err && v > INT32_MAX)
		err = -EINVAL;
	if (!err)
		*ppid = (pid_t)v;
	return err;
}

int mt_proc_each(int (*fn)(void *ctx, pid_t pid), void *ctx)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int e = 0;

	if (!d)
		return -errno;
	while (!e && (de = readdir(d))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name || v <= 0 || v > INT32_MAX)
			continue;
		e = fn(ctx, (pid_t)v);
	}
	closedir(d);
	return e;
}

int mt_proc_cmdline(pid_t pid, char ***argv, int *argc)
{
	char *buf, **v;
	size_t len, i, n = 0, k = 0;
	int err;

	*argv = NULL;
	*argc = 0;
	err = read_proc_file(pid, "cmdline", &buf, &len);
	if (err)
		return err;
	/* Count arguments; the last may lack its NUL (setproctitle rewrites). */
	for (i = 0; i < len; i++)
		if (buf[i] == '\0' || i == len - 1)
			n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v) {
		free(buf);
		return -ENOMEM;
	}
	for (i = 0; i < len && k < n; i += strlen(buf + i) + 1) {
		v[k] = strdup(buf + i);
		if (!v[k]) {
			mt_proc_free_argv(v);
			free(buf);
			return -ENOMEM;
		}
		k++;
	}
	free(buf);
	*argv = v;
	*argc = (int)k;
	return 0;
}

void mt_proc_free_argv(char **argv)
{
	char **p;

	if (!argv)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

#define DELETED_SUFFIX " (deleted)"

/* Cuts " (deleted)" off a path the kernel shows; true if it was there. */
static bool cut_deleted(char *path)
{
	size_t len = strlen(path), sl = strlen(DELETED_SUFFIX);

	if (len <= sl || strcmp(path + len - sl, DELETED_SUFFIX))
		return false;
	path[len - sl] = '\0';
	return true;
}

char *mt_proc_exe(pid_t pid, bool *deleted, int *err)
{
	char lnk[32], *buf = NULL;
	size_t cap;
	ssize_t n = 0;

	snprintf(lnk, sizeof(lnk), "/proc/%d/exe", (int)pid);
	/* No length limit: a larger buffer until the whole target fits. */
	for (cap = 256; !buf || (size_t)n == cap; cap *= 2) {
		free(buf);
		buf = malloc(cap);
		n = buf ? readlink(lnk, buf, cap) : -1;
		if (n < 0) {
			*err = buf ? -errno : -ENOMEM;
			free(buf);
			return NULL;
		}
	}
	buf[n] = '\0';
	*deleted = cut_deleted(buf);
	return buf;
}

int mt_proc_error(pid_t pid, const char *what, int e, char *err, size_t errlen)
{
	char dir[32];
	struct stat st;

	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	if (stat(dir, &st) && errno == ENOENT) {
		mt_set_err(err, errlen, "no process with pid %d", (int)pid);
		return -ESRCH;
	}
	if (e == -ENOENT) {
		mt_set_err(err, errlen, "process %d has no executable (a kernel thread, or exiting)", (int)pid);
		return -ESRCH;
	}
	mt_set_err(err, errlen, "cannot read /proc/%d/%s: %s%s", (int)pid, what, strerror(-e),
		   e == -EACCES || e == -EPERM ? "; run memtrace as root (or with CAP_SYS_PTRACE)" : "");
	return e;
}

static bool same_file(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	return !stat(path, &st) && st.st_ino == ino && st.st_dev == dev;
}

/*
 * The kernel prints a mapped file's path relative to the *reader's* root
 * where it can: a target in another mount namespace shows paths of its own
 * root (open them through /proc/PID/root), a chrooted one shows our full
 * path (/srv/jail/bin/app: joining /proc/PID/root would name a file that
 * does not exist, or another one). Take the candidate that is the mapped
 * file itself (same device and inode); if neither is (overlayfs reports the
 * underlying inode in maps), the target's root as before.
 */
char *mt_proc_object_path(pid_t pid, const char *path, dev_t dev, ino_t ino)
{
	char *in_root;

	if (asprintf(&in_root, "/proc/%d/root%s", (int)pid, path) < 0)
		return NULL;
	if (same_file(in_root, dev, ino) || !same_file(path, dev, ino))
		return in_root;
	free(in_root);
	return strdup(path);
}

/* One line (NUL-terminated) into m; false for a line that does not parse. */
static bool parse_map(char *line, struct mt_map *m)
{
	unsigned long long ino;
	unsigned int major, minor;
	int pos = 0;
	char *path;

	memset(m, 0, sizeof(*m));
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %llu%n", &m->start, &m->end,
		   m->perms, &m->offset, &major, &minor, &ino, &pos) < 7 || !pos)
		return false;
	path = line + pos + strspn(line + pos, " ");
	m->deleted = cut_deleted(path);
	m->dev = makedev(major, minor);
	m->ino = (ino_t)ino;
	m->path = strdup(path);
	return true;
}

int mt_proc_maps(pid_t pid, struct mt_map **maps, size_t *n)
{
	char *buf, *line, *save = NULL;
	struct mt_map *v = NULL;
	size_t cnt = 0, cap = 0;
	int err;

	*maps = NULL;
	*n = 0;
	err = read_proc_file(pid, "maps", &buf, NULL);
	if (err)
		return err;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (mt_grow(&v, &cap, cnt + 1, sizeof(*v))) {
			err = -ENOMEM;
			break;
		}
		if (!parse_map(line, &v[cnt]))
			continue;
		if (!v[cnt++].path) {
			err = -ENOMEM;
			break;
		}
	}
	free(buf);
	if (err) {
		mt_proc_maps_free(v, cnt);
		return err;
	}
	*maps = v;
	*n = cnt;
	return 0;
}

void mt_proc_maps_free(struct mt_map *maps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(maps[i].path);
	free(maps);
}

bool mt_map_is_file(const struct mt_map *m)
{
	return m->ino && m->path[0] == '/' && strncmp(m->path, "/dev/", 5);
}

char *mt_proc_map_path(pid_t pid, const struct mt_map *m)
{
	char *p;

	if (!m->deleted)
		return mt_proc_object_path(pid, m->path, m->dev, m->ino);
	if (asprintf(&p, "/proc/%d/map_files/%llx-%llx", (int)pid, (unsigned long long)m->start,
		     (unsigned long long)m->end) < 0)
		return NULL;
	return p;
}
