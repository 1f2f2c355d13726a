/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Does an ELF object carry a given USDT probe (.note.stapsdt)? */
#ifndef MT_USDT_H
#define MT_USDT_H

#include <stdbool.h>

/* True if path has the probe provider:name. Unreadable files have none. */
bool mt_usdt_has_probe(const char *path, const char *provider, const char *name);

#endif
