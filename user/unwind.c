// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Native stacks of sampled RSS growth (user/unwind.h). libdw walks the
 * frames: a Dwfl per target, its modules reported by us from
 * /proc/PID/maps (files opened as memtrace opens target files, never by
 * libdw), and thread callbacks that serve registers and memory from the
 * sample alone: the copied stack, or for code the mapped file's bytes.
 * Names come from user/elfsym.c (ELF symbols, build-id debug files), file
 * and line from DWARF through libdw. Every resolved pc is cached.
 *
 * The registers, the stack bytes and the files all come from the target:
 * libdw reads only what memory_read() hands it, the walk ends at max
 * frames, and a frame whose stack pointer does not grow ends it too.
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "elfsym.h"
#include "memtrace.h"
#include "objcache.h"
#include "procfs.h"
#include "rowindex.h"
#include "unwind.h"

/*
 * A pc outside every executable mapping rereads /proc/PID/maps (a dlopen), but not
 * more often than this: garbage return addresses must not turn each sample
 * into a maps read.
 */
#define MAPS_REREAD_NS (50 * 1000 * 1000LL)

/*
 * A mapped file, by (dev, ino): kept until mt_unwinder_free, as frames
 * point at its strings. Its ELF file is shared with the other processes
 * that map it (user/objcache.h).
 */
struct obj {
	dev_t dev;
	ino_t ino;
	char *path;               /* as /proc/PID/maps shows it */
	char *open_path;          /* as memtrace opens it (mt_proc_map_path) */
	struct mt_objfile *file;  /* NULL: not an ELF file, not readable, or not yet opened */
	struct mt_elf *elf;       /* file's */
	bool opened;              /* opened once it is seen executable: data files stay closed */
};

/* One mapping of the last /proc/PID/maps read. */
struct region {
	uint64_t start, end, offset;
	struct obj *obj; /* NULL: not a file */
	uint64_t bias;   /* obj's load bias, if has_bias (executable mappings only) */
	bool has_bias, exec;
	char *label;     /* what a pc without a symbol is named after; NULL: anonymous */
};

struct pc_entry {
	uint64_t pc;
	struct mt_frame frame;
};

struct mt_unwinder {
	pid_t pid;
	Dwfl *dwfl;
	bool attached; /* dwfl_attach_state() succeeded: libdw can walk */
	struct obj **objs;
	size_t nobjs, objs_cap;
	struct region *regions; /* in address order */
	size_t nregions;
	uint64_t image;            /* the program image the maps are of (mt_proc_image) */
	struct timespec maps_read; /* CLOCK_MONOTONIC, as the samples' ts */
	bool reread_in_vain;       /* the last reread for an unknown pc found no new object */
	struct pc_entry *pcs; /* pcs resolved on the current maps; their strings live in strs */
	size_t npcs, pcs_cap;
	struct mt_rowindex pc_index;
	uint64_t find_pc;     /* the key pc_eq() compares with */
	char **strs; /* strings handed out in frames */
	size_t nstrs, strs_cap;

	/* The walk under way. */
	const struct mt_stack_rec *rec;
	uint64_t *walk; /* pcs, leaf first, adjusted to lie inside the call */
	size_t nwalk, walk_cap, walk_max;
	uint64_t last_sp;
	bool stopped;     /* by us: max frames, or a stack pointer that did not grow */
	bool read_failed; /* memory_read() failed since the last frame */
};

/* A string the unwinder owns until mt_unwinder_free; NULL when out of memory. */
static const char *keep(struct mt_unwinder *u, char *s)
{
	if (!s || mt_grow(&u->strs, &u->strs_cap, u->nstrs + 1, sizeof(*u->strs))) {
		free(s);
		return NULL;
	}
	return u->strs[u->nstrs++] = s;
}

static struct region *find_region(const struct mt_unwinder *u, uint64_t addr)
{
	size_t lo = 0, hi = u->nregions, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (u->regions[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < u->nregions && u->regions[lo].start <= addr ? &u->regions[lo] : NULL;
}

/*
 * A module: a file's code, where it runs. Files mapped only as data (read
 * with mmap, as libelf does) are no module: their pcs would be no code.
 */
static bool is_module(const struct region *reg)
{
	return reg->has_bias;
}

/* ---- libdw's view of the sample ---- */

static bool read_word(struct mt_unwinder *u, uint64_t addr, uint64_t *word)
{
	const struct mt_stack_rec *r = u->rec;
	uint64_t sp = r->regs[MT_STACK_REG_SP], len = r->stack_len, at = addr - sp;
	const struct region *reg;

	if (len > MT_STACK_BYTES)
		len = MT_STACK_BYTES;
	if (addr >= sp && at < len && len - at >= sizeof(*word)) {
		memcpy(word, r->stack + at, sizeof(*word));
		return true;
	}
	/*
	 * Code only: read-only data may be RELRO, relocated in memory after
	 * loading, so the file would not show what the process sees.
	 */
	reg = find_region(u, addr);
	return reg && is_module(reg) && reg->end - addr >= sizeof(*word) &&
	       !mt_elf_read(reg->obj->elf, addr - reg->bias, word, sizeof(*word));
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct mt_unwinder *u = arg;
	uint64_t w;

	if (!read_word(u, addr, &w)) {
		u->read_failed = true;
		return false;
	}
	*result = w;
	return true;
}

/* The sample is the only thread libdw is told of; dwfl_getthread_frames() asks for it by tid. */
static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_arg)
{
	return 0;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_arg)
{
	*thread_arg = arg;
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	const struct mt_unwinder *u = arg;
	Dwarf_Word regs[MT_STACK_NR_REGS];

	for (int i = 0; i < MT_STACK_NR_REGS; i++)
		regs[i] = u->rec->regs[i];
	if (!dwfl_thread_state_registers(thread, 0, MT_STACK_NR_REGS, regs))
		return false;
	dwfl_thread_state_register_pc(thread, regs[MT_STACK_REG_IP]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/*
 * A module's file: the one its symbols come from (user/objcache.c), shared
 * by every process's Dwfl. libdw never opens a target's path itself.
 */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	const struct obj *o = *userdata;

	*elfp = o ? mt_elf_ref(o->elf) : NULL;
	return -1;
}

/*
 * No separate debug file: libdw would decompress its DWARF once per process.
 * Lines come from the object shared by all (mt_objfile_line()); the CFI
 * from the file's own .eh_frame, which is what libdw reads first anyway.
 */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
			  const char *file_name, const char *debuglink, GElf_Word crc,
			  char **debuginfo_file_name)
{
	return -1;
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = find_debuginfo,
};

/* ---- modules ---- */

static struct obj *new_obj(struct mt_unwinder *u, pid_t pid, const struct mt_map *m)
{
	struct obj *o = calloc(1, sizeof(*o));

	if (!o || mt_grow(&u->objs, &u->objs_cap, u->nobjs + 1, sizeof(*u->objs)))
		goto fail;
	o->dev = m->dev;
	o->ino = m->ino;
	o->path = strdup(m->path);
	o->open_path = mt_proc_map_path(pid, m);
	if (!o->path || !o->open_path)
		goto fail;
	u->objs[u->nobjs++] = o;
	return o;
fail:
	if (o) {
		free(o->path);
		free(o->open_path);
	}
	free(o);
	return NULL;
}

static struct obj *get_obj(struct mt_unwinder *u, const struct mt_map *m)
{
	for (size_t i = 0; i < u->nobjs; i++) {
		if (u->objs[i]->dev == m->dev && u->objs[i]->ino == m->ino)
			return u->objs[i];
	}
	return new_obj(u, u->pid, m);
}

/* "libc.so.6" for a file, "vdso" for "[vdso]", NULL for anonymous memory. */
static char *region_label(const struct mt_map *m)
{
	const char *slash = strrchr(m->path, '/');
	size_t len = strlen(m->path);

	if (slash && slash[1])
		return strdup(slash + 1);
	if (len > 2 && m->path[0] == '[' && m->path[len - 1] == ']')
		return strndup(m->path + 1, len - 2);
	return NULL;
}

static int fill_region(struct mt_unwinder *u, const struct mt_map *m, struct region *reg)
{
	struct obj *o;

	reg->start = m->start;
	reg->end = m->end;
	reg->offset = m->offset;
	reg->exec = m->perms[2] == 'x';
	reg->label = region_label(m);
	if (!mt_map_is_file(m))
		return 0;
	o = reg->obj = get_obj(u, m);
	if (!o)
		return -ENOMEM;
	if (!reg->exec)
		return 0;
	/* An executable mapping that is no ELF file (or not readable) is only named after it. */
	if (!o->opened && !mt_objfile_get(o->open_path, o->dev, o->ino, &o->file))
		o->elf = mt_objfile_elf(o->file);
	o->opened = true;
	/* Code maps at the page-aligned offset of its PT_LOAD. */
	reg->has_bias = o->elf && !mt_elf_load_bias(o->elf, m->start, m->offset, &reg->bias);
	return 0;
}

static void free_regions(struct region *regs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(regs[i].label);
	free(regs);
}

/* Do a and b run the same ELF files at the same addresses? */
static bool same_modules(const struct region *a, size_t na, const struct region *b, size_t nb)
{
	size_t i = 0, j = 0;

	for (;; i++, j++) {
		while (i < na && !is_module(&a[i]))
			i++;
		while (j < nb && !is_module(&b[j]))
			j++;
		if (i == na || j == nb)
			return i == na && j == nb;
		if (a[i].obj != b[j].obj || a[i].bias != b[j].bias || a[i].start != b[j].start)
			return false;
	}
}

/*
 * One (file, load bias) as a libdw module, where libdw computes the same
 * bias (its start less the first PT_LOAD's page); find_elf() gives the file.
 */
static void report_module(Dwfl *dwfl, struct obj *o, uint64_t bias)
{
	uint64_t start, end;
	Dwfl_Module *mod;
	void **userdata;

	mt_elf_address_range(o->elf, &start, &end);
	mod = dwfl_report_module(dwfl, o->path, start + bias, end + bias);
	if (!mod)
		return;
	dwfl_module_info(mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = o;
}

/* A new Dwfl for the current regions: modules are only ever reported as a whole set. */
static int rebuild_dwfl(struct mt_unwinder *u)
{
	const struct region *reg;

	dwfl_end(u->dwfl);
	u->attached = false;
	u->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!u->dwfl)
		return -ENOMEM;
	dwfl_report_begin(u->dwfl);
	for (size_t i = 0; i < u->nregions; i++) {
		reg = &u->regions[i];
		if (is_module(reg))
			report_module(u->dwfl, reg->obj, reg->bias);
	}
	dwfl_report_end(u->dwfl, NULL, NULL);
	/* Fails without any module (the architecture comes from one): then only leaf pcs. */
	u->attached = dwfl_attach_state(u->dwfl, NULL, u->pid, &thread_callbacks, u);
	return 0;
}

/*
 * (Re)reads /proc/PID/maps; when the ELF files mapped changed, rebuilds
 * the Dwfl and forgets the resolved pcs. A process that is gone keeps the
 * last maps read: its samples are still named. *changed set when rebuilt.
 */
/*
 * Reads /proc/PID/maps into u if they are program image *want's (want NULL:
 * whichever runs now). Samples of an image are unwound only with its maps:
 * after an exec the same addresses hold other code, and the queued samples
 * of the old image would be named after it. -ESTALE: another image runs
 * (or an exec came between the reads), and u's maps stay as they were.
 */
static int read_maps(struct mt_unwinder *u, const uint64_t *want, bool *changed)
{
	struct region *regs = NULL;
	struct mt_map *maps;
	uint64_t image, after;
	size_t n, i;
	int err;

	*changed = false;
	clock_gettime(CLOCK_MONOTONIC, &u->maps_read);
	err = mt_proc_image(u->pid, &image);
	if (!err && want && image != *want)
		return -ESTALE;
	if (!err)
		err = mt_proc_maps(u->pid, &maps, &n);
	/* Gone, or exiting: a process that has run has mappings, until its exit drops them. */
	if (err || (!n && u->regions)) {
		if (!err)
			mt_proc_maps_free(maps, n);
		return u->regions ? 0 : err;
	}
	regs = calloc(n ? n : 1, sizeof(*regs));
	for (i = 0, err = regs ? 0 : -ENOMEM; !err && i < n; i++)
		err = fill_region(u, &maps[i], &regs[i]);
	mt_proc_maps_free(maps, n);
	if (!err && (mt_proc_image(u->pid, &after) || after != image))
		err = -ESTALE;
	if (err) {
		free_regions(regs, n);
		return err;
	}
	u->image = image;
	*changed = !u->dwfl || !same_modules(u->regions, u->nregions, regs, n);
	free_regions(u->regions, u->nregions);
	u->regions = regs;
	u->nregions = n;
	if (!*changed)
		return 0;
	mt_rowindex_free(&u->pc_index);
	u->npcs = 0;
	return rebuild_dwfl(u);
}

/* In an executable mapping: a module's, the vdso, JIT code. */
static bool in_code(const struct mt_unwinder *u, uint64_t pc)
{
	const struct region *reg = find_region(u, pc);

	return reg && reg->exec;
}

/*
 * Reread the maps for sample r, which ran somewhere they do not show? At
 * once if r was taken after they were read (a library may have been mapped
 * since: the dynamic loader's own, right after the exec) and the last
 * reread did find something new; else at most every MAPS_REREAD_NS.
 */
static bool may_reread(const struct mt_unwinder *u, const struct mt_stack_rec *r)
{
	struct timespec now;
	int64_t read_ns = u->maps_read.tv_sec * 1000000000LL + u->maps_read.tv_nsec;

	/* The sample's own pc is where the thread ran, never garbage: unknown, it is news. */
	if (r->ts >= (uint64_t)read_ns &&
	    (!u->reread_in_vain || !in_code(u, r->regs[MT_STACK_REG_IP])))
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000000000LL + now.tv_nsec - read_ns >= MAPS_REREAD_NS;
}

int mt_unwinder_image(const struct mt_unwinder *u, uint64_t *image)
{
	if (!u->dwfl)
		return -ENOENT;
	*image = u->image;
	return 0;
}

void mt_unwinder_refresh(struct mt_unwinder *u)
{
	bool changed;

	/* Before the first sample (a launched command): the image that runs. */
	if (!read_maps(u, u->dwfl ? &u->image : NULL, &changed) && changed)
		u->reread_in_vain = false;
}

int mt_unwinder_new(pid_t pid, bool at_first_sample, struct mt_unwinder **out)
{
	struct mt_unwinder *u = calloc(1, sizeof(*u));
	bool changed;
	int err = 0;

	*out = NULL;
	if (!u)
		return -ENOMEM;
	u->pid = pid;
	if (!at_first_sample)
		err = read_maps(u, NULL, &changed);
	if (err) {
		mt_unwinder_free(u);
		return err;
	}
	*out = u;
	return 0;
}

void mt_unwinder_free(struct mt_unwinder *u)
{
	size_t i;

	if (!u)
		return;
	dwfl_end(u->dwfl);
	for (i = 0; i < u->nobjs; i++) {
		mt_objfile_put(u->objs[i]->file);
		free(u->objs[i]->path);
		free(u->objs[i]->open_path);
		free(u->objs[i]);
	}
	free(u->objs);
	free_regions(u->regions, u->nregions);
	for (i = 0; i < u->nstrs; i++)
		free(u->strs[i]);
	free(u->strs);
	free(u->pcs);
	mt_rowindex_free(&u->pc_index);
	free(u->walk);
	free(u);
}

/* ---- the walk ---- */

static int on_frame(Dwfl_Frame *state, void *arg)
{
	struct mt_unwinder *u = arg;
	bool activation;
	Dwarf_Addr pc;
	Dwarf_Word sp;

	u->read_failed = false;
	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	/* Each caller's frame lies above its callee's: anything else would loop. */
	if (!dwfl_frame_reg(state, MT_STACK_REG_SP, &sp)) {
		if (u->nwalk && sp <= u->last_sp) {
			u->stopped = true;
			return DWARF_CB_ABORT;
		}
		u->last_sp = sp;
	}
	if (u->nwalk == u->walk_max) {
		u->stopped = true;
		return DWARF_CB_ABORT;
	}
	/* A return address points after its call, maybe into the next function or line. */
	u->walk[u->nwalk++] = activation || !pc ? pc : pc - 1;
	return DWARF_CB_OK;
}

/*
 * u->walk[] from the sample; true when it reached the outermost frame.
 * libdw ends a walk without an error both there (CFI marks the return
 * address undefined, as _start's does) and where the return address could
 * not be read (see handle_cfi() in elfutils' libdwfl/frame_unwind.c): a
 * read that failed after the last frame tells the second case.
 */
static bool walk(struct mt_unwinder *u, const struct mt_stack_rec *r)
{
	pid_t tid = r->tid ? (pid_t)r->tid : u->pid;
	int ret;

	u->rec = r;
	u->nwalk = 0;
	u->stopped = false;
	u->read_failed = false;
	if (!u->attached) {
		u->walk[u->nwalk++] = r->regs[MT_STACK_REG_IP];
		return false;
	}
	ret = dwfl_getthread_frames(u->dwfl, tid, on_frame, u);
	u->rec = NULL;
	if (!u->nwalk)
		u->walk[u->nwalk++] = r->regs[MT_STACK_REG_IP];
	return ret == 0 && !u->stopped && !u->read_failed;
}

/* ---- names ---- */

static bool pc_eq(const void *ctx, size_t row)
{
	const struct mt_unwinder *u = ctx;

	return u->pcs[row].pc == u->find_pc;
}

static uint64_t pc_hash(uint64_t pc)
{
	return (pc ^ (pc >> 29)) * 0x9e3779b97f4a7c15ULL;
}

/* File and line from DWARF, when the object or its debug file has them; the object keeps the string. */
static void source_line(const struct region *reg, uint64_t pc, struct mt_frame *f)
{
	int line;

	if (!mt_objfile_line(reg->obj->file, pc - reg->bias, &f->file, &line))
		f->line = (uint32_t)line;
}

/* A pc mapped but without a symbol: "[libname.so+0x1234]", the offset in the file or mapping. */
static void name_by_mapping(struct mt_unwinder *u, const struct region *reg, struct mt_frame *f)
{
	char *s = NULL;

	if (reg->label &&
	    asprintf(&s, "[%s+0x%llx]", reg->label, (unsigned long long)f->addr) < 0)
		s = NULL;
	f->func = keep(u, s);
	if (!f->func)
		f->func = "[unknown]";
}

static void resolve(struct mt_unwinder *u, uint64_t pc, struct mt_frame *f)
{
	const struct region *reg = find_region(u, pc);
	const char *name;
	uint64_t off;

	memset(f, 0, sizeof(*f));
	f->func = "[unknown]";
	f->kind = MT_FRAME_UNKNOWN;
	if (!reg)
		return;
	f->addr = pc - reg->start + (reg->obj ? reg->offset : 0);
	if (reg->obj) {
		f->object = reg->obj->path;
		f->build_id = reg->obj->elf ? mt_elf_build_id(reg->obj->elf) : NULL;
	}
	if (is_module(reg) && !mt_elf_symbolize(reg->obj->elf, pc - reg->bias, &name, &off)) {
		f->func = name;
		f->kind = MT_FRAME_NATIVE;
		source_line(reg, pc, f);
	} else {
		name_by_mapping(u, reg, f);
	}
}

/* The frame of walk[i], resolved once per pc while the maps stay the same. */
static void frame_at(struct mt_unwinder *u, size_t i, struct mt_frame *f)
{
	uint64_t pc = u->walk[i], h = pc_hash(pc);
	long row;

	u->find_pc = pc;
	row = mt_rowindex_find(&u->pc_index, h, pc_eq, u);
	if (row >= 0) {
		*f = u->pcs[row].frame;
		return;
	}
	resolve(u, pc, f);
	/* Not code as far as the maps know: nothing to cache, and a later reread may find it. */
	if (!in_code(u, pc) ||
	    mt_grow(&u->pcs, &u->pcs_cap, u->npcs + 1, sizeof(*u->pcs)) ||
	    mt_rowindex_add(&u->pc_index, h, u->npcs))
		return;
	u->pcs[u->npcs].pc = pc;
	u->pcs[u->npcs++].frame = *f;
}

static bool walk_left_code(const struct mt_unwinder *u)
{
	for (size_t i = 0; i < u->nwalk; i++) {
		if (!in_code(u, u->walk[i]))
			return true;
	}
	return false;
}

int mt_unwind(struct mt_unwinder *u, const struct mt_stack_rec *r, struct mt_frame *out, size_t max,
	      size_t *n, bool *truncated)
{
	uint64_t image = r->image;
	bool complete, changed;
	size_t i;

	*n = 0;
	*truncated = false;
	if (r->flags & MT_STACK_NO_USER)
		return 0;
	if (!max) {
		*truncated = true;
		return 0;
	}
	if (mt_grow(&u->walk, &u->walk_cap, max, sizeof(*u->walk)))
		return -ENOMEM;
	u->walk_max = max;
	/*
	 * Created before the process exec'd (launch mode), or the maps are of
	 * another image: this sample's are read now, if it still runs.
	 */
	if (!u->dwfl || u->image != image)
		read_maps(u, &image, &changed);
	/* Its image's maps are gone: no frame beats frames named after other code. */
	if (!u->dwfl || u->image != image)
		return 0;
	complete = walk(u, r);
	/*
	 * A pc in no code the maps show: maybe a library loaded since, maybe
	 * where another mapping was when they were read. Walk again on new maps.
	 */
	if (walk_left_code(u) && may_reread(u, r) && !read_maps(u, &image, &changed)) {
		/* Garbage return addresses find nothing new: then they wait out the interval. */
		u->reread_in_vain = !changed;
		if (changed)
			complete = walk(u, r);
	}
	for (i = 0; i < u->nwalk; i++)
		frame_at(u, i, &out[i]);
	*n = u->nwalk;
	*truncated = !complete;
	return 0;
}
