// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Output files. memtrace runs as root and is often told to write into
 * directories other users can write to (/tmp): a symbolic or hard link
 * planted at the name must not make it overwrite what the link points to.
 * The rules:
 *
 * - A symbolic link as the name is refused, for every output. Opening it
 *   would follow it; renaming over it would silently replace the user's own
 *   link. O_NOFOLLOW makes the refusal hold even against a link planted
 *   after the check.
 * - A regular file is never opened for writing: it is replaced by a new
 *   file, created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600 (traced data is
 *   private, as perf.data is). A hard link to another file is thus only
 *   unlinked, and a link planted between the unlink and the create makes
 *   the create fail instead of being followed.
 * - The -o stream gets its final name once tracing starts and its first
 *   record is written, not a temporary name renamed at the end: it is meant
 *   to be read while it grows (tail -f, a second memtrace report). It is
 *   created unnamed (O_TMPFILE) in the target directory and linked at the
 *   name after the start record, so a run killed in between leaves no
 *   empty file and an older file at the name as it was; where the file
 *   system has no O_TMPFILE, it is created at the name at once. It stays
 *   whole in another way: it is written in whole lines, and after a write
 *   error (a full disk) nothing more is written and the file is cut back to
 *   its last complete line (mt_out_cut()).
 * - Files written at the end in one go (--svg, --mprof, plot -o) go to a
 *   mkstemp() file in the same directory and are renamed into place once
 *   complete: a reader sees the old file or the new one, never a part.
 * - FIFOs and character devices (/dev/null, a terminal) are written in
 *   place: naming one asks for exactly that, and no file can be planted
 *   through them. /dev/stdout, /dev/stderr and /dev/fd/N are symbolic links
 *   into /proc, so they are taken by name as the descriptors memtrace
 *   already holds. Directories, sockets and block devices are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "log.h"
#include "outfile.h"

/* Large writes: hot functions produce a million records a second. */
#define STREAM_BUF (1 << 20)

/* /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: the descriptor N, else -1. */
static int named_fd(const char *path)
{
	static const char *const dirs[] = { "/dev/fd/", "/proc/self/fd/" };
	char *end;
	long n;

	if (!strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		size_t len = strlen(dirs[i]);

		if (strncmp(path, dirs[i], len) || path[len] < '0' || path[len] > '9')
			continue;
		errno = 0;
		n = strtol(path + len, &end, 10);
		if (!errno && !*end && n <= INT_MAX)
			return (int)n;
	}
	return -1;
}

/* The directory a new file at path goes to must exist and take it. */
static int check_dir(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	struct stat st;
	int e = 0;

	if (!dir)
		return -ENOMEM;
	if (stat(dir, &st))
		e = -errno;
	else if (!S_ISDIR(st.st_mode))
		e = -ENOTDIR;
	else if (access(dir, W_OK | X_OK))
		e = -errno;
	if (e)
		mt_set_err(err, errlen, "cannot write %s: directory %s: %s; name a file in a writable directory",
			   path, dir, strerror(-e));
	free(dir);
	return e;
}

int mt_out_classify(const char *path, enum mt_out_kind *kind, char *err, size_t errlen)
{
	struct stat st;

	if (named_fd(path) >= 0) {
		*kind = MT_OUT_FD;
		return 0;
	}
	if (lstat(path, &st)) {
		int e = errno;

		if (e != ENOENT) {
			mt_set_err(err, errlen, "cannot write %s: %s", path, strerror(e));
			return -e;
		}
		*kind = MT_OUT_NEW;
		return check_dir(path, err, errlen);
	}
	if (S_ISLNK(st.st_mode)) {
		mt_set_err(err, errlen,
			   "%s is a symbolic link; memtrace does not write through links (one planted there could point anywhere): name the file itself",
			   path);
		return -ELOOP;
	}
	if (S_ISREG(st.st_mode)) {
		*kind = MT_OUT_REGULAR;
		return check_dir(path, err, errlen);
	}
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
		*kind = MT_OUT_DEVICE;
		return 0;
	}
	mt_set_err(err, errlen, "cannot write %s: it is a %s; name a regular file, a FIFO or a character device",
		   path, S_ISDIR(st.st_mode) ? "directory" : S_ISSOCK(st.st_mode) ? "socket" : "block device");
	return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
}

/*
 * stdio calls this for every buffer it writes. The first error is sticky:
 * after it nothing is written, so the file cannot go on after a hole (as it
 * could if space came back). boundary follows the last whole line written.
 */
static ssize_t out_write(void *cookie, const char *buf, size_t size)
{
	struct mt_outfile *o = cookie;
	const char *nl;
	size_t done = 0;

	if (o->err) {
		errno = -o->err;
		return -1;
	}
	while (done < size) {
		ssize_t n = write(o->fd, buf + done, size - done);

		if (n <= 0) {
			o->err = n < 0 ? -errno : -EIO;
			break;
		}
		done += n;
	}
	nl = done ? memrchr(buf, '\n', done) : NULL;
	if (nl)
		o->boundary = o->written + (nl - buf) + 1;
	o->written += done;
	if (o->err) {
		errno = -o->err;
		return done ? (ssize_t)done : -1;
	}
	return done;
}

static int out_close_fd(void *cookie)
{
	struct mt_outfile *o = cookie;
	int e = close(o->fd);

	o->fd = -1;
	return e;
}

/* The FILE on o->fd: fully buffered, writing through out_write(). */
static int make_stream(struct mt_outfile *o, char *err, size_t errlen)
{
	cookie_io_functions_t io = { .write = out_write, .close = out_close_fd };

	o->f = fopencookie(o, "w", io);
	if (!o->f) {
		mt_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	setvbuf(o->f, NULL, _IOFBF, STREAM_BUF);
	return 0;
}

static int dup_named_fd(struct mt_outfile *o, char *err, size_t errlen)
{
	o->fd = fcntl(named_fd(o->path), F_DUPFD_CLOEXEC, 3);
	if (o->fd < 0) {
		int e = errno;

		mt_set_err(err, errlen, "cannot write %s: %s", o->path, strerror(e));
		return -e;
	}
	return 0;
}

/* A FIFO (blocks until a reader comes) or a character device, and still one once open. */
static int open_device(struct mt_outfile *o, char *err, size_t errlen)
{
	struct stat st;

	o->fd = open(o->path, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (o->fd < 0) {
		int e = errno;

		mt_set_err(err, errlen, "cannot write %s: %s", o->path, strerror(e));
		return -e;
	}
	if (fstat(o->fd, &st) || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
		mt_set_err(err, errlen, "%s changed while memtrace opened it; check what it is and run again",
			   o->path);
		close(o->fd);
		o->fd = -1;
		return -EAGAIN;
	}
	return 0;
}

/* A new regular file at path, 0600; an existing regular file there is unlinked, never opened. */
/* Creating the file at its name failed with errno e: -e, the reason in err. */
static int name_failed(const struct mt_outfile *o, int e, char *err, size_t errlen)
{
	if (e == EEXIST)
		mt_set_err(err, errlen,
			   "%s appeared while memtrace was creating it (another program writes there?); name another file",
			   o->path);
	else
		mt_set_err(err, errlen, "cannot write %s: %s", o->path, strerror(e));
	return -e;
}

/* An unnamed file in path's directory, for mt_out_publish(); -1 where the file system has none. */
static int create_unnamed(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 1;

	if (len >= sizeof(dir))
		return -1;
	if (!slash)
		memcpy(dir, ".", 2);
	else if (!len)
		memcpy(dir, "/", 2);
	else {
		memcpy(dir, path, len);
		dir[len] = 0;
	}
	return open(dir, O_TMPFILE | O_WRONLY | O_NOCTTY | O_CLOEXEC, 0600);
}

static int create_file(struct mt_outfile *o, char *err, size_t errlen)
{
	o->fd = create_unnamed(o->path);
	if (o->fd >= 0) {
		o->unnamed = true;
		return 0;
	}
	if (o->kind == MT_OUT_REGULAR && unlink(o->path) && errno != ENOENT) {
		int e = errno;

		mt_set_err(err, errlen, "cannot replace %s: %s", o->path, strerror(e));
		return -e;
	}
	o->fd = open(o->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	if (o->fd < 0)
		return name_failed(o, errno, err, errlen);
	o->created = true;
	return 0;
}

static void out_init(struct mt_outfile *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	o->path = path;
	o->fd = -1;
}

/*
 * Classifies path and opens it if it is a descriptor or a device (*opened
 * set); a regular file is left for the caller to create.
 */
static int open_special(struct mt_outfile *o, const char *path, bool *opened, char *err,
			size_t errlen)
{
	int e;

	out_init(o, path);
	*opened = false;
	e = mt_out_classify(path, &o->kind, err, errlen);
	if (e)
		return e;
	if (o->kind == MT_OUT_FD)
		e = dup_named_fd(o, err, errlen);
	else if (o->kind == MT_OUT_DEVICE)
		e = open_device(o, err, errlen);
	else
		return 0;
	*opened = !e;
	return e;
}

int mt_out_check(struct mt_outfile *o, const char *path, char *err, size_t errlen)
{
	bool opened;
	int e = open_special(o, path, &opened, err, errlen);

	/* A regular file is created by mt_out_create(). */
	return e || !opened ? e : make_stream(o, err, errlen);
}

int mt_out_create(struct mt_outfile *o, char *err, size_t errlen)
{
	bool opened;
	int e;

	if (o->f)
		return 0; /* a FIFO, a device or a descriptor, opened by mt_out_check() */
	/* Classified again: the name may have changed since the check. */
	e = open_special(o, o->path, &opened, err, errlen);
	if (!e && !opened)
		e = create_file(o, err, errlen);
	return e ?: make_stream(o, err, errlen);
}

int mt_out_publish(struct mt_outfile *o, char *err, size_t errlen)
{
	char self[64];
	int e;

	if (!o->unnamed)
		return 0;
	if (fflush(o->f) || o->err) {
		e = o->err ?: -EIO;
		mt_set_err(err, errlen, "cannot write %s: %s", o->path, strerror(-e));
		return e;
	}
	/* A regular file there is replaced, never written through (see the rules above). */
	if (o->kind == MT_OUT_REGULAR && unlink(o->path) && errno != ENOENT) {
		e = errno;
		mt_set_err(err, errlen, "cannot replace %s: %s", o->path, strerror(e));
		return -e;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", o->fd);
	/* linkat() never replaces: a name planted since the check makes it fail. */
	if (linkat(AT_FDCWD, self, AT_FDCWD, o->path, AT_SYMLINK_FOLLOW))
		return name_failed(o, errno, err, errlen);
	o->unnamed = false;
	o->created = true;
	return 0;
}

void mt_out_cut(struct mt_outfile *o)
{
	if (!o->f)
		return;
	o->err = o->err ?: -EIO;
	/* What stdio still holds would only be refused by out_write(): drop it. */
	__fpurge(o->f);
	/* A FIFO or a device cannot be taken back; a file of ours can. */
	if ((o->created || o->unnamed) && o->fd >= 0 && ftruncate(o->fd, o->boundary))
		mt_warn("cannot cut %s back to its last whole record: %s", o->path, strerror(errno));
}

int mt_out_close(struct mt_outfile *o, bool remove)
{
	int e = 0;

	/* Never set up (no -o): a zeroed struct, whose fd 0 is not ours. */
	if (!o->path)
		return 0;
	if (o->f) {
		if (fclose(o->f))
			e = -errno;
		o->f = NULL;
	} else if (o->fd >= 0) {
		close(o->fd);
	}
	o->fd = -1;
	if (remove && o->created)
		unlink(o->path);
	o->created = false;
	if (o->tmp) {
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
	return e ?: o->err;
}

int mt_out_begin(struct mt_outfile *o, const char *path, char *err, size_t errlen)
{
	bool opened;
	int e = open_special(o, path, &opened, err, errlen);

	if (e)
		return e;
	if (!opened) {
		/* mkstemp: a name nobody can guess, created O_EXCL, mode 0600. */
		if (asprintf(&o->tmp, "%s.XXXXXX", path) < 0) {
			o->tmp = NULL;
			mt_set_err(err, errlen, "out of memory");
			return -ENOMEM;
		}
		o->fd = mkostemp(o->tmp, O_CLOEXEC);
		if (o->fd < 0) {
			e = -errno;
			mt_set_err(err, errlen, "cannot write %s: %s", path, strerror(-e));
			free(o->tmp);
			o->tmp = NULL;
		}
	}
	if (!e)
		e = make_stream(o, err, errlen);
	if (e)
		mt_out_close(o, true);
	return e;
}

int mt_out_whole(const char *path, int (*fn)(const void *ctx, FILE *f), const void *ctx, char *err,
		 size_t errlen)
{
	struct mt_outfile o;
	int e = mt_out_begin(&o, path, err, errlen);

	if (e)
		return e;
	/* A failed write is sticky in o: mt_out_commit() reports it and removes the rest. */
	if (fn(ctx, o.f) && !o.err)
		o.err = -ENOMEM;
	return mt_out_commit(&o, err, errlen);
}

int mt_out_commit(struct mt_outfile *o, char *err, size_t errlen)
{
	int e = 0;

	/* o->err first: a failure of the writer's own (out of memory) leaves no stream error. */
	if (o->err || fflush(o->f) || ferror(o->f))
		e = o->err ?: -EIO;
	/* The data on disk before the name points at it: a crash leaves the old file. */
	if (!e && o->tmp && fsync(o->fd))
		e = -errno;
	if (fclose(o->f) && !e)
		e = o->err ?: -errno;
	o->f = NULL;
	o->fd = -1;
	if (!e && o->tmp && rename(o->tmp, o->path))
		e = -errno;
	if (!e) {
		free(o->tmp);
		o->tmp = NULL;
		return 0;
	}
	mt_set_err(err, errlen, "cannot write %s: %s", o->path, strerror(-e));
	mt_out_close(o, true);
	return e;
}
