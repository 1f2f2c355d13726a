#!/bin/sh
# Regenerate the CPython offset tables in user/pyoffsets.c from the
# interpreters' own internal headers: compile a probe with -DPy_BUILD_CORE
# against each include dir and print offsetof() of every field the frame
# walk and the code resolution use, so no offset is typed by hand.
#
#   tools/gen-pyoffsets.sh            print the tables
#   tools/gen-pyoffsets.sh -w         rewrite the generated block of user/pyoffsets.c
#   tools/gen-pyoffsets.sh -w DIR...  same, from these include dirs (.../include/python3.X)
#
# Default include dirs: pyenv's 3.10-3.13 and Debian's 3.11 (libpython3.11-dev).
set -eu

CC=${CC:-cc}
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/user/pyoffsets.c"
write=0
if [ "${1:-}" = "-w" ]; then
	write=1
	shift
fi
if [ $# -eq 0 ]; then
	for d in /root/.pyenv/versions/3.1[0-3].*/include/python3.1[0-3] /usr/include/python3.11; do
		[ -d "$d/internal" ] && set -- "$@" "$d"
	done
fi
[ $# -gt 0 ] || { echo "gen-pyoffsets: no CPython include dir with internal/ headers found" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/probe.c" <<'EOF'
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "internal/pycore_runtime.h"
#include "internal/pycore_interp.h"
#if PY_VERSION_HEX >= 0x030B0000
#include "internal/pycore_frame.h"
#include "internal/pycore_code.h"
#else
#include "frameobject.h"
#endif

#define P(name, val) printf("\t\t\t.%s = %u,\n", name, (unsigned)(val))
#define NONE(name) printf("\t\t\t.%s = MT_PY_NONE,\n", name)

/* Bit position and width of one field of the unicode state bitfield. */
static void state_bits(const char *what, PyASCIIObject *o, unsigned *shift, unsigned *mask)
{
	unsigned w;

	memcpy(&w, (char *)o + offsetof(PyASCIIObject, state), sizeof(w));
	*shift = (unsigned)__builtin_ctz(w);
	*mask = w >> *shift;
	(void)what;
}

int main(int argc, char **argv)
{
	PyASCIIObject o;
	unsigned kshift, kmask, cshift, cmask, ashift, amask;

	memset(&o, 0, sizeof(o));
	o.state.kind = 7;
	state_bits("kind", &o, &kshift, &kmask);
	memset(&o, 0, sizeof(o));
	o.state.compact = 1;
	state_bits("compact", &o, &cshift, &cmask);
	memset(&o, 0, sizeof(o));
	o.state.ascii = 1;
	state_bits("ascii", &o, &ashift, &amask);

	printf("\t{\n\t\t/* %s, from %s */\n", PY_VERSION, argv[1]);
	printf("\t\t.off = {\n");
	printf("\t\t\t.version_hex = 0x%08x,\n", (unsigned)PY_VERSION_HEX);
#if PY_VERSION_HEX >= 0x030B0000
	printf("\t\t\t.instr_kind = MT_PY_INSTR_PTR,\n");
	printf("\t\t\t.linetable_kind = MT_PY_LINETABLE_311,\n");
#else
	printf("\t\t\t.instr_kind = MT_PY_INSTR_LASTI,\n");
	printf("\t\t\t.linetable_kind = MT_PY_LINETABLE_310,\n");
#endif
#if PY_VERSION_HEX >= 0x030C0000
	P("owner_cstack", FRAME_OWNED_BY_CSTACK);
#else
	printf("\t\t\t.owner_cstack = 0xff,\n");
#endif
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
	P("frame_is_entry", offsetof(_PyInterpreterFrame, is_entry));
#else
	printf("\t\t\t.frame_is_entry = 0xff,\n");
#endif
	P("runtime_interp_head", offsetof(_PyRuntimeState, interpreters.head));
	P("runtime_interp_main", offsetof(_PyRuntimeState, interpreters.main));
	P("runtime_main_thread", offsetof(_PyRuntimeState, main_thread));
	P("interp_next", offsetof(PyInterpreterState, next));
#if PY_VERSION_HEX >= 0x030B0000
	P("interp_threads_head", offsetof(PyInterpreterState, threads.head));
#else
	P("interp_threads_head", offsetof(PyInterpreterState, tstate_head));
#endif
	P("tstate_next", offsetof(PyThreadState, next));
	P("tstate_thread_id", offsetof(PyThreadState, thread_id));
#if PY_VERSION_HEX >= 0x030B0000
	P("tstate_native_thread_id", offsetof(PyThreadState, native_thread_id));
#else
	NONE("tstate_native_thread_id");
#endif
#if PY_VERSION_HEX >= 0x030D0000
	P("tstate_frame", offsetof(PyThreadState, current_frame));
	NONE("cframe_current_frame");
#elif PY_VERSION_HEX >= 0x030B0000
	P("tstate_frame", offsetof(PyThreadState, cframe));
	P("cframe_current_frame", offsetof(_PyCFrame, current_frame));
#else
	P("tstate_frame", offsetof(PyThreadState, frame));
	NONE("cframe_current_frame");
#endif
#if PY_VERSION_HEX >= 0x030D0000
	P("frame_code", offsetof(_PyInterpreterFrame, f_executable));
	P("frame_previous", offsetof(_PyInterpreterFrame, previous));
	P("frame_instr", offsetof(_PyInterpreterFrame, instr_ptr));
	P("frame_owner", offsetof(_PyInterpreterFrame, owner));
	P("frame_localsplus", offsetof(_PyInterpreterFrame, localsplus));
#elif PY_VERSION_HEX >= 0x030B0000
	P("frame_code", offsetof(_PyInterpreterFrame, f_code));
	P("frame_previous", offsetof(_PyInterpreterFrame, previous));
	P("frame_instr", offsetof(_PyInterpreterFrame, prev_instr));
	P("frame_owner", offsetof(_PyInterpreterFrame, owner));
	P("frame_localsplus", offsetof(_PyInterpreterFrame, localsplus));
#else
	P("frame_code", offsetof(PyFrameObject, f_code));
	P("frame_previous", offsetof(PyFrameObject, f_back));
	P("frame_instr", offsetof(PyFrameObject, f_lasti));
	NONE("frame_owner");
	P("frame_localsplus", offsetof(PyFrameObject, f_localsplus));
#endif
	P("code_name", offsetof(PyCodeObject, co_name));
#if PY_VERSION_HEX >= 0x030B0000
	P("code_qualname", offsetof(PyCodeObject, co_qualname));
#else
	NONE("code_qualname");
#endif
	P("code_filename", offsetof(PyCodeObject, co_filename));
	P("code_firstlineno", offsetof(PyCodeObject, co_firstlineno));
	P("code_linetable", offsetof(PyCodeObject, co_linetable));
#if PY_VERSION_HEX >= 0x030B0000
	NONE("code_code");
	P("code_adaptive", offsetof(PyCodeObject, co_code_adaptive));
	P("code_firsttraceable", offsetof(PyCodeObject, _co_firsttraceable));
#else
	P("code_code", offsetof(PyCodeObject, co_code));
	NONE("code_adaptive");
	NONE("code_firsttraceable");
#endif
	P("unicode_length", offsetof(PyASCIIObject, length));
	P("unicode_state", offsetof(PyASCIIObject, state));
	P("unicode_ascii_data", sizeof(PyASCIIObject));
	P("unicode_compact_data", sizeof(PyCompactUnicodeObject));
	P("unicode_legacy_data", offsetof(PyUnicodeObject, data));
	P("unicode_kind_shift", kshift);
	P("unicode_kind_mask", kmask);
	P("unicode_compact_shift", cshift);
	P("unicode_ascii_shift", ashift);
	P("bytes_size", offsetof(PyVarObject, ob_size));
	P("bytes_sval", offsetof(PyBytesObject, ob_sval));
	printf("\t\t},\n");
	printf("\t\t.source = \"%s\",\n", argv[1]);
#if PY_VERSION_HEX >= 0x030D0000
	printf("\t\t.debug_offsets_size = %u,\n", (unsigned)sizeof(_Py_DebugOffsets));
#endif
	printf("\t},\n");
	/* The walker reads these as 1-bit flags and a u16 offset; stop if that ever stops holding. */
	if (cmask != 1 || amask != 1 || sizeof(PyCodeObject) > 0xffff)
		return 1;
	return 0;
}
EOF

gen() {
	for inc in "$@"; do
		# Debian keeps pyconfig.h under the multiarch dir; Python.h finds it itself.
		"$CC" -w -I"$inc" -I"$inc/internal" -o "$tmp/probe" "$tmp/probe.c" ||
			{ echo "gen-pyoffsets: cannot compile the probe against $inc" >&2; exit 1; }
		"$tmp/probe" "$inc" || { echo "gen-pyoffsets: unexpected layout in $inc" >&2; exit 1; }
	done
}

if [ $write -eq 0 ]; then
	gen "$@"
	exit 0
fi

gen "$@" > "$tmp/table"
grep -q '^/\* BEGIN GENERATED' "$out" || { echo "gen-pyoffsets: no BEGIN GENERATED marker in $out" >&2; exit 1; }
awk -v table="$tmp/table" '
	/^\/\* END GENERATED/ { skip = 0 }
	!skip { print }
	/^\/\* BEGIN GENERATED/ { while ((getline l < table) > 0) print l; skip = 1 }
' "$out" > "$tmp/out.c"
mv "$tmp/out.c" "$out"
echo "wrote $out ($# interpreters)"
