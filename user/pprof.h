/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --pprof FILE: the profile as `go tool pprof` reads it, a gzipped
 * profile.proto (perftools.profiles) encoded here by hand.
 */
#ifndef MT_PPROF_H
#define MT_PPROF_H

#include <stdio.h>
#include "profile.h"

/*
 * Writes p to f: sample types rss_growth/bytes (the default) and
 * samples/count, one Sample per distinct stack. 0, or -1 (errno set) on a
 * write error or when out of memory.
 */
int mt_pprof_write(const struct mt_profile *p, FILE *f);
/* --pprof FILE: p saved whole through user/outfile.c. 0 or -errno, reason in err. */
int mt_pprof_save(const char *path, const struct mt_profile *p, char *err, size_t errlen);

#endif
