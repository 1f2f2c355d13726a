// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* CPython detection: the data symbols of the interpreter's ELF (user/elfsym.c). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "elfsym.h"
#include "process.h"
#include "libsearch.h"
#include "procfs.h"
#include "pyproc.h"
#include "log.h"

/* An ELF that may hold the interpreter. */
struct pyelf {
	struct mt_elf *elf;
	bool has_runtime, has_pyversion, has_verstr;
	struct mt_sym runtime;	 /* _PyRuntime */
	struct mt_sym pyversion; /* Py_Version (3.11+) */
	struct mt_sym verstr;	 /* Py_GetVersion()'s static buffer: only .symtab names it */
};

int mt_py_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	char path[64];
	ssize_t n;
	int fd, e;

	if (!len)
		return 0;
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		return -EFAULT;
	e = errno;
	if (e == ESRCH || e == EFAULT)
		return -e;
	/* Seccomp or an old kernel may refuse the syscall; /proc/PID/mem needs the same rights but no syscall. */
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -e;
	n = pread(fd, buf, len, (off_t)addr);
	close(fd);
	if (n == (ssize_t)len)
		return 0;
	return n < 0 && errno != EIO ? -errno : -EFAULT;
}

int mt_pyproc_name_version(const char *path, int *major, int *minor)
{
	const char *base = strrchr(path, '/'), *p;
	char *end;
	long ma, mi;

	base = base ? base + 1 : path;
	if (strncmp(base, "libpython", 9) == 0)
		p = base + 9;
	else if (strncmp(base, "python", 6) == 0)
		p = base + 6;
	else
		return -1;
	if (!isdigit((unsigned char)*p))
		return -1;
	ma = strtol(p, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return -1;
	mi = strtol(end + 1, &end, 10);
	/* python3.11, python3.11d, python3.11-dbg, libpython3.11.so.1.0, libpython3.11d.so */
	if (*end && *end != '.' && *end != 'd' && *end != 'm' && *end != 't' && *end != '-')
		return -1;
	*major = (int)ma;
	*minor = (int)mi;
	return 0;
}

static int pyelf_open(const char *path, struct pyelf *pe)
{
	int err;

	memset(pe, 0, sizeof(*pe));
	err = mt_elf_open(path, &pe->elf);
	if (err)
		return err;
	pe->has_runtime = !mt_elf_find_data(pe->elf, "_PyRuntime", 0, &pe->runtime);
	pe->has_pyversion = !mt_elf_find_data(pe->elf, "Py_Version", 0, &pe->pyversion);
	/* char version[250] in Python/getversion.c; GCC names it "version.0". */
	pe->has_verstr = !mt_elf_find_data(pe->elf, "version", 250, &pe->verstr);
	return 0;
}

static void set_version_hex(struct mt_pyproc *p, uint32_t hex, enum mt_pyver_source src)
{
	p->version_hex = hex;
	p->major = (int)(hex >> 24);
	p->minor = (int)((hex >> 16) & 0xff);
	p->micro = (int)((hex >> 8) & 0xff);
	p->version_source = src;
}

static bool plausible_hex(uint32_t hex)
{
	return (hex >> 24) == 3 && ((hex >> 16) & 0xff) < 100;
}

/*
 * Confirm (or establish) the version from the running process: _Py_DebugOffsets
 * (3.13+), Py_Version (3.11+), or the string Py_GetVersion() formats at start-up
 * (3.10, unstripped builds only). A name-derived minor that disagrees is an error:
 * the offsets would be wrong.
 */
static int confirm_version(pid_t pid, struct pyelf *pe, struct mt_pyproc *p, char *err,
			   size_t errlen)
{
	int name_major = p->major, name_minor = p->minor;
	bool named = p->major > 0;
	unsigned char hdr[16];
	uint64_t v = 0;

	if (p->runtime_addr && mt_py_read(pid, p->runtime_addr, hdr, sizeof(hdr)) == 0 &&
	    memcmp(hdr, "xdebugpy", 8) == 0) {
		memcpy(&v, hdr + 8, sizeof(v));
		if (plausible_hex((uint32_t)v))
			set_version_hex(p, (uint32_t)v, MT_PYVER_DEBUG_OFFSETS);
	}
	if (p->version_source != MT_PYVER_DEBUG_OFFSETS && pe->has_pyversion) {
		uint32_t hex;

		if (mt_py_read(pid, pe->pyversion.vaddr + p->load_bias, &hex, sizeof(hex)) ==
			    0 &&
		    plausible_hex(hex))
			set_version_hex(p, hex, MT_PYVER_PY_VERSION);
	}
	if (!p->version_hex && pe->has_verstr) {
		char s[32];
		int ma, mi, mc;

		/* Empty until Py_Initialize() ran; then "3.10.13 (main, ...". */
		if (mt_py_read(pid, pe->verstr.vaddr + p->load_bias, s, sizeof(s)) == 0) {
			s[sizeof(s) - 1] = '\0';
			if (sscanf(s, "%d.%d.%d", &ma, &mi, &mc) == 3 && ma == 3) {
				p->major = ma;
				p->minor = mi;
				p->micro = mc;
				p->version_source = MT_PYVER_VERSION_STR;
			}
		}
	}
	if (named && p->version_source != MT_PYVER_NAME &&
	    (p->major != name_major || p->minor != name_minor)) {
		mt_set_err(err, errlen, "%s is named for Python %d.%d but its memory says %d.%d",
			p->object, name_major, name_minor, p->major, p->minor);
		return -EPROTO;
	}
	if (!p->major) {
		mt_set_err(err, errlen,
			"%s has _PyRuntime but neither its name nor its memory tells the Python version",
			p->object);
		return -ENOENT;
	}
	return 0;
}

/* Fill p from an ELF that defines _PyRuntime: the parts that need no process. */
static void fill_static(struct mt_pyproc *p, struct pyelf *pe, const char *object,
			const char *object_host, bool shared)
{
	snprintf(p->object, sizeof(p->object), "%s", object);
	snprintf(p->object_host, sizeof(p->object_host), "%s", object_host);
	p->shared = shared;
	p->runtime_vaddr = pe->runtime.vaddr;
	p->runtime_size = pe->runtime.size;
	p->micro = -1;
	if (mt_pyproc_name_version(object, &p->major, &p->minor) == 0)
		p->version_source = MT_PYVER_NAME;
}

enum { NOT_HERE = 1, NO_RUNTIME };

/*
 * The interpreter in mapping m of the process: 0 (out filled), NOT_HERE
 * (unreadable, or m is not where a PT_LOAD starts: try the object's next
 * mapping), NO_RUNTIME (ELF without _PyRuntime), or -errno with err set.
 */
static int detect_in(pid_t pid, const struct mt_map *m, bool is_exe, struct mt_pyproc *out,
		     char *err, size_t errlen)
{
	char *host = mt_proc_map_path(pid, m);
	struct pyelf pe;
	int ret = NOT_HERE;

	if (!host || pyelf_open(host, &pe)) {
		free(host);
		return NOT_HERE;
	}
	if (!pe.has_runtime) {
		ret = NO_RUNTIME;
		goto out;
	}
	fill_static(out, &pe, m->path, host, !is_exe);
	if (mt_elf_load_bias(pe.elf, m->start, m->offset, &out->load_bias))
		goto out;
	out->runtime_addr = out->runtime_vaddr + out->load_bias;
	out->pid = pid;
	ret = confirm_version(pid, &pe, out, err, errlen);
	if (!ret && out->major != 3) {
		mt_set_err(err, errlen, "%s is Python %d.%d, not CPython 3", out->object, out->major,
			out->minor);
		ret = -EPROTONOSUPPORT;
	}
out:
	if (ret > 0)
		memset(out, 0, sizeof(*out));
	free(host);
	mt_elf_close(pe.elf);
	return ret;
}

int mt_pyproc_detect(pid_t pid, struct mt_pyproc *out, char *err, size_t errlen)
{
	const char *py2 = NULL, *old3 = NULL, *done = "", *base, *old;
	struct mt_map *maps = NULL;
	size_t nmaps = 0, i;
	int ret, major = 0, minor = 0;
	bool is_exe, deleted;
	char *exe;

	memset(out, 0, sizeof(*out));
	exe = mt_proc_exe(pid, &deleted, &ret);
	if (!exe)
		return mt_proc_error(pid, "exe", ret, err, errlen);
	ret = mt_proc_maps(pid, &maps, &nmaps);
	if (ret) {
		free(exe);
		return mt_proc_error(pid, "maps", ret, err, errlen);
	}
	/*
	 * The executable's own mappings come first when it defines _PyRuntime
	 * (static builds); otherwise the first libpython3.X that does.
	 */
	for (i = 0, ret = NOT_HERE; i < nmaps && ret > 0; i++) {
		/* Mappings of one file are neighbours: an ELF without _PyRuntime is read once. */
		if (!mt_map_is_file(&maps[i]) || !strcmp(maps[i].path, done))
			continue;
		base = strrchr(maps[i].path, '/') + 1;
		is_exe = !strcmp(maps[i].path, exe);
		if (!strncmp(base, "libpython2", 10) || (is_exe && !strncmp(base, "python2", 7)))
			py2 = maps[i].path;
		if (!is_exe && strncmp(base, "libpython3", 10))
			continue;
		ret = detect_in(pid, &maps[i], is_exe, out, err, errlen);
		/* CPython 3.6 and older have no _PyRuntime: known by name, not supported. */
		if (ret == NO_RUNTIME && !is_exe)
			old3 = maps[i].path;
		if (ret == NO_RUNTIME)
			done = maps[i].path;
	}
	if (ret > 0 && (py2 || old3)) {
		old = py2 ? py2 : old3;
		mt_pyproc_name_version(old, &major, &minor);
		mt_set_err(err, errlen,
			"process %d runs CPython %d.%d (%s), which is not supported; supported: 3.10, 3.11, 3.12, 3.13",
			(int)pid, major, minor, old);
		ret = -EPROTONOSUPPORT;
	} else if (ret > 0) {
		mt_set_err(err, errlen,
			"process %d (%s) is not CPython: neither it nor a mapped libpython3 defines _PyRuntime",
			(int)pid, exe);
		ret = -ENOENT;
	}
	mt_proc_maps_free(maps, nmaps);
	free(exe);
	return ret;
}

/* Version from the file alone: Py_Version's initial value in .rodata (3.11+). */
static void file_version(struct pyelf *pe, struct mt_pyproc *p)
{
	uint32_t hex;

	if (pe->has_pyversion && !mt_elf_read(pe->elf, pe->pyversion.vaddr, &hex, sizeof(hex)) &&
	    plausible_hex(hex))
		set_version_hex(p, hex, MT_PYVER_PY_VERSION);
}

/* The first DT_NEEDED libpython of an ELF, into buf ("" if none). */
static void needed_libpython(struct pyelf *pe, char *buf, size_t len)
{
	const struct mt_elf_dyn *dyn = mt_elf_dynamic(pe->elf);

	buf[0] = '\0';
	for (int i = 0; dyn && i < dyn->nneeded && !buf[0]; i++)
		if (!strncmp(dyn->needed[i], "libpython", 9))
			snprintf(buf, len, "%s", dyn->needed[i]);
}

/* An executable without _PyRuntime: the libpython it links, found as ld.so would. */
static int detect_lib(struct pyelf *pe, const char *path, struct mt_pyproc *out, char *err,
		      size_t errlen)
{
	const struct mt_elf_dyn *dyn = mt_elf_dynamic(pe->elf);
	int ret = -ENOENT, major = 0, minor = 0;
	struct mt_lib_needer exe;
	struct pyelf lpe;
	char needed[64], *lib;

	needed_libpython(pe, needed, sizeof(needed));
	if (!needed[0]) {
		mt_set_err(err, errlen,
			"%s is not CPython: it neither defines _PyRuntime nor links libpython", path);
		return -ENOENT;
	}
	if (!strncmp(needed, "libpython2", 10)) {
		mt_set_err(err, errlen, "%s links %s (Python 2): only CPython 3.10+ is supported",
			path, needed);
		return -EPROTONOSUPPORT;
	}
	/* Where ld.so finds it (user/libsearch.c). */
	exe = (struct mt_lib_needer){ path, dyn ? dyn->rpath : NULL, dyn ? dyn->runpath : NULL };
	lib = mt_lib_search(needed, &exe, 1);
	if (!lib) {
		mt_set_err(err, errlen,
			"%s needs %s, which ld.so would not find (runpath, LD_LIBRARY_PATH, ld.so.cache, system directories)",
			path, needed);
		return -ENOENT;
	}
	if (!pyelf_open(lib, &lpe)) {
		if (lpe.has_runtime) {
			fill_static(out, &lpe, lib, lib, true);
			file_version(&lpe, out);
			ret = 0;
		}
		mt_elf_close(lpe.elf);
	}
	/* CPython 3.6 and older have no _PyRuntime: say which version it is. */
	if (ret && !mt_pyproc_name_version(lib, &major, &minor) && major == 3) {
		mt_set_err(err, errlen,
			"CPython %d.%d (%s) is not supported; supported: 3.10, 3.11, 3.12, 3.13",
			major, minor, lib);
		ret = -EPROTONOSUPPORT;
	} else if (ret) {
		mt_set_err(err, errlen, "%s (needed by %s) does not define _PyRuntime", lib, path);
	}
	free(lib);
	return ret;
}

int mt_pyproc_detect_exe(const char *exe, struct mt_pyproc *out, char *err, size_t errlen)
{
	char path[PATH_MAX], *interp;
	struct pyelf pe;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!realpath(exe, path)) {
		ret = -errno;
		mt_set_err(err, errlen, "cannot open %s: %s", exe, strerror(-ret));
		return ret;
	}
	ret = pyelf_open(path, &pe);
	/* "#!/usr/bin/python3.11 -u" or "#!/usr/bin/env python3": the interpreter (user/launch.c). */
	if (ret == -ENOEXEC && (interp = mt_script_interpreter(path))) {
		snprintf(path, sizeof(path), "%s", interp);
		free(interp);
		ret = pyelf_open(path, &pe);
	}
	if (ret) {
		mt_set_err(err, errlen, "%s is not an ELF executable%s", path,
			ret == -ENOEXEC ? "" : " that can be read");
		return ret;
	}
	if (pe.has_runtime) {
		fill_static(out, &pe, path, path, false);
		file_version(&pe, out);
		/* A non-PIE executable (Debian's python3.11) loads where it was linked. */
		if (!mt_elf_is_dyn(pe.elf))
			out->runtime_addr = out->runtime_vaddr;
	} else {
		ret = detect_lib(&pe, path, out, err, errlen);
	}
	mt_elf_close(pe.elf);
	if (ret)
		return ret;
	if (!out->major) {
		mt_set_err(err, errlen,
			"%s has _PyRuntime but neither its name nor its contents tells the Python version",
			out->object);
		return -ENOENT;
	}
	if (out->major != 3) {
		mt_set_err(err, errlen, "%s is Python %d.%d: only CPython 3.10+ is supported",
			out->object, out->major, out->minor);
		return -EPROTONOSUPPORT;
	}
	return 0;
}
