// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Mixed stacks (user/pystack.c): synthetic native frames merged with Python
 * frames whose code objects are built in this process's own memory in
 * CPython 3.12's layout (user/pyoffsets.c), read back through the code
 * cache as a target's would be. The expected stacks are written out by hand.
 */
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include "pyoffsets.h"
#include "pystack.h"
#include "unit.h"

static const struct mt_py_offsets *off;

/* A compact ASCII str object of the 3.12 layout, NUL-terminated. */
struct fake_str {
	_Alignas(16) uint8_t b[128];
};

struct fake_bytes {
	_Alignas(16) uint8_t b[64];
};

struct fake_code {
	_Alignas(16) uint8_t b[256];
	struct fake_str name, file;
	struct fake_bytes lines;
};

static void put_u64(uint8_t *b, size_t at, uint64_t v)
{
	memcpy(b + at, &v, sizeof(v));
}

static void make_str(struct fake_str *s, const char *text)
{
	uint32_t state = (1u << off->unicode_kind_shift) | (1u << off->unicode_compact_shift) |
			 (1u << off->unicode_ascii_shift);

	memset(s, 0, sizeof(*s));
	put_u64(s->b, off->unicode_length, strlen(text));
	memcpy(s->b + off->unicode_state, &state, sizeof(state));
	memcpy(s->b + off->unicode_ascii_data, text, strlen(text));
}

/*
 * Code object name in file.py at line first: its one location-table entry
 * (Objects/locations.md form 12: one line, delta 2) covers 8 code units, so
 * instruction 0-7 is on line first + 2.
 */
static void make_code(struct fake_code *c, const char *name, int first)
{
	int32_t fl = first;

	memset(c->b, 0, sizeof(c->b));
	make_str(&c->name, name);
	make_str(&c->file, "/srv/app.py");
	memset(&c->lines, 0, sizeof(c->lines));
	put_u64(c->lines.b, off->bytes_size, 1);
	c->lines.b[off->bytes_sval] = 0x80 | (12 << 3) | 7;
	put_u64(c->b, off->code_name, (uintptr_t)&c->name);
	put_u64(c->b, off->code_qualname, (uintptr_t)&c->name);
	put_u64(c->b, off->code_filename, (uintptr_t)&c->file);
	put_u64(c->b, off->code_linetable, (uintptr_t)&c->lines);
	memcpy(c->b + off->code_firstlineno, &fl, sizeof(fl));
}

static struct fake_code leaf, mid, path_b, module;
static struct mt_stack_rec rec;

/* The sample's Python frames: codes[i] with entry flags entries[i], innermost first. */
static void set_py(const struct fake_code *const *codes, const int *entries, size_t n)
{
	memset(&rec, 0, offsetof(struct mt_stack_rec, stack));
	rec.type = MT_REC_STACK;
	rec.nr_py = n;
	for (size_t i = 0; i < n; i++) {
		rec.py[i].code = (uintptr_t)codes[i]->b;
		rec.py[i].instr = 3;
		rec.py[i].entry = entries[i];
	}
}

static struct mt_frame nat(const char *func)
{
	return (struct mt_frame){ .func = func, .object = "/usr/bin/python3", .kind = MT_FRAME_NATIVE };
}

/* The merged stack as "a;b;c", leaf first, Python frames marked "py:". */
static const char *merged(struct mt_pystack *ps, const struct mt_frame *native, size_t nn,
			  size_t max, int *cut)
{
	static char buf[1024];
	struct mt_frame out[64];
	size_t n = 0, used = 0;

	*cut = mt_pystack_merge(ps, &rec, native, nn, out, max < 64 ? max : 64, &n);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		used += snprintf(buf + used, sizeof(buf) - used, "%s%s%s", i ? ";" : "",
				 out[i].kind == MT_FRAME_PYTHON ? "py:" : "", out[i].func);
	return buf;
}

/* Four frames in two eval loops: <module> -> path_b (one loop), mid -> grow_leaf (another). */
static void set_two_loops(void)
{
	const struct fake_code *codes[] = { &leaf, &mid, &path_b, &module };
	const int entries[] = { 0, 1, 0, 1 };

	set_py(codes, entries, 4);
}

static void test_interleave(struct mt_pystack *ps)
{
	struct mt_frame native[] = { nat("memset"), nat("bytearray___init__"),
				     nat("_PyEval_EvalFrameDefault"), nat("call_back"),
				     nat("_PyEval_EvalFrameDefault.cold"), nat("Py_RunMain"),
				     nat("main") };
	struct mt_frame out[16];
	size_t n = 0;
	int cut;

	set_two_loops();
	CHECK_STR(merged(ps, native, 7, 64, &cut),
		  "memset;bytearray___init__;py:grow_leaf;py:mid;call_back;py:path_b;py:<module>;Py_RunMain;main",
		  "each eval loop replaced by its group, the C between them kept");
	CHECK_INT(cut, 0, "nothing cut");

	mt_pystack_merge(ps, &rec, native, 7, out, 16, &n);
	CHECK(n == 9 && out[2].kind == MT_FRAME_PYTHON && out[2].line == 12 &&
		      !strcmp(out[2].file, "/srv/app.py") && out[0].kind == MT_FRAME_NATIVE &&
		      !strcmp(out[0].object, "/usr/bin/python3"),
	      "a Python frame has its file and line (instr 3: firstlineno 10 + 2), a native one its object");

	CHECK_STR(merged(ps, native, 7, 4, &cut), "memset;bytearray___init__;py:grow_leaf;py:mid",
		  "max frames, leaf first");
	CHECK_INT(cut, 1, "the root end cut is said");
}

static void test_fallback(struct mt_pystack *ps)
{
	/* The unwind stopped inside the outer loop's caller: one loop for two groups. */
	struct mt_frame one[] = { nat("memset"), nat("_PyEval_EvalFrameDefault"), nat("call_back"),
				  nat("[unknown]") };
	/* Three loops for two groups. */
	struct mt_frame three[] = { nat("malloc"), nat("_PyEval_EvalFrameDefault"), nat("call_back"),
				    nat("_PyEval_EvalFrameDefault"), nat("other_c"),
				    nat("_PyEval_EvalFrameDefault"), nat("main") };
	int cut;

	set_two_loops();
	CHECK_STR(merged(ps, one, 4, 64, &cut),
		  "memset;py:grow_leaf;py:mid;py:path_b;py:<module>;call_back;[unknown]",
		  "fewer loops than groups: Python frames in place of the loops, the rest kept");
	CHECK_STR(merged(ps, three, 7, 64, &cut),
		  "malloc;py:grow_leaf;py:mid;py:path_b;py:<module>;main",
		  "more loops than groups: Python frames in place of the innermost..outermost range");
}

static void test_python_alone(struct mt_pystack *ps)
{
	struct mt_frame stripped[] = { nat("[unknown]"), nat("[unknown]") };
	int cut;

	set_two_loops();
	CHECK_STR(merged(ps, NULL, 0, 64, &cut), "py:grow_leaf;py:mid;py:path_b;py:<module>",
		  "no native frames: the Python frames alone");
	CHECK_STR(merged(ps, stripped, 2, 64, &cut), "py:grow_leaf;py:mid;py:path_b;py:<module>",
		  "no eval loop among the native frames: the Python frames alone");
}

static void test_native_alone(struct mt_pystack *ps)
{
	struct mt_frame native[] = { nat("memset"), nat("_PyEval_EvalFrameDefault"), nat("main") };
	int cut;

	set_py(NULL, NULL, 0);
	CHECK_STR(merged(ps, native, 3, 64, &cut), "memset;_PyEval_EvalFrameDefault;main",
		  "no Python frames: the native stack as it is");
}

static void test_wrappers(struct mt_pystack *ps)
{
	/* A 3.10-like stack: one loop per frame, some entered through the API wrappers. */
	struct mt_frame native[] = { nat("memset"), nat("_PyEval_EvalFrameDefault"),
				     nat("_PyEval_EvalFrame"), nat("_PyFunction_Vectorcall"),
				     nat("_PyEval_EvalFrameDefault"), nat("PyEval_EvalFrameEx"),
				     nat("_PyEval_EvalFrame"), nat("PyEval_EvalCode"), nat("main") };
	const struct fake_code *codes[] = { &leaf, &module };
	const int entries[] = { 1, 1 };
	int cut;

	set_py(codes, entries, 2);
	CHECK_STR(merged(ps, native, 9, 64, &cut),
		  "memset;py:grow_leaf;_PyFunction_Vectorcall;py:<module>;PyEval_EvalCode;main",
		  "a wrapper right above its loop goes with it");
}

static void test_unreadable_and_truncated(struct mt_pystack *ps)
{
	struct mt_frame native[] = { nat("memset"), nat("_PyEval_EvalFrameDefault"), nat("main") };
	const struct fake_code *codes[] = { &leaf, &mid };
	const int entries[] = { 0, 0 };
	struct mt_frame out[8];
	size_t n = 0;
	int cut;

	set_py(codes, entries, 2);
	rec.py[1].code = 0x10;
	rec.flags = MT_STACK_PY_TRUNC;
	CHECK_STR(merged(ps, native, 3, 64, &cut),
		  "memset;py:grow_leaf;[python code 0x10];[truncated];main",
		  "an unreadable code object is named by its address; missing outer frames are marked");
	mt_pystack_merge(ps, &rec, native, 3, out, 8, &n);
	CHECK(n == 5 && out[2].kind == MT_FRAME_UNKNOWN && out[3].kind == MT_FRAME_UNKNOWN,
	      "both are MT_FRAME_UNKNOWN");
}

static void test_reused_address(struct mt_pystack *ps)
{
	const struct fake_code *codes[] = { &mid };
	const int entries[] = { 1 };
	static struct fake_str other;
	int cut;

	set_py(codes, entries, 1);
	CHECK_STR(merged(ps, NULL, 0, 64, &cut), "py:mid", "a code object, cached");
	/* Freed, and another code object made at the same address. */
	make_str(&other, "replacement");
	put_u64(mid.b, off->code_name, (uintptr_t)&other);
	put_u64(mid.b, off->code_qualname, (uintptr_t)&other);
	CHECK_STR(merged(ps, NULL, 0, 64, &cut), "py:replacement",
		  "a reused address is read anew, not served from the cache");
}

int main(void)
{
	const struct mt_py_table *t = mt_py_table_find(3, 12, -1);
	struct mt_pystack *ps = NULL;

	CHECK(t != NULL, "a 3.12 layout to build code objects in");
	if (!t)
		return unit_done();
	off = &t->off;
	make_code(&leaf, "grow_leaf", 10);
	make_code(&mid, "mid", 20);
	make_code(&path_b, "path_b", 30);
	make_code(&module, "<module>", 1);
	CHECK(mt_pystack_new(getpid(), off, &ps) == 0, "mt_pystack_new");
	if (!ps)
		return unit_done();
	test_interleave(ps);
	test_fallback(ps);
	test_python_alone(ps);
	test_native_alone(ps);
	test_wrappers(ps);
	test_unreadable_and_truncated(ps);
	test_reused_address(ps);
	mt_pystack_free(ps);
	return unit_done();
}
