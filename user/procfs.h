/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small readers of /proc/PID. */
#ifndef MT_PROCFS_H
#define MT_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

struct mt_proc_rss {
	int64_t anon, file, shmem; /* bytes, from RssAnon/RssFile/RssShmem */
	int64_t hwm;               /* VmHWM, bytes */
};

/*
 * The whole of a small file at dirfd/name (AT_FDCWD: a path), read until
 * EOF (procfs reports size 0), at most max bytes (-EFBIG past it);
 * malloc'd and NUL-terminated, *len set if len is not NULL. 0 or -errno.
 */
int mt_read_small_at(int dirfd, const char *name, size_t max, char **buf, size_t *len);
/* /proc files larger than this are refused: cmdline and status stay far below. */
#define PROC_FILE_MAX (16 << 20)

int mt_proc_read_rss(pid_t pid, struct mt_proc_rss *out); /* 0 or -errno */
/* comm (no newline) into buf; 0 or -errno */
int mt_proc_comm(pid_t pid, char *buf, size_t len);
/*
 * The program image pid runs, as mt_image_id() (bpf/memtrace.h) makes it from
 * /proc/PID/stat: it changes with each exec. A zombie's has no mm: 0s. 0 or -errno.
 */
int mt_proc_image(pid_t pid, uint64_t *image);
/* Its parent's pid (/proc/PID/stat). 0 or -errno. */
int mt_proc_ppid(pid_t pid, pid_t *ppid);
/* fn for each process in /proc, until fn returns non-zero (returned). 0 or -errno. */
int mt_proc_each(int (*fn)(void *ctx, pid_t pid), void *ctx);
/* NUL-separated cmdline split into a malloc'd argv (NULL-terminated), *argc set. */
int mt_proc_cmdline(pid_t pid, char ***argv, int *argc);
void mt_proc_free_argv(char **argv);
/*
 * A file the process maps (path as /proc/PID/maps or /proc/PID/exe shows
 * it; dev and ino of the mapped file), as memtrace can open it: malloc'd,
 * NULL when out of memory. See the comment in user/procfs.c.
 */
char *mt_proc_object_path(pid_t pid, const char *path, dev_t dev, ino_t ino);

/*
 * /proc/PID/exe's target (malloc'd), " (deleted)" cut off and *deleted set
 * when the file was deleted or replaced since it started (then only the
 * link itself names it). NULL with *err = -errno.
 */
char *mt_proc_exe(pid_t pid, bool *deleted, int *err);

/*
 * A failure (-errno e) on /proc/PID/<what> as the caller's errno (-ESRCH
 * for a process that is gone) and a one-line message in err.
 */
int mt_proc_error(pid_t pid, const char *what, int e, char *err, size_t errlen);

/* One line of /proc/PID/maps. */
struct mt_map {
	uint64_t start, end, offset;
	char perms[5]; /* "r-xp" */
	dev_t dev;
	ino_t ino;     /* 0: no file ([heap], [vdso], anonymous memory) */
	char *path;    /* as the kernel shows it, without " (deleted)"; "" if none */
	bool deleted;  /* the file was deleted or replaced since it was mapped */
};

/* Every mapping of the process, in address order: 0 or -errno (-ENOENT: no such process). */
int mt_proc_maps(pid_t pid, struct mt_map **maps, size_t *n);
void mt_proc_maps_free(struct mt_map *maps, size_t n);
/* A mapping of a file (not a device, not [vdso] and the like). */
bool mt_map_is_file(const struct mt_map *m);
/*
 * The mapped file as memtrace can open it: mt_proc_object_path(), or
 * /proc/PID/map_files/START-END once it is deleted. Malloc'd, NULL when out of memory.
 */
char *mt_proc_map_path(pid_t pid, const struct mt_map *m);

#endif
