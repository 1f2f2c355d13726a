// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SystemTap SDT notes: type 3, owner "stapsdt", descriptor = pc, base and
 * semaphore addresses (one word each), then "provider\0name\0args\0".
 */
#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>
#include "usdt.h"

#define NT_STAPSDT 3

static bool note_matches(Elf_Data *data, const char *provider, const char *name)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const char *desc = (const char *)data->d_buf + desc_off;
		size_t words = 3 * sizeof(uint64_t), plen;

		if (nh.n_type != NT_STAPSDT || nh.n_namesz != sizeof("stapsdt") ||
		    memcmp((const char *)data->d_buf + name_off, "stapsdt", nh.n_namesz) ||
		    nh.n_descsz <= words)
			continue;
		plen = strnlen(desc + words, nh.n_descsz - words);
		if (plen + 1 >= nh.n_descsz - words)
			continue;
		if (!strcmp(desc + words, provider) &&
		    !strncmp(desc + words + plen + 1, name, nh.n_descsz - words - plen - 1))
			return true;
	}
	return false;
}

bool mt_usdt_has_probe(const char *path, const char *provider, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	bool found = false;
	int fd;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx)) {
		while (!found && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			const char *sname;
			Elf_Data *data;

			if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
				continue;
			sname = elf_strptr(elf, shstrndx, sh.sh_name);
			if (!sname || strcmp(sname, ".note.stapsdt"))
				continue;
			data = elf_getdata(scn, NULL);
			found = data && note_matches(data, provider, name);
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}
