/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Files memtrace writes, often as root and in directories others can write
 * to: never through a planted link, never half a record, traced data 0600.
 * The rules and the reasons are at the top of user/outfile.c.
 */
#ifndef MT_OUTFILE_H
#define MT_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

enum mt_out_kind {
	MT_OUT_NEW,     /* nothing there yet: a regular file is created */
	MT_OUT_REGULAR, /* a regular file: replaced by a new one, never written through */
	MT_OUT_DEVICE,  /* a FIFO or a character device (/dev/null, a terminal): written in place */
	MT_OUT_FD,      /* /dev/stdout, /dev/stderr, /dev/fd/N: a descriptor memtrace holds */
};

struct mt_outfile {
	const char *path;
	enum mt_out_kind kind;
	int fd;          /* -1 until opened */
	FILE *f;         /* writes go through out_write() in user/outfile.c */
	char *tmp;       /* whole-file writes: the temporary name until the rename */
	bool created;    /* the file at path is ours: removed if the run fails */
	bool unnamed;    /* created without a name (O_TMPFILE): mt_out_publish() links it at path */
	off_t written;   /* bytes the kernel accepted */
	off_t boundary;  /* just past the last newline written: where a cut stream ends */
	int err;         /* first write error (-errno), sticky: nothing more is written */
};

/*
 * What path names, and may memtrace write there? 0, or -errno with a
 * one-line reason in err: a symbolic link, a directory, a socket or a block
 * device is refused, and so is a missing or unwritable directory.
 */
int mt_out_classify(const char *path, enum mt_out_kind *kind, char *err, size_t errlen);

/*
 * The -o stream, in two steps so that a run failing before tracing leaves
 * nothing behind: check (and open a FIFO, a device or a descriptor: nothing
 * is created), then create once tracing starts. 0 or -errno, reason in err.
 */
int mt_out_check(struct mt_outfile *o, const char *path, char *err, size_t errlen);
int mt_out_create(struct mt_outfile *o, char *err, size_t errlen);
/*
 * The -o stream, once its first record is written: an unnamed file gets its
 * name now, so that the name never shows an empty file (a run killed
 * before this leaves nothing, and an older file at the name untouched).
 * 0 or -errno, reason in err.
 */
int mt_out_publish(struct mt_outfile *o, char *err, size_t errlen);
/* After a write error: drop what is buffered, cut a regular file back to its last whole line. */
void mt_out_cut(struct mt_outfile *o);
/* Close (NULL-safe on a zeroed struct); remove: delete a file this run created. 0 or -errno. */
int mt_out_close(struct mt_outfile *o, bool remove);

/*
 * A whole file at once (--svg, --mprof, plot -o): begin gives a stream to a
 * temporary file in the same directory, commit renames it into place, so a
 * reader sees the old file or the new one, never a part. 0 or -errno, with
 * the reason in err; on failure nothing is left.
 */
int mt_out_begin(struct mt_outfile *o, const char *path, char *err, size_t errlen);
int mt_out_commit(struct mt_outfile *o, char *err, size_t errlen);
/*
 * begin, fn(ctx, stream), commit: the one way a format is saved whole. fn
 * returns non-zero for a failure that is no write error (out of memory):
 * then too nothing is committed. 0 or -errno, reason in err.
 */
int mt_out_whole(const char *path, int (*fn)(const void *ctx, FILE *f), const void *ctx, char *err,
		 size_t errlen);

#endif
