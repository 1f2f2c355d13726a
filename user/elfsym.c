// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ELF objects (libelf): function and data symbols, segments, load bias,
 * dynamic entries, build id, attach points.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "debuginfo.h"
#include "elfsym.h"
#include "suggest.h"

/* One function symbol; names point into libelf's data or into elf->owned. */
struct fsym {
	const char *name;
	uint64_t vaddr;
	uint64_t size;
	uint32_t seq;  /* load order: .symtab entries before .dynsym ones */
	bool dyn;      /* from .dynsym */
	bool data;     /* STT_OBJECT: a variable, not a function */
	bool hidden;   /* a non-default symbol version ("f@V", not "f@@V") */
	bool ifunc;
	uint8_t bind;  /* 0 global, 1 weak, 2 local: which alias names an address best */
};

/* A function by address (mt_elf_symbolize): the best of the names at vaddr. */
struct asym {
	uint64_t vaddr, end; /* [vaddr, end): st_size, or up to the next symbol when 0 */
	const char *name;    /* demangled on first lookup */
	uint32_t seq;
	uint8_t bind;
	uint8_t unders;      /* leading underscores: "malloc" names it better than "__libc_malloc" */
	bool hidden, demangled;
};

struct mt_elf {
	int fd;
	Elf *e;
	int dbg_fd;        /* separate debug file found by build-id, or -1 */
	Elf *dbg;
	bool is_dyn;       /* ET_DYN: loaded at a bias (PIE or shared object) */
	char *build_id;    /* NT_GNU_BUILD_ID as hex, NULL if none */
	bool has_symtab;   /* .symtab in the file or in its debug file */
	GElf_Phdr *loads;  /* PT_LOAD segments: vaddr -> file offset */
	size_t nloads;

	bool syms_loaded;
	int syms_err;
	struct fsym *syms; /* sorted by name, default version first, then seq */
	size_t nsyms, syms_cap;
	char **owned;      /* names copied to cut "@VERSION" off, demangled names for suggestions */
	size_t nowned, owned_cap;

	bool dyn_loaded;
	struct mt_elf_dyn dyn;

	bool addrs_loaded;
	struct asym *addrs; /* sorted by vaddr, one per address */
	size_t naddrs;
};

static Elf_Scn *find_scn(Elf *e, GElf_Word type, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		if (gelf_getshdr(scn, shdr) && shdr->sh_type == type)
			return scn;
	}
	return NULL;
}

static bool has_section(Elf *e, const char *section)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(e, &shstrndx))
		return false;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (gelf_getshdr(scn, &sh) && (n = elf_strptr(e, shstrndx, sh.sh_name)) &&
		    !strcmp(n, section))
			return true;
	}
	return false;
}

static bool has_symtab_scn(Elf *e)
{
	GElf_Shdr shdr;

	/* A .symtab holding only the null entry is as good as none. */
	return find_scn(e, SHT_SYMTAB, &shdr) && shdr.sh_entsize && shdr.sh_size / shdr.sh_entsize > 1;
}

static int load_phdrs(struct mt_elf *elf)
{
	size_t i, n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf->e, &n))
		return -ENOEXEC;
	elf->loads = calloc(n ? n : 1, sizeof(*elf->loads));
	if (!elf->loads)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (gelf_getphdr(elf->e, (int)i, &ph) && ph.p_type == PT_LOAD)
			elf->loads[elf->nloads++] = ph;
	}
	return elf->nloads ? 0 : -ENOEXEC;
}

typedef bool (*note_fn)(const unsigned char *desc, size_t len, void *arg);

/* Calls fn on the descriptor of each note of owner and type until it returns true. */
static bool each_note(Elf *e, const char *owner, GElf_Word type, note_fn fn, void *arg)
{
	size_t off, noff, doff, olen = strlen(owner) + 1;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Nhdr nh;
	Elf_Data *d;

	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		for (off = 0; d && (off = gelf_getnote(d, off, &nh, &noff, &doff));) {
			if (nh.n_type == type && nh.n_namesz == olen &&
			    !memcmp((char *)d->d_buf + noff, owner, olen) &&
			    fn((unsigned char *)d->d_buf + doff, nh.n_descsz, arg))
				return true;
		}
	}
	return false;
}

/* A build id's bytes as lowercase hex into *(char **)arg (malloc'd). */
static bool hex_desc(const unsigned char *desc, size_t len, void *arg)
{
	char **hex = arg;

	if (!len)
		return false;
	*hex = malloc(len * 2 + 1);
	for (size_t i = 0; *hex && i < len; i++)
		sprintf(*hex + 2 * i, "%02x", desc[i]);
	return true;
}

static char *build_id_hex(Elf *e)
{
	char *hex = NULL;

	each_note(e, "GNU", NT_GNU_BUILD_ID, hex_desc, &hex);
	return hex;
}

/* An ELF file from an open descriptor: NULL unless a regular file libelf reads as ELF. */
static Elf *elf_from_fd(int fd)
{
	struct stat st;
	Elf *e = NULL;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode))
		e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (e && elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		e = NULL;
	}
	return e;
}

/*
 * One candidate debug file (mt_debuginfo_take): kept only if it has this
 * object's build id, so its symbol values are valid against our segments,
 * and a .symtab. Candidates may come from a debuginfod server: hostile input.
 */
static const char *try_debug_file(int fd, void *arg)
{
	struct mt_elf *elf = arg;
	const char *why = NULL;
	char *id;

	elf->dbg = elf_from_fd(fd);
	if (!elf->dbg)
		return "not an ELF file";
	id = build_id_hex(elf->dbg);
	if (!id || strcmp(id, elf->build_id))
		why = "its build id differs";
	else if (!has_symtab_scn(elf->dbg))
		why = "it has no .symtab";
	free(id);
	if (why) {
		elf_end(elf->dbg);
		elf->dbg = NULL;
	} else {
		elf->dbg_fd = fd;
	}
	return why;
}

/*
 * Stripped objects (Debian's libc among them) keep their .symtab in a
 * separate file named by build id (user/debuginfo.c). Objects seen through
 * /proc/PID/root look in the target's own root first.
 */
static void find_debug_file(struct mt_elf *elf, const char *path)
{
	char *root = NULL;
	int rootlen = 0;

	if (sscanf(path, "/proc/%*[0-9]/root/%n", &rootlen) == 0 && rootlen > 0)
		root = strndup(path, (size_t)rootlen - 1);
	/* Messages name the object as the target sees it. */
	mt_debuginfo_find(elf->build_id, root, root ? path + rootlen - 1 : path, try_debug_file, elf);
	free(root);
}

int mt_elf_open(const char *path, struct mt_elf **out)
{
	/* O_NONBLOCK: a FIFO named by mistake must not hang us; regular files ignore it. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	*out = NULL;
	return fd < 0 ? -errno : mt_elf_open_fd(fd, path, out);
}

int mt_elf_open_fd(int fd, const char *path, struct mt_elf **out)
{
	struct mt_elf *elf;
	GElf_Ehdr eh;
	int err;

	*out = NULL;
	elf = calloc(1, sizeof(*elf));
	if (!elf) {
		close(fd);
		return -ENOMEM;
	}
	elf->dbg_fd = -1;
	elf->fd = fd;
	elf->e = elf_version(EV_CURRENT) == EV_NONE ? NULL : elf_from_fd(fd);
	if (!elf->e || !gelf_getehdr(elf->e, &eh) || (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)) {
		err = -ENOEXEC;
		goto fail;
	}
	elf->is_dyn = eh.e_type == ET_DYN;
	err = load_phdrs(elf);
	if (err)
		goto fail;
	elf->build_id = build_id_hex(elf->e);
	elf->has_symtab = has_symtab_scn(elf->e);
	if (!elf->has_symtab) {
		find_debug_file(elf, path);
		elf->has_symtab = elf->dbg != NULL;
	}
	*out = elf;
	return 0;
fail:
	mt_elf_close(elf);
	return err;
}

void mt_elf_close(struct mt_elf *elf)
{
	size_t i;

	if (!elf)
		return;
	for (i = 0; i < elf->nowned; i++)
		free(elf->owned[i]);
	free(elf->owned);
	free(elf->syms);
	free(elf->addrs);
	free(elf->dyn.needed);
	free(elf->loads);
	free(elf->build_id);
	elf_end(elf->dbg);
	if (elf->dbg_fd >= 0)
		close(elf->dbg_fd);
	elf_end(elf->e);
	if (elf->fd >= 0)
		close(elf->fd);
	free(elf);
}

bool mt_elf_has_symtab(const struct mt_elf *elf)
{
	return elf->has_symtab;
}

bool mt_elf_is_dyn(const struct mt_elf *elf)
{
	return elf->is_dyn;
}

const char *mt_elf_build_id(const struct mt_elf *elf)
{
	return elf->build_id;
}

/* [vaddr, vaddr + len) to a file offset through the PT_LOAD segment whose file image holds it. */
static int vaddr_to_off(const struct mt_elf *elf, uint64_t vaddr, uint64_t len, uint64_t *off)
{
	const GElf_Phdr *ph;
	size_t i;

	for (i = 0; i < elf->nloads; i++) {
		ph = &elf->loads[i];
		if (vaddr >= ph->p_vaddr && vaddr - ph->p_vaddr < ph->p_filesz &&
		    len <= ph->p_filesz - (vaddr - ph->p_vaddr)) {
			*off = vaddr - ph->p_vaddr + ph->p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

/* "f@@V" / "f@V" -> "f"; newer linkers write versions into .symtab names. */
static int unversion(struct mt_elf *elf, struct fsym *s)
{
	const char *at = strchr(s->name, '@');
	char *copy;

	if (!at || at == s->name)
		return 0;
	s->hidden = at[1] != '@';
	if (mt_grow(&elf->owned, &elf->owned_cap, elf->nowned + 1, sizeof(*elf->owned)))
		return -ENOMEM;
	copy = strndup(s->name, (size_t)(at - s->name));
	if (!copy)
		return -ENOMEM;
	elf->owned[elf->nowned++] = copy;
	s->name = copy;
	return 0;
}

/* .gnu.version of .dynsym: which entries are non-default versions. */
static Elf_Data *versym_data(Elf *e)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = find_scn(e, SHT_GNU_versym, &shdr);

	return scn ? elf_getdata(scn, NULL) : NULL;
}

static uint8_t bind_rank(unsigned int bind)
{
	return bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
}

static int add_syms(struct mt_elf *elf, Elf *e, GElf_Word type)
{
	Elf_Data *d, *vd = NULL;
	GElf_Versym vs;
	GElf_Shdr shdr;
	Elf_Scn *scn;
	GElf_Sym sym;
	struct fsym *s;
	size_t i, n;
	int st;

	scn = find_scn(e, type, &shdr);
	if (!scn || !shdr.sh_entsize)
		return 0;
	d = elf_getdata(scn, NULL);
	if (!d)
		return -ENOEXEC;
	if (type == SHT_DYNSYM)
		vd = versym_data(e);
	n = shdr.sh_size / shdr.sh_entsize;
	for (i = 1; i < n; i++) {
		if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
			continue;
		st = GELF_ST_TYPE(sym.st_info);
		if (st != STT_FUNC && st != STT_GNU_IFUNC && st != STT_OBJECT)
			continue;
		if (mt_grow(&elf->syms, &elf->syms_cap, elf->nsyms + 1, sizeof(*elf->syms)))
			return -ENOMEM;
		s = &elf->syms[elf->nsyms];
		s->name = elf_strptr(e, shdr.sh_link, sym.st_name);
		if (!s->name || !*s->name)
			continue;
		s->vaddr = sym.st_value;
		s->size = sym.st_size;
		s->seq = (uint32_t)elf->nsyms;
		s->dyn = type == SHT_DYNSYM;
		s->ifunc = st == STT_GNU_IFUNC;
		s->data = st == STT_OBJECT;
		s->bind = bind_rank(GELF_ST_BIND(sym.st_info));
		s->hidden = vd && gelf_getversym(vd, (int)i, &vs) && (vs & 0x8000);
		if (unversion(elf, s))
			return -ENOMEM;
		elf->nsyms++;
	}
	return 0;
}

static int fsym_cmp(const void *a, const void *b)
{
	const struct fsym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->hidden != y->hidden)
		return x->hidden ? 1 : -1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int load_syms(struct mt_elf *elf)
{
	if (elf->syms_loaded)
		return elf->syms_err;
	elf->syms_loaded = true;
	elf->syms_err = add_syms(elf, elf->dbg ? elf->dbg : elf->e, SHT_SYMTAB);
	if (!elf->syms_err)
		elf->syms_err = add_syms(elf, elf->e, SHT_DYNSYM);
	if (!elf->syms_err && elf->nsyms)
		qsort(elf->syms, elf->nsyms, sizeof(*elf->syms), fsym_cmp);
	return elf->syms_err;
}

/* Index of the first symbol named name (sorted order), or nsyms. */
static size_t lower_bound(const struct mt_elf *elf, const char *name)
{
	size_t lo = 0, hi = elf->nsyms, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(elf->syms[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* libstdc++'s demangler; its C ABI needs no C++ on our side. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* Is the demangled d the function name: all of it, or all but its parameter list? */
static bool names_function(const char *d, const char *name)
{
	size_t n = strlen(name);

	return !strcmp(d, name) || (!strncmp(d, name, n) && d[n] == '(');
}

/* Removes every ABI tag ("[abi:cxx11]", which GCC adds to functions returning std::string). */
static void strip_abi_tags(char *d)
{
	char *tag, *end;

	while ((tag = strstr(d, "[abi:")) && (end = strchr(tag, ']')))
		memmove(tag, end + 1, strlen(end + 1) + 1);
}

/*
 * Does the C++ symbol mangled name the function the user wrote? "work",
 * "ns::Class::method" (any overload: the first wins) or the full
 * signature "work(int)"; with its ABI tags ("load[abi:cxx11]") or without.
 */
static bool demangled_matches(const char *mangled, const char *name)
{
	char *d = __cxa_demangle(mangled, NULL, NULL, NULL);
	bool match = false;

	if (d) {
		match = names_function(d, name);
		if (!match && strstr(d, "[abi:")) {
			strip_abi_tags(d);
			match = names_function(d, name);
		}
	}
	free(d);
	return match;
}

static int find_demangled(struct mt_elf *elf, const char *name, size_t *at)
{
	/* Only plain C++ names: anything mangled-looking was already looked up as is. */
	if (!strncmp(name, "_Z", 2))
		return -ENOENT;
	for (size_t i = lower_bound(elf, "_Z"); i < elf->nsyms; i++) {
		if (strncmp(elf->syms[i].name, "_Z", 2))
			break;
		if (!elf->syms[i].data && demangled_matches(elf->syms[i].name, name)) {
			*at = i;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * The best symbol of that kind among those named name from index first on:
 * default version, then .symtab before .dynsym. A function needs a file
 * offset (its code); data in .bss has none (file_off 0).
 */
static int pick(struct mt_elf *elf, size_t first, const char *name, bool data, struct mt_sym *out)
{
	bool in_symtab = false;
	const struct fsym *s;
	size_t i;

	for (i = first; i < elf->nsyms && !strcmp(elf->syms[i].name, name); i++)
		in_symtab |= elf->syms[i].data == data && !elf->syms[i].dyn;
	for (i = first; i < elf->nsyms && !strcmp(elf->syms[i].name, name); i++) {
		s = &elf->syms[i];
		if (s->data != data)
			continue;
		if (vaddr_to_off(elf, s->vaddr, 1, &out->file_off)) {
			if (!data)
				continue;
			out->file_off = 0;
		}
		out->name = s->name;
		out->vaddr = s->vaddr;
		out->size = s->size;
		out->ifunc = s->ifunc;
		out->from_dynsym = !in_symtab;
		return 0;
	}
	return -ENOENT;
}

int mt_elf_find_func(struct mt_elf *elf, const char *name, struct mt_sym *out)
{
	size_t first;
	int err = load_syms(elf);

	if (err)
		return err;
	if (!pick(elf, lower_bound(elf, name), name, false, out))
		return 0;
	/* C++: "work" is _Z4worki in the symbol table. */
	if (find_demangled(elf, name, &first))
		return -ENOENT;
	return pick(elf, first, elf->syms[first].name, false, out);
}

/* "" or ".N": what GCC appends to the name of a function-local static. */
static bool static_suffix(const char *s)
{
	return !*s || (s[0] == '.' && s[1] && strspn(s + 1, "0123456789") == strlen(s + 1));
}

int mt_elf_find_data(struct mt_elf *elf, const char *name, uint64_t size, struct mt_sym *out)
{
	size_t n = strlen(name), i;
	int err = load_syms(elf);

	if (err)
		return err;
	for (i = lower_bound(elf, name); i < elf->nsyms && !strncmp(elf->syms[i].name, name, n); i++) {
		if (elf->syms[i].data && static_suffix(elf->syms[i].name + n) &&
		    (!size || elf->syms[i].size == size) &&
		    !pick(elf, i, elf->syms[i].name, true, out))
			return 0;
	}
	return -ENOENT;
}

int mt_elf_read(const struct mt_elf *elf, uint64_t vaddr, void *buf, size_t len)
{
	uint64_t off;

	if (vaddr_to_off(elf, vaddr, len, &off))
		return -ENOENT;
	return pread(elf->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -EIO;
}

int mt_elf_load_bias(const struct mt_elf *elf, uint64_t map_start, uint64_t map_off,
		     uint64_t *bias)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
	size_t i;

	for (i = 0; i < elf->nloads; i++) {
		if ((elf->loads[i].p_offset & ~(pg - 1)) == map_off) {
			*bias = map_start - (elf->loads[i].p_vaddr & ~(pg - 1));
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * A C++ symbol as the user would name it: demangled, without its parameter
 * list and ABI tags ("ns::load_words"), kept in elf->owned; NULL if none.
 */
static const char *plain_cxx_name(struct mt_elf *elf, const char *mangled)
{
	char *d = __cxa_demangle(mangled, NULL, NULL, NULL);
	char *paren = d ? strchr(d, '(') : NULL;

	if (!paren || mt_grow(&elf->owned, &elf->owned_cap, elf->nowned + 1, sizeof(*elf->owned))) {
		free(d);
		return NULL;
	}
	*paren = '\0';
	strip_abi_tags(d);
	elf->owned[elf->nowned++] = d;
	return d;
}

int mt_elf_suggest(struct mt_elf *elf, const char *name, const char **out, int max)
{
	struct mt_suggest s;
	const char *offer;
	size_t i;

	if (load_syms(elf) || mt_suggest_init(&s, name))
		return 0;
	for (i = 0; i < elf->nsyms; i++) {
		/* Sorted: each distinct name once. */
		if (i && !strcmp(elf->syms[i].name, elf->syms[i - 1].name))
			continue;
		if (elf->syms[i].data)
			continue;
		/* Mangled names are offered as the user would write them (-f takes those). */
		offer = strncmp(elf->syms[i].name, "_Z", 2) ? elf->syms[i].name
							    : plain_cxx_name(elf, elf->syms[i].name);
		if (offer)
			mt_suggest_offer(&s, offer);
	}
	return mt_suggest_best(&s, out, max);
}

int mt_elf_glob(struct mt_elf *elf, const char *pattern, const char **out, size_t max)
{
	size_t i, n = 0;
	int err = load_syms(elf);

	if (err)
		return err;
	for (i = 0; i < elf->nsyms; i++) {
		const struct fsym *s = &elf->syms[i];

		/* Sorted: each distinct name once; IFUNC resolvers are not the functions. */
		if (s->data || s->ifunc || (i && !strcmp(s->name, elf->syms[i - 1].name)) ||
		    fnmatch(pattern, s->name, 0))
			continue;
		if (n < max)
			out[n] = s->name;
		n++;
	}
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

static int asym_cmp(const void *a, const void *b)
{
	const struct asym *x = a, *y = b;

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	if (x->bind != y->bind)
		return x->bind < y->bind ? -1 : 1;
	if (x->unders != y->unders)
		return x->unders < y->unders ? -1 : 1;
	if (x->hidden != y->hidden)
		return x->hidden ? 1 : -1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The functions by address, aliases folded into their best name. */
static int load_addrs(struct mt_elf *elf)
{
	size_t i, n = 0;
	struct asym *a;
	int err = load_syms(elf);

	if (err || elf->addrs_loaded)
		return err;
	elf->addrs_loaded = true;
	elf->addrs = calloc(elf->nsyms ? elf->nsyms : 1, sizeof(*elf->addrs));
	if (!elf->addrs)
		return -ENOMEM;
	for (i = 0; i < elf->nsyms; i++) {
		const struct fsym *s = &elf->syms[i];

		if (s->data || !s->vaddr)
			continue;
		a = &elf->addrs[n++];
		a->vaddr = s->vaddr;
		a->end = s->vaddr + s->size;
		a->name = s->name;
		a->seq = s->seq;
		a->bind = s->bind;
		a->unders = (uint8_t)strspn(s->name, "_");
		a->hidden = s->hidden;
	}
	qsort(elf->addrs, n, sizeof(*elf->addrs), asym_cmp);
	for (i = 0, elf->naddrs = 0; i < n; i++) {
		if (elf->naddrs && elf->addrs[elf->naddrs - 1].vaddr == elf->addrs[i].vaddr)
			continue;
		elf->addrs[elf->naddrs++] = elf->addrs[i];
	}
	/* Symbols of unknown size (hand-written assembly) reach to the next one. */
	for (i = 0; i < elf->naddrs; i++) {
		a = &elf->addrs[i];
		if (a->end <= a->vaddr)
			a->end = i + 1 < elf->naddrs ? elf->addrs[i + 1].vaddr : a->vaddr;
	}
	return 0;
}

int mt_elf_symbolize(struct mt_elf *elf, uint64_t vaddr, const char **name, uint64_t *off)
{
	size_t lo = 0, hi, mid;
	struct asym *a;
	int err = load_addrs(elf);

	if (err)
		return err;
	/* The last symbol starting at or below vaddr. */
	for (hi = elf->naddrs; lo < hi;) {
		mid = lo + (hi - lo) / 2;
		if (elf->addrs[mid].vaddr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || vaddr >= elf->addrs[lo - 1].end)
		return -ENOENT;
	a = &elf->addrs[lo - 1];
	if (!a->demangled && !strncmp(a->name, "_Z", 2)) {
		const char *plain = plain_cxx_name(elf, a->name);

		if (plain)
			a->name = plain;
	}
	a->demangled = true;
	*name = a->name;
	*off = vaddr - a->vaddr;
	return 0;
}

int mt_elf_fd(const struct mt_elf *elf)
{
	return elf->fd;
}

struct Elf *mt_elf_ref(const struct mt_elf *elf)
{
	/* Not an archive: elf_begin() with a ref counts one more reference to it (elf_end(3)). */
	return elf_begin(elf->fd, ELF_C_READ_MMAP, elf->e);
}

void mt_elf_address_range(const struct mt_elf *elf, uint64_t *start, uint64_t *end)
{
	const GElf_Phdr *ph;

	/* As libdw places a module: from the first PT_LOAD's aligned start (see load_phdrs). */
	*start = elf->loads[0].p_vaddr & -(elf->loads[0].p_align ? elf->loads[0].p_align : 1);
	*end = *start;
	for (size_t i = 0; i < elf->nloads; i++) {
		ph = &elf->loads[i];
		if (ph->p_vaddr + ph->p_memsz > *end)
			*end = ph->p_vaddr + ph->p_memsz;
	}
}

struct Elf *mt_elf_dwarf(const struct mt_elf *elf)
{
	if (elf->dbg && has_section(elf->dbg, ".debug_info"))
		return elf->dbg;
	return has_section(elf->e, ".debug_info") ? elf->e : NULL;
}

const struct mt_elf_dyn *mt_elf_dynamic(struct mt_elf *elf)
{
	struct mt_elf_dyn *dyn = &elf->dyn;
	size_t i, n, cap = 0;
	GElf_Shdr shdr;
	Elf_Scn *scn;
	Elf_Data *d;
	GElf_Dyn de;
	const char *s;

	if (elf->dyn_loaded)
		return dyn;
	scn = find_scn(elf->e, SHT_DYNAMIC, &shdr);
	d = scn ? elf_getdata(scn, NULL) : NULL;
	n = d && shdr.sh_entsize ? shdr.sh_size / shdr.sh_entsize : 0;
	for (i = 0; i < n; i++) {
		if (!gelf_getdyn(d, (int)i, &de) || de.d_tag == DT_NULL)
			break;
		if (de.d_tag != DT_NEEDED && de.d_tag != DT_RUNPATH && de.d_tag != DT_RPATH)
			continue;
		s = elf_strptr(elf->e, shdr.sh_link, de.d_un.d_val);
		if (!s)
			continue;
		if (de.d_tag == DT_RUNPATH)
			dyn->runpath = s;
		else if (de.d_tag == DT_RPATH)
			dyn->rpath = s;
		else if (mt_grow(&dyn->needed, &cap, (size_t)dyn->nneeded + 1, sizeof(*dyn->needed)))
			return dyn->nneeded = 0, NULL;
		else
			dyn->needed[dyn->nneeded++] = s;
	}
	elf->dyn_loaded = true;
	return dyn;
}

/* push %reg (50+r) or push %r8-%r15 (41 50+r): emulated by the kernel's uprobe code. */
static int push_len(const unsigned char *p, size_t avail)
{
	if (avail >= 1 && p[0] >= 0x50 && p[0] <= 0x57)
		return 1;
	if (avail >= 2 && p[0] == 0x41 && p[1] >= 0x50 && p[1] <= 0x57)
		return 2;
	return 0;
}

int mt_elf_probe_offset(struct mt_elf *elf, const struct mt_sym *sym, uint64_t *file_off,
			const char **why)
{
	static const unsigned char endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	const unsigned char *p;
	size_t fsize, avail;
	char *raw;

	*file_off = sym->file_off;
	*why = "entry";
	raw = elf_rawfile(elf->e, &fsize);
	if (!raw || sym->file_off >= fsize)
		return raw ? -ENOEXEC : 0;
	p = (const unsigned char *)raw + sym->file_off;
	avail = fsize - sym->file_off;
	/* Never look, or probe, past the function's end. */
	if (sym->size && sym->size < avail)
		avail = sym->size;
	/*
	 * endbr64 is single-stepped (~2.5 us per hit), push is emulated
	 * (~0.2 us). Nothing jumps to entry+4 of a prologue, so a probe on
	 * the push sees every call exactly once. endbr64 leaves the stack
	 * alone, so the return address is still on top there: a uretprobe
	 * at the same offset works as well.
	 */
	if (avail > 4 && !memcmp(p, endbr64, 4) && push_len(p + 4, avail - 4)) {
		*file_off = sym->file_off + 4;
		*why = "after endbr64";
	}
	return 0;
}

bool mt_elf_mentions(const struct mt_elf *elf, const char *symbol)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf->e, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		GElf_Sym sym;
		const char *n;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			if (gelf_getsym(data, (int)i, &sym) &&
			    (n = elf_strptr(elf->e, sh.sh_link, sym.st_name)) && !strcmp(n, symbol))
				return true;
		}
	}
	return false;
}

#define NT_STAPSDT 3

struct usdt_probe {
	const char *provider, *name;
};

/* A SystemTap SDT note: pc, base and semaphore addresses, then "provider\0name\0args\0". */
static bool usdt_matches(const unsigned char *desc, size_t len, void *arg)
{
	const struct usdt_probe *want = arg;
	const char *s = (const char *)desc + 3 * sizeof(uint64_t);
	size_t words = 3 * sizeof(uint64_t), plen;

	if (len <= words)
		return false;
	plen = strnlen(s, len - words);
	return plen + 1 < len - words && !strcmp(s, want->provider) &&
	       !strncmp(s + plen + 1, want->name, len - words - plen - 1);
}

bool mt_elf_has_usdt(const struct mt_elf *elf, const char *provider, const char *name)
{
	struct usdt_probe want = { provider, name };

	/* Owner "stapsdt" and type 3 are found in .note.stapsdt only. */
	return each_note(elf->e, "stapsdt", NT_STAPSDT, usdt_matches, &want);
}

bool mt_elf_has_section(const struct mt_elf *elf, const char *section)
{
	return has_section(elf->e, section);
}
