/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where CPython keeps what a frame walk needs, for one interpreter version:
 * shared by the BPF walker (bpf/python_frames.bpf.c, py_frame_layouts[]) and
 * userspace (user/pyoffsets.c fills it from the generated tables). Offsets are bytes
 * from the start of the named struct; MT_PY_NONE marks a field the version
 * does not have. Fixed-width types only, so both compilers lay it out alike.
 */
#ifndef MT_PYTHON_OFFSETS_H
#define MT_PYTHON_OFFSETS_H

#include "memtrace.h"

#define MT_PY_NONE 0xffff

/* How a frame says where it is (struct mt_py_offsets.instr_kind). */
enum mt_py_instr_kind {
	/* 3.10: PyFrameObject.f_lasti, an int counting 2-byte code units, -1 before the first. */
	MT_PY_INSTR_LASTI = 1,
	/*
	 * 3.11+: a pointer into the code object's inline bytecode
	 * (co_code_adaptive): prev_instr (3.11, 3.12) or instr_ptr (3.13).
	 * Offset = (ptr - (code + code_adaptive)) / 2 code units.
	 */
	MT_PY_INSTR_PTR = 2,
};

/* Line table format (struct mt_py_offsets.linetable_kind). */
enum mt_py_linetable_kind {
	MT_PY_LINETABLE_310 = 1, /* PEP 626 (start delta, line delta) byte pairs */
	MT_PY_LINETABLE_311 = 2, /* PEP 657 location table (Objects/locations.md) */
};

/*
 * Instruction offsets travel as code units (2 bytes each, _Py_CODEUNIT) in
 * every version, so one (code object, offset) pair means the same thing
 * everywhere; the line tables take byte offsets (units * 2).
 */
#define MT_PY_CODEUNIT 2

struct mt_py_offsets {
	__u32 version_hex;   /* PY_VERSION_HEX of the headers the table came from */
	__u8 instr_kind;     /* enum mt_py_instr_kind */
	__u8 linetable_kind; /* enum mt_py_linetable_kind */
	/* owner value of frames that belong to C (3.12+ entry shims), 0xff: none */
	__u8 owner_cstack;
	/*
	 * 3.11: bool is_entry of _PyInterpreterFrame (the frame its C eval loop
	 * was entered with), 0xff: none (3.10: every frame is; 3.12+: owner_cstack
	 * shims mark them). Below 128, like every frame field the walker reads.
	 */
	__u8 frame_is_entry;

	/* _PyRuntimeState */
	__u16 runtime_interp_head; /* interpreters.head (newest first) */
	__u16 runtime_interp_main; /* interpreters.main */
	__u16 runtime_main_thread; /* pthread_t of the main thread */
	/* PyInterpreterState */
	__u16 interp_next;
	__u16 interp_threads_head; /* tstate_head (3.10), threads.head (3.11+) */
	/* PyThreadState */
	__u16 tstate_next;
	__u16 tstate_thread_id;	       /* pthread_t: the TCB address (fsbase) on x86_64 glibc */
	__u16 tstate_native_thread_id; /* gettid() in the target's pid namespace (3.11+) */
	/*
	 * Innermost frame: tstate->frame (3.10, PyFrameObject), tstate->cframe
	 * then cframe->current_frame (3.11, 3.12), tstate->current_frame (3.13).
	 */
	__u16 tstate_frame;
	__u16 cframe_current_frame; /* MT_PY_NONE: tstate_frame is the frame */
	/* frame: PyFrameObject (3.10) or _PyInterpreterFrame (3.11+) */
	__u16 frame_code;     /* f_code, f_executable (3.13) */
	__u16 frame_previous; /* f_back (3.10), previous */
	__u16 frame_instr;    /* f_lasti (3.10), prev_instr (3.11, 3.12), instr_ptr (3.13) */
	__u16 frame_owner;    /* char; MT_PY_NONE in 3.10 */
	__u16 frame_localsplus;
	/* PyCodeObject */
	__u16 code_name;
	__u16 code_qualname; /* MT_PY_NONE in 3.10 */
	__u16 code_filename;
	__u16 code_firstlineno;	   /* int */
	__u16 code_linetable;	   /* bytes: co_linetable */
	__u16 code_code;	   /* bytes: co_code (3.10); MT_PY_NONE after */
	__u16 code_adaptive;	   /* inline bytecode co_code_adaptive (3.11+) */
	__u16 code_firsttraceable; /* int _co_firsttraceable (3.11+) */
	/* PyASCIIObject / PyCompactUnicodeObject / PyUnicodeObject */
	__u16 unicode_length;	    /* Py_ssize_t, in code points */
	__u16 unicode_state;	    /* the 32-bit state bitfield word */
	__u16 unicode_ascii_data;   /* sizeof(PyASCIIObject): compact ASCII data */
	__u16 unicode_compact_data; /* sizeof(PyCompactUnicodeObject): other compact data */
	__u16 unicode_legacy_data;  /* PyUnicodeObject.data.any: non-compact strings */
	__u8 unicode_kind_shift;    /* kind = (state >> shift) & mask: 1, 2 or 4 bytes/char */
	__u8 unicode_kind_mask;
	__u8 unicode_compact_shift;
	__u8 unicode_ascii_shift;
	/* PyBytesObject */
	__u16 bytes_size; /* ob_size (Py_ssize_t) */
	__u16 bytes_sval;
};

/*
 * FNV-1a over a function name's bytes: the BPF walker hashes co_name /
 * co_qualname of unknown code objects and userspace hashes the names the
 * user asked for, so frames are matched without knowing code addresses in
 * advance. Only ASCII names up to MT_PY_NAME_MAX - 1 bytes are hashed.
 */
#define MT_PY_FNV_OFFSET 0xcbf29ce484222325ULL
#define MT_PY_FNV_PRIME	 0x100000001b3ULL

/*
 * Matching code objects to traced functions (maps of bpf/python_frames.bpf.c).
 *
 * py_frame_names: name hash -> first target index with that name.
 * py_frame_files: target index -> its file filter and the next target with
 *   the same name (a.py:f and b.py:f share one hash). A target matches when
 *   co_qualname or co_name hashes to it and, if suffix_len > 0, co_filename
 *   ends with the suffix at a path boundary ("x.py" matches "/a/x.py" and
 *   "x.py", not "/a/yx.py"). Targets without a filter may be left out.
 * py_frame_verdicts: (group, code object address) -> struct mt_py_code_val,
 *   the verdict the walker caches, and whether the code was announced;
 *   userspace empties it when the targets change.
 */

struct mt_py_file_filter {
	__u32 suffix_len; /* 0: any file */
	__s32 next;	  /* next target index with the same name hash, -1: none */
	char suffix[MT_PY_SUFFIX_MAX];
};

/*
 * A CPython process's interpreter for the walker: py_frame_procs by pid
 * (the first process's in py_frame_main), filled by userspace once it
 * knows the process runs CPython (user/pyframes.c), copied to a forked
 * child by the kernel (the same interpreter at the same addresses).
 */
#define MT_PY_MAX_LAYOUTS 8 /* CPython layouts (versions) at once: py_frame_layouts[] */

struct mt_py_proc {
	__u64 runtime; /* _PyRuntime in the process; 0: not known yet, not walked */
	__u32 layout;  /* index into py_frame_layouts */
	/*
	 * Who its code objects belong to: the process userspace found the
	 * interpreter in (a number userspace gives out), shared by its forks,
	 * whose code objects are the parent's. Verdicts and announcements are
	 * per (group, code): two programs may hold different code objects at
	 * one address.
	 */
	__u32 group;
};

/* A code object of one group (struct mt_py_proc.group). */
struct mt_py_code_key {
	__u64 code;
	__u32 group;
	__u32 pad;
};

struct mt_py_code_val {
	__u64 name;   /* co_name pointer when cached: a changed one means a reused address */
	__s32 target; /* target index, -1: not traced */
	/*
	 * A traced one: sent to userspace (MT_REC_PYFRAME), which reads it
	 * then. Again if the entry is evicted, or made anew: a new code object
	 * at the address, or new targets; userspace keeps the first reading.
	 */
	__u32 announced;
};

#endif /* MT_PYTHON_OFFSETS_H */
