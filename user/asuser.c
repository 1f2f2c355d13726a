// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Why a child process: the checks the kernel makes on a path (search
 * permission on every directory, the file's mode and ACLs, LSMs, symlinks
 * resolved as the reader) are only right if the reader really holds the
 * target's credentials. Checking modes ourselves would miss ACLs and races;
 * changing our own credentials would put the whole of memtrace (its BPF
 * fds, its outputs) in the hands of that user. A short-lived child that
 * drops to the target's fsuid/fsgid and groups, keeps no capability, and
 * sends the bytes back through a pipe has exactly the target's rights.
 * openat2(RESOLVE_IN_ROOT) on the target's /proc/PID/root keeps every
 * symlink and ".." inside the target's root, as it resolves them itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "array.h"
#include "asuser.h"
#include "procfs.h"
#include "log.h"

/*
 * A source file that takes longer than this (a hung network or FUSE file
 * system) is not worth stalling the trace for; generous, because a loaded
 * machine can take seconds just to schedule the child.
 */
#define READ_TIMEOUT_MS 30000
/* /proc/PID/status with a long Groups: line (NGROUPS_MAX is 65536). */
#define STATUS_MAX (1 << 20)

/* The value of the line "key" of /proc/PID/status (keys are at line starts), or NULL. */
static const char *status_field(const char *status, const char *key)
{
	size_t klen = strlen(key);

	for (const char *l = status; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, klen))
			return l + klen;
	return NULL;
}

/* The fourth number of "Uid:\treal\teffective\tsaved\tfs": the one file access uses. */
static int fs_id(const char *status, const char *key, unsigned int *id)
{
	const char *v = status_field(status, key);
	unsigned long x = 0;
	char *end;

	for (int i = 0; v && i < 4; i++, v = end) {
		errno = 0;
		x = strtoul(v, &end, 10);
		if (end == v || errno || x > UINT32_MAX)
			return -EINVAL;
	}
	if (!v)
		return -EINVAL;
	*id = (unsigned int)x;
	return 0;
}

static int parse_groups(const char *status, struct mt_proc_creds *c)
{
	const char *v = status_field(status, "Groups:");
	unsigned long x;
	char *end;

	if (!v)
		return -EINVAL;
	for (;;) {

		while (*v == ' ' || *v == '\t')
			v++;
		if (!*v || *v == '\n')
			return 0;
		errno = 0;
		x = strtoul(v, &end, 10);
		if (end == v || errno || x > UINT32_MAX)
			return -EINVAL;
		if (mt_grow(&c->groups, &c->groups_cap, c->ngroups + 1, sizeof(*c->groups)))
			return -ENOMEM;
		c->groups[c->ngroups++] = (gid_t)x;
		v = end;
	}
}

int mt_proc_creds_read(int procfd, struct mt_proc_creds *c)
{
	unsigned int uid, gid;
	char *status = NULL;
	int e;

	memset(c, 0, sizeof(*c));
	e = mt_read_small_at(procfd, "status", STATUS_MAX, &status, NULL);
	if (e)
		return e;
	e = fs_id(status, "Uid:", &uid);
	if (!e)
		e = fs_id(status, "Gid:", &gid);
	if (!e)
		e = parse_groups(status, c);
	free(status);
	if (e) {
		mt_proc_creds_free(c);
		return e;
	}
	c->uid = uid;
	c->gid = gid;
	return 0;
}

void mt_proc_creds_free(struct mt_proc_creds *c)
{
	free(c->groups);
	memset(c, 0, sizeof(*c));
}

/* readlinkat into a malloc'd string; 0 or -errno. */
static int read_link(int dirfd, const char *name, char **out)
{
	char buf[PATH_MAX + 1];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf));

	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	buf[n] = '\0';
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

/*
 * The cwd's path inside the root, from the two links as we see them: the
 * root's path must prefix the cwd's (a target whose cwd is outside its root,
 * after chroot without chdir, gets nothing rather than a guess).
 */
int mt_proc_path_in_root(int procfd, const char *path, char **out)
{
	char *root = NULL, *cwd = NULL;
	const char *rel;
	size_t rlen;
	int e;

	if (*path == '/') {
		*out = strdup(path);
		return *out ? 0 : -ENOMEM;
	}
	e = read_link(procfd, "root", &root);
	if (!e)
		e = read_link(procfd, "cwd", &cwd);
	if (e)
		goto out;
	rlen = strcmp(root, "/") ? strlen(root) : 0;
	rel = cwd + rlen;
	if (strncmp(cwd, root, rlen) || (*rel && *rel != '/') || *cwd != '/') {
		e = -EXDEV;
		goto out;
	}
	if (asprintf(out, "%s/%s", rel, path) < 0)
		e = -ENOMEM;
out:
	free(root);
	free(cwd);
	return e;
}

/* --- the child ------------------------------------------------------------ */

/* What the child reports before any data: how far it got, and errno there. */
enum read_stage { STAGE_OK, STAGE_IDENTITY, STAGE_OPEN, STAGE_NOTREG, STAGE_TOOBIG };

struct read_head {
	int stage;
	int err;
};

static void child_report(int fd, int stage, int err)
{
	struct read_head h = { .stage = stage, .err = err };

	if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h))
		_exit(1);
}

/* Every fd but keep1 and keep2 (and stdio): the child needs nothing else of ours. */
static void close_others(int keep1, int keep2)
{
	int lo = keep1 < keep2 ? keep1 : keep2, hi = keep1 < keep2 ? keep2 : keep1;

	if (lo > 3)
		syscall(SYS_close_range, 3U, (unsigned int)lo - 1, 0U);
	if (hi > lo + 1)
		syscall(SYS_close_range, (unsigned int)lo + 1, (unsigned int)hi - 1, 0U);
	syscall(SYS_close_range, (unsigned int)hi + 1, ~0U, 0U);
}

/*
 * Raw system calls: they change this thread's credentials only, which in
 * the child is the whole process, and they take no lock a thread of the
 * parent may have held at fork(). Groups first: they need CAP_SETGID, which
 * the uid change then takes away. A securebits setting inherited from
 * whoever started memtrace could keep capabilities across the uid change,
 * so they are cleared explicitly.
 */
static int drop_to(const struct mt_proc_creds *c)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = {};

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) ||
	    syscall(SYS_setgroups, c->ngroups, c->groups) ||
	    syscall(SYS_setresgid, c->gid, c->gid, c->gid) ||
	    syscall(SYS_setresuid, c->uid, c->uid, c->uid))
		return errno;
	if (c->uid != 0 && syscall(SYS_capset, &hdr, none))
		return errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return errno;
	return 0;
}

static void child_read(const struct mt_proc_creds *c, int rootfd, const char *path, size_t max,
		       int out)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char buf[65536];
	size_t sent = 0;
	struct stat st;
	int fd, e;

	e = drop_to(c);
	if (e) {
		child_report(out, STAGE_IDENTITY, e);
		_exit(1);
	}
	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd < 0) {
		child_report(out, STAGE_OPEN, errno);
		_exit(1);
	}
	/* A FIFO, a device or a directory: never read (it may block, never end, or lie). */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		child_report(out, STAGE_NOTREG, 0);
		_exit(1);
	}
	if ((uint64_t)st.st_size > max) {
		child_report(out, STAGE_TOOBIG, 0);
		_exit(1);
	}
	child_report(out, STAGE_OK, 0);
	/* Bounded whatever fstat said: the parent sees max + 1 bytes and stops. */
	while (sent <= max) {
		size_t want = max + 1 - sent < sizeof(buf) ? max + 1 - sent : sizeof(buf);
		ssize_t r = read(fd, buf, want);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			_exit(1);
		if (r == 0)
			_exit(0);
		for (ssize_t w = 0; w < r;) {
			ssize_t n = write(out, buf + w, (size_t)(r - w));

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				_exit(1);
			w += n;
		}
		sent += (size_t)r;
	}
	_exit(0);
}

/* --- the parent ----------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Up to want bytes from fd into buf before deadline. Returns the count (less
 * than want at end of file), -ETIMEDOUT or -errno.
 */
static ssize_t read_until(int fd, void *buf, size_t want, int64_t deadline)
{
	size_t got = 0;

	while (got < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		r = read(fd, (char *)buf + got, want - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* The data after the header: up to max bytes (and a NUL); more is "too big". */
static int read_data(int fd, size_t max, int64_t deadline, char **buf, size_t *len)
{
	size_t n = 0, cap = 0;
	char *b = NULL, *nb;

	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			/* At most max + 2: max + 1 bytes tell "too big", one more for the NUL. */
			size_t ncap = cap ? cap * 2 : 65536;

			nb = realloc(b, ncap < max + 2 ? ncap : max + 2);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap = ncap < max + 2 ? ncap : max + 2;
		}
		r = read_until(fd, b + n, cap - 1 - n, deadline);
		if (r < 0) {
			free(b);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(b);
			return -EFBIG;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static void explain(const struct mt_proc_creds *c, const struct read_head *h, size_t max,
		    char *why, size_t whylen)
{
	switch (h->stage) {
	case STAGE_IDENTITY:
		mt_set_err(why, whylen, "memtrace cannot take the identity of the traced process (uid %u): %s",
			   (unsigned int)c->uid, strerror(h->err));
		break;
	case STAGE_OPEN:
		mt_set_err(why, whylen, "the traced process (uid %u) cannot read it (%s)",
			   (unsigned int)c->uid, strerror(h->err));
		break;
	case STAGE_NOTREG:
		mt_set_err(why, whylen, "it is not a regular file");
		break;
	case STAGE_TOOBIG:
		mt_set_err(why, whylen, "it is larger than %zu MiB", max >> 20);
		break;
	default:
		mt_set_err(why, whylen, "the reader failed");
	}
}

static int stage_errno(const struct read_head *h)
{
	switch (h->stage) {
	case STAGE_NOTREG:
		return -EINVAL;
	case STAGE_TOOBIG:
		return -EFBIG;
	default:
		return h->err > 0 ? -h->err : -EIO;
	}
}

/* The child's report, then its data; any failure is explained in why. */
static int collect(int fd, const struct mt_proc_creds *c, size_t max, char **buf, size_t *len,
		   char *why, size_t whylen)
{
	int64_t deadline = now_ms() + READ_TIMEOUT_MS;
	struct read_head h;
	ssize_t r;
	int e;

	r = read_until(fd, &h, sizeof(h), deadline);
	if (r == -ETIMEDOUT) {
		mt_set_err(why, whylen, "opening it took longer than %d s", READ_TIMEOUT_MS / 1000);
		return (int)r;
	}
	if (r != (ssize_t)sizeof(h)) {
		mt_set_err(why, whylen, "the reader failed (%s)", strerror(r < 0 ? (int)-r : EIO));
		return r < 0 ? (int)r : -EIO;
	}
	if (h.stage != STAGE_OK) {
		explain(c, &h, max, why, whylen);
		return stage_errno(&h);
	}
	e = read_data(fd, max, deadline, buf, len);
	if (e == -EFBIG)
		mt_set_err(why, whylen, "it is larger than %zu MiB", max >> 20);
	else if (e == -ETIMEDOUT)
		mt_set_err(why, whylen, "reading it took longer than %d s", READ_TIMEOUT_MS / 1000);
	else if (e)
		mt_set_err(why, whylen, "reading it failed (%s)", strerror(-e));
	return e;
}

int mt_read_as(const struct mt_proc_creds *c, int rootfd, const char *path, size_t max,
	       char **buf, size_t *len, char *why, size_t whylen)
{
	pid_t parent = getpid(), child;
	int p[2], e, st;

	if (pipe2(p, O_CLOEXEC)) {
		e = -errno;
		mt_set_err(why, whylen, "cannot start a reader (%s)", strerror(errno));
		return e;
	}
	child = fork();
	if (child < 0) {
		e = -errno;
		mt_set_err(why, whylen, "cannot start a reader (%s)", strerror(errno));
		close(p[0]);
		close(p[1]);
		return e;
	}
	if (child == 0) {
		/* Never outlive memtrace, never write into its stdio buffers (_exit). */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (getppid() != parent)
			_exit(1);
		signal(SIGPIPE, SIG_DFL);
		close_others(p[1], rootfd);
		child_read(c, rootfd, path, max, p[1]);
		_exit(1);
	}
	close(p[1]);
	e = collect(p[0], c, max, buf, len, why, whylen);
	close(p[0]);
	/* Done with it either way; one stuck in open (a hung file system) is killed. */
	if (e)
		kill(child, SIGKILL);
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (!e && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		free(*buf);
		*buf = NULL;
		mt_set_err(why, whylen, "reading it failed");
		e = -EIO;
	}
	return e;
}
