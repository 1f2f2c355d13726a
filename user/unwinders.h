/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The unwinders (user/unwind.h) of every process a run samples, by pid:
 * made at a process's first sample, each with its maps and open files. A
 * process that runs the same program image as one already unwound (a fork
 * that did not exec: the same mappings, mt_image_id() in bpf/memtrace.h)
 * shares that one's unwinder. A process's unwinder is freed when it ends
 * (mt_unwinders_forget()).
 */
#ifndef MT_UNWINDERS_H
#define MT_UNWINDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct mt_unwinder;
struct mt_stack_rec;

struct mt_unwinders {
	struct mt_unwinder_slot {
		pid_t pid;
		struct mt_unwinder *u; /* NULL: the process could not be read */
		bool owned;            /* else another slot's, of the same image (a fork) */
	} *v;
	size_t n;
	size_t next_evict; /* full: the slots are reused in turn */
};

/*
 * The unwinder for r's process: found, made (its maps read now), or another
 * process's of the same image if it is gone; NULL if none.
 */
struct mt_unwinder *mt_unwinders_for(struct mt_unwinders *us, const struct mt_stack_rec *r);
/* The first process, before its first sample (a launched command: read then). 0 or -errno. */
int mt_unwinders_add(struct mt_unwinders *us, pid_t pid, bool at_first_sample);
struct mt_unwinder_slot *mt_unwinders_find(struct mt_unwinders *us, pid_t pid);
/*
 * Process pid has ended and its samples are unwound: its unwinder (maps,
 * libdw state, open files) is freed, so a long -a run holds those of the
 * processes alive, not of every one it met; a reused pid starts afresh.
 */
void mt_unwinders_forget(struct mt_unwinders *us, pid_t pid);
void mt_unwinders_free(struct mt_unwinders *us);

#endif
