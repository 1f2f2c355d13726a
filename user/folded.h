/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --folded: the stacks of a profile in Brendan Gregg's folded format, which
 * flamegraph.pl and speedscope read: one line per distinct stack, its
 * frames root first joined by ';', a space, then its bytes.
 */
#ifndef MT_FOLDED_H
#define MT_FOLDED_H

#include <stddef.h>
#include <stdio.h>
#include "profile.h"

/*
 * Writes p's stacks to f. A truncated stack starts with a "[truncated]"
 * frame; the bytes of a name that would break a line (';', control bytes)
 * are written as '_'. 0, or -1 on a write error.
 */
int mt_folded_write(const struct mt_profile *p, FILE *f);
/* The whole file at once (user/outfile.h): 0, or -errno with a one-line reason in err. */
int mt_folded_save(const char *path, const struct mt_profile *p, char *err, size_t errlen);

#endif
