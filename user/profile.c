// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Sampled stacks aggregated: frames interned once, equal stacks merged.
 * Two open-addressing indexes (FNV-1a, linear probing, at most half full)
 * keep a long run's thousands of samples a hash lookup each.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "profile.h"

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

/* NULL and "" hash apart: a frame without a file is not one with an empty file name. */
static uint64_t fnv_str(uint64_t h, const char *s)
{
	return s ? fnv(h, s, strlen(s) + 1) : fnv(h, "\xff", 1);
}

static uint64_t frame_hash(const struct mt_frame *f)
{
	uint64_t h = FNV_OFFSET;

	h = fnv_str(h, f->func);
	h = fnv_str(h, f->file);
	h = fnv_str(h, f->object);
	h = fnv_str(h, f->build_id);
	h = fnv(h, &f->line, sizeof(f->line));
	h = fnv(h, &f->addr, sizeof(f->addr));
	return fnv(h, &f->kind, sizeof(f->kind));
}

static uint64_t stack_hash(const uint32_t *ids, size_t n, bool truncated)
{
	return fnv(fnv(FNV_OFFSET, ids, n * sizeof(*ids)), &truncated, sizeof(truncated));
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool frame_eq(const struct mt_profile_frame *a, const struct mt_frame *b)
{
	return a->line == b->line && a->addr == b->addr && a->kind == b->kind &&
	       str_eq(a->func, b->func) && str_eq(a->file, b->file) &&
	       str_eq(a->object, b->object) && str_eq(a->build_id, b->build_id);
}

static bool stack_eq(const struct mt_profile_stack *a, const uint32_t *ids, size_t n, bool truncated)
{
	return a->n == n && a->truncated == truncated && !memcmp(a->frames, ids, n * sizeof(*ids));
}

void mt_profile_init(struct mt_profile *p)
{
	memset(p, 0, sizeof(*p));
}

void mt_profile_free(struct mt_profile *p)
{
	for (size_t i = 0; i < p->nframes; i++) {
		struct mt_profile_frame *f = &p->frames[i];

		free(f->func);
		free(f->file);
		free(f->object);
		free(f->build_id);
	}
	for (size_t i = 0; i < p->nstacks; i++)
		free(p->stacks[i].frames);
	free(p->frames);
	free(p->stacks);
	free(p->frame_idx);
	free(p->stack_idx);
	mt_profile_init(p);
}

/*
 * Keeps an index at most half full: rebuilt at twice the size from the
 * entries' hashes (hash_of(p, id)) when the next entry would pass that.
 */
static int index_reserve(struct mt_profile *p, uint32_t **idx, size_t *cap, size_t count,
			 uint64_t (*hash_of)(const struct mt_profile *p, uint32_t id))
{
	size_t ncap = *cap ? *cap : 64;
	uint32_t *n;

	if ((count + 1) * 2 <= *cap)
		return 0;
	while ((count + 1) * 2 > ncap)
		ncap *= 2;
	n = calloc(ncap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (uint32_t id = 0; id < count; id++) {
		size_t slot = hash_of(p, id) & (ncap - 1);

		while (n[slot])
			slot = (slot + 1) & (ncap - 1);
		n[slot] = id + 1;
	}
	free(*idx);
	*idx = n;
	*cap = ncap;
	return 0;
}

static uint64_t frame_hash_of(const struct mt_profile *p, uint32_t id)
{
	const struct mt_profile_frame *pf = &p->frames[id];
	struct mt_frame f = { pf->func, pf->file, pf->line, pf->object, pf->build_id, pf->addr,
			      pf->kind };

	return frame_hash(&f);
}

static uint64_t stack_hash_of(const struct mt_profile *p, uint32_t id)
{
	return stack_hash(p->stacks[id].frames, p->stacks[id].n, p->stacks[id].truncated);
}

/* strdup that keeps NULL; *ok cleared when out of memory. */
static char *dup_or_null(const char *s, bool *ok)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*ok = false;
	return d;
}

int64_t mt_profile_frame(struct mt_profile *p, const struct mt_frame *f)
{
	uint64_t h = frame_hash(f);
	struct mt_profile_frame *pf;
	bool ok = true;
	size_t slot;

	if (p->nframes >= UINT32_MAX - 1 ||
	    index_reserve(p, &p->frame_idx, &p->frame_idx_cap, p->nframes, frame_hash_of))
		return -ENOMEM;
	for (slot = h & (p->frame_idx_cap - 1); p->frame_idx[slot];
	     slot = (slot + 1) & (p->frame_idx_cap - 1))
		if (frame_eq(&p->frames[p->frame_idx[slot] - 1], f))
			return p->frame_idx[slot] - 1;
	if (mt_grow(&p->frames, &p->frames_cap, p->nframes + 1, sizeof(*p->frames)))
		return -ENOMEM;
	pf = &p->frames[p->nframes];
	*pf = (struct mt_profile_frame){ .line = f->line, .addr = f->addr, .kind = f->kind };
	pf->func = dup_or_null(f->func ? f->func : "[unknown]", &ok);
	pf->file = dup_or_null(f->file, &ok);
	pf->object = dup_or_null(f->object, &ok);
	pf->build_id = dup_or_null(f->build_id, &ok);
	if (!ok) {
		free(pf->func);
		free(pf->file);
		free(pf->object);
		free(pf->build_id);
		return -ENOMEM;
	}
	p->frame_idx[slot] = ++p->nframes;
	return p->nframes - 1;
}

int64_t mt_profile_add_ids(struct mt_profile *p, const uint32_t *ids, size_t n, bool truncated,
			   int64_t bytes, uint64_t samples)
{
	uint64_t h = stack_hash(ids, n, truncated);
	struct mt_profile_stack *s;
	size_t slot;

	for (size_t i = 0; i < n; i++)
		if (ids[i] >= p->nframes)
			return -EINVAL;
	if (p->nstacks >= UINT32_MAX - 1 || n > UINT32_MAX ||
	    index_reserve(p, &p->stack_idx, &p->stack_idx_cap, p->nstacks, stack_hash_of))
		return -ENOMEM;
	for (slot = h & (p->stack_idx_cap - 1); p->stack_idx[slot];
	     slot = (slot + 1) & (p->stack_idx_cap - 1)) {
		s = &p->stacks[p->stack_idx[slot] - 1];
		if (stack_eq(s, ids, n, truncated))
			goto add;
	}
	if (mt_grow(&p->stacks, &p->stacks_cap, p->nstacks + 1, sizeof(*p->stacks)))
		return -ENOMEM;
	s = &p->stacks[p->nstacks];
	s->frames = malloc(n ? n * sizeof(*ids) : 1);
	if (!s->frames)
		return -ENOMEM;
	memcpy(s->frames, ids, n * sizeof(*ids));
	s->n = n;
	s->truncated = truncated;
	p->stack_idx[slot] = ++p->nstacks;
add:
	s->bytes += bytes;
	s->samples += samples;
	p->bytes += bytes;
	p->samples += samples;
	return s - p->stacks;
}

int64_t mt_profile_add(struct mt_profile *p, const struct mt_stack *s)
{
	uint32_t stack_ids[256], *ids = stack_ids;
	int64_t r = 0;

	if (s->n > sizeof(stack_ids) / sizeof(stack_ids[0])) {
		ids = calloc(s->n, sizeof(*ids));
		if (!ids)
			return -ENOMEM;
	}
	for (size_t i = 0; i < s->n && r >= 0; i++) {
		r = mt_profile_frame(p, &s->frames[i]);
		if (r >= 0)
			ids[i] = (uint32_t)r;
	}
	if (r >= 0)
		r = mt_profile_add_ids(p, ids, s->n, s->truncated, s->bytes, 1);
	if (ids != stack_ids)
		free(ids);
	return r;
}

int mt_profile_mark(const struct mt_profile *p, struct mt_profile_mark *m)
{
	m->n = p->nstacks;
	m->w = calloc(m->n ? m->n : 1, sizeof(*m->w));
	if (!m->w)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		m->w[i] = (struct mt_profile_weight){ p->stacks[i].bytes, p->stacks[i].samples };
	return 0;
}

void mt_profile_mark_free(struct mt_profile_mark *m)
{
	free(m->w);
	m->w = NULL;
	m->n = 0;
}

int mt_profile_since(const struct mt_profile *p, const struct mt_profile_mark *m,
		     struct mt_profile *view)
{
	mt_profile_init(view);
	view->frames = p->frames;
	view->nframes = p->nframes;
	view->sample_bytes = p->sample_bytes;
	view->stacks = calloc(p->nstacks ? p->nstacks : 1, sizeof(*view->stacks));
	if (!view->stacks)
		return -ENOMEM;
	for (size_t i = 0; i < p->nstacks; i++) {
		struct mt_profile_stack s = p->stacks[i];

		/* A stack new since the mark gained all of its weight. */
		if (i < m->n) {
			s.bytes -= m->w[i].bytes;
			s.samples -= m->w[i].samples;
		}
		if (!s.bytes && !s.samples)
			continue;
		view->stacks[view->nstacks++] = s;
		view->bytes += s.bytes;
		view->samples += s.samples;
	}
	return 0;
}

void mt_profile_view_free(struct mt_profile *view)
{
	free(view->stacks);
	mt_profile_init(view);
}
