/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The NDJSON stream, schema 1 (docs/schema.md): one writer per output
 * (stdout with --json, the -o file); each record is one line, flushed.
 */
#ifndef MT_RECORDS_H
#define MT_RECORDS_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "procs.h"
#include "profile.h"
#include "stats.h"

#define MT_SCHEMA 1

struct mt_json;

struct mt_rec_target {
	const char *spec, *func, *kind, *object, *method;
};

struct mt_rec_start {
	double t;
	double ts_unix;
	pid_t pid;
	const char *comm;
	char *const *cmdline; /* NULL-terminated */
	const struct mt_rec_target *targets;
	size_t ntargets;
	long page_size;
};

struct mt_rec_sample {
	double t;
	pid_t pid;
	int64_t rss, anon, file, shmem, peak;
};

/* A process joined or exec'd (several processes traced: user/procs.h). */
struct mt_rec_process {
	double t;
	pid_t pid, ppid;
	const char *comm;
	const char *event; /* "fork", "seen" or "exec" */
	int64_t rss;
};

int mt_rec_start(struct mt_json *j, const struct mt_rec_start *r);
int mt_rec_call(struct mt_json *j, const struct mt_call *c); /* adds "open": true for open calls */
/* A stretch (frame walking): c->t - c->dur and c->t are its first and last change; t when written. */
int mt_rec_stretch(struct mt_json *j, double t, const struct mt_call *c);
int mt_rec_sample(struct mt_json *j, const struct mt_rec_sample *r);
int mt_rec_lost(struct mt_json *j, double t, uint64_t count);
int mt_rec_process(struct mt_json *j, const struct mt_rec_process *r);
int mt_rec_exit(struct mt_json *j, double t, pid_t pid, int status);
/* The same with the process's final "rss" and "peak" from its row p (NULL: without them). */
int mt_rec_exit_proc(struct mt_json *j, double t, pid_t pid, int status,
		     const struct mt_proc_info *p);
int mt_rec_summary(struct mt_json *j, double t, pid_t pid, const struct mt_stats *s);
/*
 * The same with "sample_bytes", the stacks' sampling interval, when > 0
 * (stacks were sampled), and when ps is not NULL (several processes may be
 * traced) "processes" and "functions_by_process", whose rows name funcs[func]
 * as user/procs.c's table does.
 */
int mt_rec_summary_all(struct mt_json *j, double t, pid_t pid, const struct mt_stats *s,
		       int64_t sample_bytes, const struct mt_procs *ps, const char *const *funcs,
		       size_t nfuncs);
/* A profile's frame id (user/profile.h), written before the first stack that uses it. */
int mt_rec_frame(struct mt_json *j, double t, uint32_t id, const struct mt_profile_frame *f);
/* One stack sample: ids are st's frames as the profile numbers them, root first. */
int mt_rec_stack(struct mt_json *j, double t, const struct mt_stack *st, const uint32_t *ids);
/* {"type":"error","t":..,"message":..}: errors in JSON mode keep stdout valid JSON. */
int mt_rec_error(struct mt_json *j, double t, const char *message);

#endif
