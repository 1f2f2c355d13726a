// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Code object resolution and userspace frame walks; see pycode.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pycode.h"
#include "pyproc.h"
#include "utf8.h"

/* Bounds on what a sane code object holds; beyond them the address is not one. */
#define NAME_MAX_CHARS	   1024
#define FILENAME_MAX_CHARS 4096
#define LINETABLE_MAX	   (4u << 20)
/* Interpreters and threads visited by one walk: a loop guard against a list caught mid-update. */
#define WALK_MAX_INTERPS 64
#define WALK_MAX_THREADS 4096

struct mt_pycode_cache {
	pid_t pid;
	struct mt_py_offsets off;
	struct mt_pycode **slots; /* open addressing on addr; NULL empty, TOMB deleted */
	size_t cap, used;
};

static struct mt_pycode tomb_;
#define TOMB (&tomb_)

static int rd(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	if (!addr)
		return -EFAULT;
	return mt_py_read(pid, addr, buf, len);
}

static int rd_u64(pid_t pid, uint64_t addr, uint64_t *v)
{
	return rd(pid, addr, v, sizeof(*v));
}

/* ---- strings ---- */

char *mt_py_read_str(pid_t pid, const struct mt_py_offsets *off, uint64_t addr, size_t max)
{
	uint8_t hdr[64];
	int64_t length;
	uint32_t state, kind;
	uint64_t data;
	uint8_t *raw = NULL;
	char *s = NULL;
	size_t i, o = 0;
	int ret;

	if (off->unicode_length + 8u > sizeof(hdr) || off->unicode_state + 4u > sizeof(hdr)) {
		errno = EINVAL;
		return NULL;
	}
	/* Only as far as the state word: a short string may end just before an unmapped page. */
	ret = rd(pid, addr, hdr,
		 off->unicode_state + 4u > off->unicode_length + 8u ? off->unicode_state + 4u
								    : off->unicode_length + 8u);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	memcpy(&length, hdr + off->unicode_length, sizeof(length));
	memcpy(&state, hdr + off->unicode_state, sizeof(state));
	kind = (state >> off->unicode_kind_shift) & off->unicode_kind_mask;
	if (length < 0 || (size_t)length > max || (kind != 1 && kind != 2 && kind != 4)) {
		errno = EINVAL;
		return NULL;
	}
	if ((state >> off->unicode_compact_shift) & 1)
		data = addr + (((state >> off->unicode_ascii_shift) & 1)
				       ? off->unicode_ascii_data
				       : off->unicode_compact_data);
	else if ((ret = rd(pid, addr + off->unicode_legacy_data, &data, sizeof(data)))) {
		errno = -ret;
		return NULL;
	}
	raw = malloc((size_t)length * kind + 1);
	s = malloc((size_t)length * 4 + 1);
	if (!raw || !s) {
		errno = ENOMEM;
		goto fail;
	}
	ret = length ? rd(pid, data, raw, (size_t)length * kind) : 0;
	if (ret) {
		errno = -ret;
		goto fail;
	}
	for (i = 0; i < (size_t)length; i++) {
		uint32_t c;

		if (kind == 1) {
			c = raw[i];
		} else if (kind == 2) {
			uint16_t c16;

			memcpy(&c16, raw + i * 2, 2);
			c = c16;
		} else {
			memcpy(&c, raw + i * 4, 4);
		}
		/* Lone surrogates (surrogateescape file names) are not valid UTF-8: show them as U+FFFD. */
		if (c >= 0xd800 && c <= 0xdfff)
			c = 0xfffd;
		o += mt_utf8_put(s + o, c);
	}
	s[o] = '\0';
	free(raw);
	return s;
fail:
	free(raw);
	free(s);
	return NULL;
}

uint64_t mt_py_name_hash(const char *name)
{
	uint64_t h = MT_PY_FNV_OFFSET;
	size_t i, n = strlen(name);

	if (!n || n >= MT_PY_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)name[i] >= 0x80)
			return 0;
		h ^= (unsigned char)name[i];
		h *= MT_PY_FNV_PRIME;
	}
	return h;
}

int mt_py_match_build(const char *const *names, const char *const *files, int n,
		      struct mt_py_match *out, int *bad)
{
	int i, j, k, group[MT_PY_MAX_TARGETS], ng;

	*bad = n > MT_PY_MAX_TARGETS ? MT_PY_MAX_TARGETS : -1;
	if (*bad >= 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		size_t fl = files && files[i] ? strlen(files[i]) : 0;

		memset(&out[i], 0, sizeof(out[i]));
		out[i].hash = mt_py_name_hash(names[i]);
		if (!out[i].hash || fl > MT_PY_SUFFIX_MAX) {
			*bad = i;
			return -EINVAL;
		}
		out[i].filter.suffix_len = (uint32_t)fl;
		memcpy(out[i].filter.suffix, fl ? files[i] : "", fl);
		out[i].filter.next = -1;
	}
	/*
	 * Chain each group of same-name targets, longest file suffix first: the
	 * BPF side takes the first that passes, so "a.py:f" wins over "f" for
	 * code in a.py and "f" still gets the rest.
	 */
	for (i = 0; i < n; i++) {
		bool seen = false;

		for (j = 0; j < i && !seen; j++)
			seen = out[j].hash == out[i].hash;
		if (seen)
			continue;
		for (ng = 0, j = i; j < n; j++) {
			if (out[j].hash != out[i].hash)
				continue;
			for (k = ng++; k > 0 && out[group[k - 1]].filter.suffix_len <
							out[j].filter.suffix_len;
			     k--)
				group[k] = group[k - 1];
			group[k] = j;
		}
		out[group[0]].head = true;
		for (k = 0; k + 1 < ng; k++)
			out[group[k]].filter.next = group[k + 1];
	}
	return 0;
}

/* ---- line tables ---- */

int mt_py_addr2line_310(const uint8_t *tab, size_t len, int firstlineno, int addr)
{
	int line = firstlineno, start, end = 0;
	size_t p;

	if (addr < 0)
		return firstlineno;
	/*
	 * (byte delta, line delta) pairs; line delta -128 means "no line". A pair
	 * of width 0 still moves the line (Objects/lnotab_notes.txt, 3.10).
	 */
	for (p = 0; p + 1 < len; p += 2) {
		int ldelta = (int8_t)tab[p + 1];

		start = end;
		end += tab[p];
		if (ldelta != -128)
			line += ldelta;
		if (start <= addr && addr < end)
			return ldelta == -128 ? -1 : line;
	}
	return -1;
}

static unsigned int scan_varint(const uint8_t *tab, size_t len, size_t *p)
{
	unsigned int val = 0, shift = 0;
	uint8_t b;

	/* 6-bit chunks, least significant first, bit 6 set on all but the last */
	do {
		if (*p >= len || shift > 30)
			return val;
		b = tab[(*p)++];
		val |= (unsigned int)(b & 63) << shift;
		shift += 6;
	} while (b & 64);
	return val;
}

static int scan_svarint(const uint8_t *tab, size_t len, size_t p)
{
	unsigned int u = scan_varint(tab, len, &p);

	return (u & 1) ? -(int)(u >> 1) : (int)(u >> 1);
}

int mt_py_addr2line_311(const uint8_t *tab, size_t len, int firstlineno, int addr)
{
	int line = firstlineno, start, end = 0;
	size_t p = 0;

	if (addr < 0)
		return firstlineno;
	/*
	 * Entries start with a byte that has bit 7 set: bits 3-6 the form, bits
	 * 0-2 the length in code units minus one (Objects/locations.md).
	 * 15: no location; 14: long form and 13: no columns, both with a signed
	 * varint line delta; 10-12: one line, delta 0-2; 0-9: short form, same line.
	 */
	while (p < len) {
		uint8_t b = tab[p];
		int code = (b >> 3) & 15, delta = 0;

		if (!(b & 0x80))
			return -1; /* not at an entry start: corrupt or misread */
		if (code == 13 || code == 14)
			delta = scan_svarint(tab, len, p + 1);
		else if (code >= 10 && code <= 12)
			delta = code - 10;
		line += delta;
		start = end;
		end += ((b & 7) + 1) * MT_PY_CODEUNIT;
		if (start <= addr && addr < end)
			return code == 15 ? -1 : line;
		for (p++; p < len && !(tab[p] & 0x80); p++)
			;
	}
	return -1;
}

int mt_pycode_line(const struct mt_pycode *code, int32_t instr)
{
	int addr = instr < 0 ? -1 : instr * MT_PY_CODEUNIT;

	if (code->linetable_kind == MT_PY_LINETABLE_310)
		return mt_py_addr2line_310(code->linetable, code->linetable_len, code->firstlineno,
					   addr);
	return mt_py_addr2line_311(code->linetable, code->linetable_len, code->firstlineno, addr);
}

/* ---- code objects ---- */

static void code_free(struct mt_pycode *pc)
{
	if (!pc || pc == TOMB)
		return;
	free(pc->name);
	if (pc->qualname != pc->name)
		free(pc->qualname);
	free(pc->filename);
	free(pc->linetable);
	free(pc);
}

int mt_pycode_cache_new(pid_t pid, const struct mt_py_offsets *off, struct mt_pycode_cache **out)
{
	struct mt_pycode_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->pid = pid;
	c->off = *off;
	c->cap = 256;
	c->slots = calloc(c->cap, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void mt_pycode_cache_free(struct mt_pycode_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->cap; i++)
		code_free(c->slots[i]);
	free(c->slots);
	free(c);
}

static size_t slot_of(uint64_t addr, size_t cap)
{
	/* Objects are 16-byte aligned: drop the zero bits before mixing. */
	return (size_t)(((addr >> 4) * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1);
}

static struct mt_pycode **find_slot(struct mt_pycode_cache *c, uint64_t addr, bool for_insert)
{
	size_t i = slot_of(addr, c->cap), n;
	struct mt_pycode **tomb = NULL;

	for (n = 0; n < c->cap; n++, i = (i + 1) & (c->cap - 1)) {
		struct mt_pycode *s = c->slots[i];

		if (!s)
			return for_insert && tomb ? tomb : &c->slots[i];
		if (s == TOMB) {
			if (!tomb)
				tomb = &c->slots[i];
		} else if (s->addr == addr) {
			return &c->slots[i];
		}
	}
	return tomb;
}

static int grow(struct mt_pycode_cache *c)
{
	struct mt_pycode **old = c->slots;
	size_t oldcap = c->cap, i;

	c->slots = calloc(oldcap * 2, sizeof(*c->slots));
	if (!c->slots) {
		c->slots = old;
		return -ENOMEM;
	}
	c->cap = oldcap * 2;
	c->used = 0;
	for (i = 0; i < oldcap; i++) {
		if (old[i] && old[i] != TOMB) {
			*find_slot(c, old[i]->addr, true) = old[i];
			c->used++;
		}
	}
	free(old);
	return 0;
}

/* The part of a code object that holds every field we read. */
static size_t code_head_len(const struct mt_py_offsets *off)
{
	size_t m = off->code_firstlineno + 4;
	const __u16 ptrs[] = { off->code_name, off->code_qualname, off->code_filename,
			       off->code_linetable };
	size_t i;

	for (i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++)
		if (ptrs[i] != MT_PY_NONE && ptrs[i] + 8u > m)
			m = ptrs[i] + 8u;
	return m;
}

static uint64_t head_ptr(const uint8_t *head, __u16 off)
{
	uint64_t v = 0;

	if (off != MT_PY_NONE)
		memcpy(&v, head + off, sizeof(v));
	return v;
}

static int read_code(struct mt_pycode_cache *c, uint64_t addr, struct mt_pycode **out)
{
	const struct mt_py_offsets *off = &c->off;
	uint8_t head[512];
	size_t hl = code_head_len(off);
	struct mt_pycode *pc;
	uint64_t lt, qn;
	int64_t ltlen;
	int ret;

	if (hl > sizeof(head))
		return -EINVAL;
	ret = rd(c->pid, addr, head, hl);
	if (ret)
		return ret;
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	pc->addr = addr;
	pc->linetable_kind = off->linetable_kind;
	memcpy(&pc->firstlineno, head + off->code_firstlineno, sizeof(int));
	pc->sig[0] = head_ptr(head, off->code_name);
	pc->sig[1] = head_ptr(head, off->code_filename);
	pc->sig[2] = lt = head_ptr(head, off->code_linetable);
	qn = head_ptr(head, off->code_qualname);

	ret = -EINVAL;
	if (pc->firstlineno < 0)
		goto fail;
	pc->name = mt_py_read_str(c->pid, off, pc->sig[0], NAME_MAX_CHARS);
	pc->filename = mt_py_read_str(c->pid, off, pc->sig[1], FILENAME_MAX_CHARS);
	if (!pc->name || !pc->filename)
		goto fail_errno;
	if (qn) {
		pc->qualname = mt_py_read_str(c->pid, off, qn, NAME_MAX_CHARS);
		if (!pc->qualname)
			goto fail_errno;
	} else {
		pc->qualname = pc->name;
	}
	ret = rd(c->pid, lt + off->bytes_size, &ltlen, sizeof(ltlen));
	if (ret)
		goto fail;
	if (ltlen < 0 || (uint64_t)ltlen > LINETABLE_MAX) {
		ret = -EINVAL;
		goto fail;
	}
	pc->linetable_len = (size_t)ltlen;
	pc->linetable = malloc(pc->linetable_len + 1);
	if (!pc->linetable) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = ltlen ? rd(c->pid, lt + off->bytes_sval, pc->linetable, pc->linetable_len) : 0;
	if (ret)
		goto fail;
	*out = pc;
	return 0;
fail_errno:
	ret = errno == ENOMEM ? -ENOMEM : errno == EFAULT || errno == ESRCH ? -errno : -EINVAL;
fail:
	code_free(pc);
	return ret;
}

int mt_pycode_read(struct mt_pycode_cache *c, uint64_t addr, const struct mt_pycode **out)
{
	struct mt_pycode **slot = find_slot(c, addr, false), *pc;
	int ret;

	if (slot && *slot && *slot != TOMB) {
		*out = *slot;
		return 0;
	}
	ret = read_code(c, addr, &pc);
	if (ret)
		return ret;
	if ((c->used + 1) * 4 > c->cap * 3 && grow(c)) {
		code_free(pc);
		return -ENOMEM;
	}
	slot = find_slot(c, addr, true);
	if (*slot != TOMB)
		c->used++;
	*slot = pc;
	*out = pc;
	return 0;
}

int mt_pycode_check(struct mt_pycode_cache *c, uint64_t addr)
{
	struct mt_pycode **slot = find_slot(c, addr, false);
	const struct mt_py_offsets *off = &c->off;
	uint8_t head[512];
	int ret;

	if (!slot || !*slot || *slot == TOMB)
		return 0;
	ret = rd(c->pid, addr, head, code_head_len(off));
	/* A process that is gone reuses nothing: its samples still in the ring keep their names. */
	if (ret == -ESRCH)
		return 0;
	if (!ret && head_ptr(head, off->code_name) == (*slot)->sig[0] &&
	    head_ptr(head, off->code_filename) == (*slot)->sig[1] &&
	    head_ptr(head, off->code_linetable) == (*slot)->sig[2])
		return 0;
	code_free(*slot);
	*slot = TOMB;
	return ret ? ret : 1;
}

int mt_pycode_resolve(struct mt_pycode_cache *c, uint64_t addr, int32_t instr,
		      const struct mt_pycode **code, int *line)
{
	int ret = mt_pycode_read(c, addr, code);

	if (ret)
		return ret;
	*line = mt_pycode_line(*code, instr);
	return 0;
}

/* ---- userspace frame walk ---- */

/* One frame's code, caller and position; *skip for frames C owns (3.12+ entry shims). */
static int read_frame(pid_t pid, const struct mt_py_offsets *off, uint64_t frame,
		      struct mt_py_frame *f, uint64_t *prev, bool *skip)
{
	uint8_t buf[128];
	size_t len = 0;
	const __u16 fields[] = { off->frame_code + 8, off->frame_previous + 8, off->frame_instr + 8,
				 off->frame_owner == MT_PY_NONE ? 0 : off->frame_owner + 1 };
	uint64_t ip;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i] > len)
			len = fields[i];
	if (len > sizeof(buf))
		return -EINVAL;
	ret = rd(pid, frame, buf, len);
	if (ret)
		return ret;
	f->frame = frame;
	memcpy(&f->code, buf + off->frame_code, 8);
	memcpy(prev, buf + off->frame_previous, 8);
	*skip = off->frame_owner != MT_PY_NONE && off->owner_cstack != 0xff &&
		buf[off->frame_owner] == off->owner_cstack;
	if (off->instr_kind == MT_PY_INSTR_LASTI) {
		memcpy(&f->instr, buf + off->frame_instr, 4);
	} else {
		int64_t d;

		memcpy(&ip, buf + off->frame_instr, 8);
		d = (int64_t)(ip - (f->code + off->code_adaptive));
		/* 3.11's fresh frames point one unit before the code: -1 either way. */
		f->instr = d < 0 ? -1 : (int32_t)(d / MT_PY_CODEUNIT);
	}
	return 0;
}

static void walk_frames(pid_t pid, const struct mt_py_offsets *off, struct mt_py_thread *t)
{
	uint64_t frame = 0, prev;
	int guard;

	if (rd_u64(pid, t->tstate + off->tstate_frame, &frame))
		return;
	if (off->cframe_current_frame != MT_PY_NONE &&
	    (!frame || rd_u64(pid, frame + off->cframe_current_frame, &frame)))
		return;
	for (guard = 0; frame && guard < 100000; guard++) {
		struct mt_py_frame f;
		bool skip;

		if (read_frame(pid, off, frame, &f, &prev, &skip))
			return;
		if (!skip) {
			if (t->nframes == MT_PY_UFRAMES_MAX) {
				t->truncated = true;
				return;
			}
			t->frames[t->nframes++] = f;
		}
		frame = prev;
	}
}

int mt_py_threads(pid_t pid, uint64_t runtime_addr, const struct mt_py_offsets *off,
		  struct mt_py_thread *out, int max)
{
	uint64_t interp, tstate;
	int n = 0, ni, nt, ret;

	ret = rd_u64(pid, runtime_addr + off->runtime_interp_head, &interp);
	if (ret)
		return ret;
	for (ni = 0; interp && ni < WALK_MAX_INTERPS && n < max; ni++) {
		ret = rd_u64(pid, interp + off->interp_threads_head, &tstate);
		if (ret)
			return ret;
		for (nt = 0; tstate && nt < WALK_MAX_THREADS && n < max; nt++) {
			struct mt_py_thread *t = &out[n++];

			memset(t, 0, sizeof(*t));
			t->interp = interp;
			t->tstate = tstate;
			t->native_tid = -1;
			if (rd_u64(pid, tstate + off->tstate_thread_id, &t->thread_id))
				return -EFAULT;
			if (off->tstate_native_thread_id != MT_PY_NONE &&
			    rd(pid, tstate + off->tstate_native_thread_id, &t->native_tid, 8))
				return -EFAULT;
			walk_frames(pid, off, t);
			if (rd_u64(pid, tstate + off->tstate_next, &tstate))
				return -EFAULT;
		}
		if (rd_u64(pid, interp + off->interp_next, &interp))
			return -EFAULT;
	}
	return n;
}
