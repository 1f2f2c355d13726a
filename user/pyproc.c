// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* CPython detection: the data symbols of the interpreter's ELF (user/elfsym.c). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "elfsym.h"
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

static void pyelf_close(struct pyelf *pe)
{
	mt_elf_close(pe->elf);
	pe->elf = NULL;
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
	pyelf_close(&pe);
	return ret;
}

/* Reads /proc/PID/<what> failed: -ESRCH for a process that is gone. */
static int proc_failed(pid_t pid, const char *what, int ret, char *err, size_t errlen)
{
	ret = ret == -ENOENT ? -ESRCH : ret;
	mt_set_err(err, errlen, "cannot read /proc/%d/%s: %s", (int)pid, what, strerror(-ret));
	return ret;
}

int mt_pyproc_detect(pid_t pid, struct mt_pyproc *out, char *err, size_t errlen)
{
	const char *py2 = NULL, *old3 = NULL, *base, *old;
	struct mt_map *maps = NULL;
	size_t nmaps = 0, i;
	int ret, major = 0, minor = 0;
	bool is_exe, deleted;
	char *exe;

	memset(out, 0, sizeof(*out));
	exe = mt_proc_exe(pid, &deleted, &ret);
	if (!exe)
		return proc_failed(pid, "exe", ret, err, errlen);
	ret = mt_proc_maps(pid, &maps, &nmaps);
	if (ret) {
		free(exe);
		return proc_failed(pid, "maps", ret, err, errlen);
	}
	/*
	 * The executable's own mappings come first when it defines _PyRuntime
	 * (static builds); otherwise the first libpython3.X that does.
	 */
	for (i = 0, ret = NOT_HERE; i < nmaps && ret > 0; i++) {
		if (!mt_map_is_file(&maps[i]))
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

/* "#!/usr/bin/python3.11 -u" or "#!/usr/bin/env python3": the interpreter to look at. */
static int shebang(const char *path, char *interp, size_t len)
{
	char buf[256], *p, *arg;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return -ENOEXEC;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	for (p = buf + 2; *p == ' ' || *p == '\t'; p++)
		;
	arg = p + strcspn(p, " \t");
	if (*arg)
		*arg++ = '\0';
	while (*arg == ' ' || *arg == '\t')
		arg++;
	arg[strcspn(arg, " \t")] = '\0';
	if (strcmp(strrchr(p, '/') ? strrchr(p, '/') + 1 : p, "env") == 0 && *arg && *arg != '-') {
		const char *path_env = getenv("PATH");
		char *dirs, *d, *save = NULL;

		if (!path_env)
			path_env = "/usr/local/bin:/usr/bin:/bin";
		dirs = strdup(path_env);
		if (!dirs)
			return -ENOMEM;
		for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			snprintf(interp, len, "%s/%s", d, arg);
			if (access(interp, X_OK) == 0) {
				free(dirs);
				return 0;
			}
		}
		free(dirs);
		return -ENOENT;
	}
	snprintf(interp, len, "%s", p);
	return 0;
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

/* Where ld.so finds the executable's DT_NEEDED name (user/libsearch.c); malloc'd or NULL. */
static char *find_library(struct pyelf *pe, const char *exe, const char *name)
{
	const struct mt_elf_dyn *dyn = mt_elf_dynamic(pe->elf);
	struct mt_lib_needer me = { exe, dyn ? dyn->rpath : NULL, dyn ? dyn->runpath : NULL };

	return mt_lib_search(name, &me, 1);
}

/* An executable without _PyRuntime: the libpython it links, found as ld.so would. */
static int detect_lib(struct pyelf *pe, const char *path, struct mt_pyproc *out, char *err,
		      size_t errlen)
{
	int ret = -ENOENT, major = 0, minor = 0;
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
	lib = find_library(pe, path, needed);
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
		pyelf_close(&lpe);
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
	char path[PATH_MAX], interp[PATH_MAX];
	struct pyelf pe;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!realpath(exe, path)) {
		ret = -errno;
		mt_set_err(err, errlen, "cannot open %s: %s", exe, strerror(-ret));
		return ret;
	}
	ret = pyelf_open(path, &pe);
	if (ret == -ENOEXEC && shebang(path, interp, sizeof(interp)) == 0) {
		if (!realpath(interp, path)) {
			ret = -errno;
			mt_set_err(err, errlen,
				"%s names the interpreter %s, which cannot be opened: %s", exe,
				interp, strerror(-ret));
			return ret;
		}
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
	pyelf_close(&pe);
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
