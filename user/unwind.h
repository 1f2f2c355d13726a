/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Native stacks of sampled RSS growth: the registers and the copied top of
 * the user stack of one sample (struct mt_stack_rec, bpf/memtrace.h)
 * unwound from DWARF CFI (elfutils libdw) and named from the target's ELF
 * symbols and DWARF lines. Nothing is read from the live process but
 * /proc/PID/maps: stack words come from the copy, code from the mapped files.
 */
#ifndef MT_UNWIND_H
#define MT_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "profile.h"

struct mt_stack_rec;
struct mt_unwinder;

/*
 * An unwinder for process pid: its mappings read now, or at the first
 * sample (at_first_sample: a launched command that has not exec'd yet, whose
 * maps are still memtrace's own), reread after a dlopen. 0 or -errno.
 */
int mt_unwinder_new(pid_t pid, bool at_first_sample, struct mt_unwinder **out);
void mt_unwinder_free(struct mt_unwinder *u); /* NULL-safe */
/*
 * Reads the maps now, if the process lives: a command just launched maps
 * its libraries within milliseconds, and may exit before its samples are
 * unwound.
 */
void mt_unwinder_refresh(struct mt_unwinder *u);
/* The program image (mt_proc_image()) its maps are of: 0, or -ENOENT before any was read. */
int mt_unwinder_image(const struct mt_unwinder *u, uint64_t *image);

/*
 * One sample (regs in DWARF numbering, stack_len bytes copied from
 * regs[MT_STACK_REG_SP] up). Fills out[] LEAF FIRST with up to max frames;
 * *truncated when the unwind stopped before the outermost frame
 * (unreadable memory, no CFI, max reached). A sample without user
 * registers (MT_STACK_NO_USER) has no frames and is not truncated.
 * Strings belong to the unwinder, valid until mt_unwinder_free. 0 or -errno.
 */
int mt_unwind(struct mt_unwinder *u, const struct mt_stack_rec *r, struct mt_frame *out, size_t max,
	      size_t *n, bool *truncated);

#endif
