/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * RSS growth by call stack: sampled stacks, resolved to frames, aggregated.
 * What every stack output reads (the tables in user/report.c, --folded,
 * --pprof, --flame, the stream's "frame" and "stack" records): the tracer's
 * samples (user/unwind.c, user/pystack.c) and a saved stream (user/stream.c)
 * both end here, so a run and its replay print the same.
 */
#ifndef MT_PROFILE_H
#define MT_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mt_frame_kind {
	MT_FRAME_NATIVE = 0,
	MT_FRAME_PYTHON = 1,
	/* Where no frame could be named: "[unknown]", a mapping's name, "[truncated]". */
	MT_FRAME_UNKNOWN = 2,
};

/* One frame, as the resolvers hand it over (strings borrowed) and as the profile keeps it (owned). */
struct mt_frame {
	const char *func;     /* demangled function, Python qualname, or "[...]" */
	const char *file;     /* source file; NULL if unknown */
	uint32_t line;        /* 0 if unknown */
	const char *object;   /* native: the mapped file; NULL otherwise */
	const char *build_id; /* native: the object's build id in hex; NULL if none */
	uint64_t addr;        /* native: the pc as an offset in object's file; 0 otherwise */
	enum mt_frame_kind kind;
};

/* One sample as handed to mt_profile_add(). */
struct mt_stack {
	const struct mt_frame *frames; /* root first */
	size_t n;
	bool truncated; /* the unwinder stopped before the root */
	int64_t bytes;  /* RSS growth it stands for */
	uint32_t tid;
	double t;       /* seconds since the start of tracing */
};

struct mt_profile_frame {
	char *func, *file, *object, *build_id; /* owned; file, object, build_id may be NULL */
	uint32_t line;
	uint64_t addr;
	enum mt_frame_kind kind;
};

/* A distinct stack (the same frames, the same truncation): the sum of its samples. */
struct mt_profile_stack {
	uint32_t *frames; /* ids into frames[], root first */
	uint32_t n;
	bool truncated;
	int64_t bytes;
	uint64_t samples;
};

struct mt_profile {
	struct mt_profile_frame *frames; /* id = index; equal frames share one id */
	size_t nframes, frames_cap;
	struct mt_profile_stack *stacks;
	size_t nstacks, stacks_cap;
	int64_t bytes;     /* sum over stacks */
	uint64_t samples;  /* sum over stacks */
	int64_t sample_bytes; /* the sampling interval's mean (--sample-bytes); 0 if unknown */
	/* private: open-addressing indexes of frames and stacks (ids + 1, 0 empty) */
	uint32_t *frame_idx, *stack_idx;
	size_t frame_idx_cap, stack_idx_cap;
};

void mt_profile_init(struct mt_profile *p);
void mt_profile_free(struct mt_profile *p);
/*
 * The id of frame f, interned (strings copied) if new: frames that differ
 * in any field are distinct. Returns the id, or -ENOMEM.
 */
int64_t mt_profile_frame(struct mt_profile *p, const struct mt_frame *f);
/*
 * Adds one sample of frame ids (root first; each < p->nframes), merging it
 * into an equal stack. Returns the stack's index, or -ENOMEM / -EINVAL.
 */
int64_t mt_profile_add_ids(struct mt_profile *p, const uint32_t *ids, size_t n, bool truncated,
			   int64_t bytes, uint64_t samples);
/* Interns s's frames and adds it. Returns the stack's index, or -ENOMEM. */
int64_t mt_profile_add(struct mt_profile *p, const struct mt_stack *s);

/*
 * A profile's per-stack weights at one moment: the start of a window
 * (/pprof?seconds=N, user/http.c). Stacks are only ever added, never moved
 * or removed, so a stack's index then is its index later.
 */
struct mt_profile_mark {
	struct mt_profile_weight {
		int64_t bytes;
		uint64_t samples;
	} *w;
	size_t n;
};

/* p's weights now into m. 0 or -ENOMEM. */
int mt_profile_mark(const struct mt_profile *p, struct mt_profile_mark *m);
void mt_profile_mark_free(struct mt_profile_mark *m);
/*
 * view: what p gained since m, as a profile of its own that borrows p's
 * frames and stacks' frame ids (only its stacks array is its own): each
 * stack whose weights changed, with the difference. Read it (user/pprof.c)
 * before p changes; release it with mt_profile_view_free(). 0 or -ENOMEM.
 */
int mt_profile_since(const struct mt_profile *p, const struct mt_profile_mark *m,
		     struct mt_profile *view);
void mt_profile_view_free(struct mt_profile *view);

#endif
