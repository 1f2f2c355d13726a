// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The unwinders of a run's processes: see user/unwinders.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "memtrace.h"
#include "unwind.h"
#include "unwinders.h"

/*
 * Processes unwound at once, at most: each holds its maps, its libdw state
 * and its open files (-a on a busy host samples many). Beyond, the slots
 * are reused in turn; a process evicted and sampled again is read again.
 */
#define MAX_UNWINDERS 256

struct mt_unwinder_slot *mt_unwinders_find(struct mt_unwinders *us, pid_t pid)
{
	for (size_t i = 0; i < us->n; i++)
		if (us->v[i].pid == pid)
			return &us->v[i];
	return NULL;
}

/* Frees sl's unwinder, and clears the slots that share it. */
static void drop(struct mt_unwinders *us, struct mt_unwinder_slot *sl)
{
	if (!sl->owned)
		return;
	for (size_t i = 0; i < us->n; i++)
		if (&us->v[i] != sl && us->v[i].u == sl->u)
			us->v[i].u = NULL;
	mt_unwinder_free(sl->u);
	sl->u = NULL;
}

/* A free slot for pid; NULL when out of memory. */
static struct mt_unwinder_slot *new_slot(struct mt_unwinders *us, pid_t pid)
{
	struct mt_unwinder_slot *sl;

	if (!us->v) {
		us->v = calloc(MAX_UNWINDERS, sizeof(*us->v));
		if (!us->v)
			return NULL;
	}
	if (us->n < MAX_UNWINDERS) {
		sl = &us->v[us->n++];
	} else {
		/* Never the first process's slot (0): its samples are the most. */
		sl = &us->v[1 + us->next_evict++ % (MAX_UNWINDERS - 1)];
		drop(us, sl);
	}
	sl->pid = pid;
	sl->u = NULL;
	sl->owned = false;
	return sl;
}

int mt_unwinders_add(struct mt_unwinders *us, pid_t pid, bool at_first_sample)
{
	struct mt_unwinder_slot *sl = new_slot(us, pid);

	if (!sl)
		return -ENOMEM;
	sl->owned = true;
	return mt_unwinder_new(pid, at_first_sample, &sl->u);
}

static bool same_image_as(const struct mt_unwinder *u, const struct mt_stack_rec *r)
{
	uint64_t image;

	return !mt_unwinder_image(u, &image) && image == r->image;
}

/* An unwinder of r's program image, from another process (its parent, before the fork). */
static struct mt_unwinder *same_image(struct mt_unwinders *us, const struct mt_stack_rec *r)
{
	for (size_t i = 0; i < us->n; i++)
		if (us->v[i].u && us->v[i].owned && same_image_as(us->v[i].u, r))
			return us->v[i].u;
	return NULL;
}

struct mt_unwinder *mt_unwinders_for(struct mt_unwinders *us, const struct mt_stack_rec *r)
{
	struct mt_unwinder_slot *sl = mt_unwinders_find(us, (pid_t)r->pid);

	if (!sl) {
		sl = new_slot(us, (pid_t)r->pid);
		if (!sl)
			return NULL;
		/*
		 * A fork that has not exec'd runs its parent's image: it shares the
		 * parent's unwinder, whose first unwind (hundreds of ms, reading every
		 * object) a pre-fork server's hundred children need not repeat.
		 * What a child maps after the fork stays unnamed in its stacks.
		 */
		sl->u = same_image(us, r);
		if (!sl->u && !mt_unwinder_new((pid_t)r->pid, false, &sl->u))
			sl->owned = true;
	}
	/* One that has exec'd since: its own maps now. */
	if (sl->u && !sl->owned && !same_image_as(sl->u, r)) {
		sl->u = NULL;
		if (!mt_unwinder_new((pid_t)r->pid, false, &sl->u))
			sl->owned = true;
	}
	/* Its unwinder's slot was reused (evicted): another of its image, if any. */
	if (!sl->u)
		sl->u = same_image(us, r);
	return sl->u;
}

void mt_unwinders_forget(struct mt_unwinders *us, pid_t pid)
{
	struct mt_unwinder_slot *sl = mt_unwinders_find(us, pid);

	if (!sl)
		return;
	/* Its forks that shared it make their own at their next sample. */
	drop(us, sl);
	*sl = us->v[--us->n];
}

void mt_unwinders_free(struct mt_unwinders *us)
{
	for (size_t i = 0; i < us->n; i++)
		if (us->v[i].owned)
			mt_unwinder_free(us->v[i].u);
	free(us->v);
	memset(us, 0, sizeof(*us));
}
