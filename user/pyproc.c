// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPython detection. The symbols are read here with libelf rather than
 * through elfsym.c: that module looks up functions, and what we need are
 * data objects (_PyRuntime, Py_Version) and one static buffer that only
 * .symtab names.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "procfs.h"
#include "pyproc.h"
#include "log.h"

#define DELETED_SUFFIX " (deleted)"

struct pyelf {
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;
	bool has_runtime, has_pyversion, has_verstr;
	GElf_Sym runtime;	/* _PyRuntime */
	GElf_Sym pyversion;	/* Py_Version (3.11+) */
	GElf_Sym verstr;	/* Py_GetVersion()'s static buffer: only .symtab names it */
	char needed[64];	/* DT_NEEDED libpython3.X..., "" if none */
	char runpath[PATH_MAX]; /* DT_RUNPATH, else DT_RPATH */
	bool is_runpath;
};

struct mapping {
	uint64_t start, end, pgoff;
	dev_t dev;
	ino_t ino;
	char *path;
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
	if (pe->elf)
		elf_end(pe->elf);
	if (pe->fd >= 0)
		close(pe->fd);
	pe->elf = NULL;
	pe->fd = -1;
}

static bool is_verstr_name(const char *name)
{
	/* GCC names function-local statics "version.0" (or "version.N"). */
	if (strncmp(name, "version", 7) != 0)
		return false;
	if (name[7] == '\0')
		return true;
	if (name[7] != '.')
		return false;
	for (name += 8; *name; name++)
		if (!isdigit((unsigned char)*name))
			return false;
	return true;
}

static void scan_symbols(struct pyelf *pe)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(pe->elf, scn))) {
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			GElf_Sym s;
			const char *name;

			if (!gelf_getsym(data, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
			    GELF_ST_TYPE(s.st_info) != STT_OBJECT)
				continue;
			name = elf_strptr(pe->elf, sh.sh_link, s.st_name);
			if (!name)
				continue;
			if (!pe->has_runtime && strcmp(name, "_PyRuntime") == 0) {
				pe->runtime = s;
				pe->has_runtime = true;
			} else if (!pe->has_pyversion && strcmp(name, "Py_Version") == 0) {
				pe->pyversion = s;
				pe->has_pyversion = true;
			} else if (!pe->has_verstr && sh.sh_type == SHT_SYMTAB &&
				   GELF_ST_BIND(s.st_info) == STB_LOCAL && s.st_size == 250 &&
				   is_verstr_name(name)) {
				/* char version[250] in Python/getversion.c */
				pe->verstr = s;
				pe->has_verstr = true;
			}
		}
	}
}

static void scan_dynamic(struct pyelf *pe)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(pe->elf, scn))) {
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			GElf_Dyn d;
			const char *s;

			if (!gelf_getdyn(data, (int)i, &d))
				continue;
			if (d.d_tag != DT_NEEDED && d.d_tag != DT_RUNPATH && d.d_tag != DT_RPATH)
				continue;
			s = elf_strptr(pe->elf, sh.sh_link, d.d_un.d_val);
			if (!s)
				continue;
			if (d.d_tag == DT_NEEDED) {
				if (!pe->needed[0] && strncmp(s, "libpython", 9) == 0)
					snprintf(pe->needed, sizeof(pe->needed), "%s", s);
			} else if (d.d_tag == DT_RUNPATH || !pe->is_runpath) {
				/* DT_RUNPATH wins: ld.so ignores DT_RPATH when both exist. */
				snprintf(pe->runpath, sizeof(pe->runpath), "%s", s);
				pe->is_runpath = d.d_tag == DT_RUNPATH;
			}
		}
	}
}

static int pyelf_open(const char *path, struct pyelf *pe)
{
	memset(pe, 0, sizeof(*pe));
	pe->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pe->fd < 0)
		return -errno;
	if (elf_version(EV_CURRENT) == EV_NONE)
		goto noexec;
	pe->elf = elf_begin(pe->fd, ELF_C_READ, NULL);
	if (!pe->elf || elf_kind(pe->elf) != ELF_K_ELF || !gelf_getehdr(pe->elf, &pe->ehdr))
		goto noexec;
	scan_symbols(pe);
	scan_dynamic(pe);
	return 0;
noexec:
	pyelf_close(pe);
	return -ENOEXEC;
}

/* File offset of a link-time address, through the PT_LOAD segment holding it. */
static int vaddr_to_off(struct pyelf *pe, uint64_t vaddr, uint64_t len, uint64_t *off)
{
	size_t i, n;

	if (elf_getphdrnum(pe->elf, &n))
		return -ENOEXEC;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(pe->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr + len <= ph.p_vaddr + ph.p_filesz) {
			*off = ph.p_offset + (vaddr - ph.p_vaddr);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Load bias from one mapping of the file: the PT_LOAD whose page-aligned file
 * offset is the mapping's offset was placed at the mapping's start.
 */
static int load_bias(struct pyelf *pe, const struct mapping *m, uint64_t *bias)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
	size_t i, n;

	if (elf_getphdrnum(pe->elf, &n))
		return -ENOEXEC;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(pe->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if ((ph.p_offset & ~(pg - 1)) == m->pgoff) {
			*bias = m->start - (ph.p_vaddr & ~(pg - 1));
			return 0;
		}
	}
	return -ENOENT;
}

static void free_maps(struct mapping *maps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(maps[i].path);
	free(maps);
}

/* File-backed mappings of the process, in address order. */
static int read_maps(pid_t pid, struct mapping **out, size_t *nout)
{
	struct mapping *maps = NULL;
	size_t n = 0, cap = 0;
	char path[64], *line = NULL;
	size_t linecap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (getline(&line, &linecap, f) > 0) {
		unsigned long long start, end, pgoff, inode;
		unsigned int major, minor;
		int pos = 0;
		char *p;

		if (sscanf(line, "%llx-%llx %*s %llx %x:%x %llu %n", &start, &end, &pgoff, &major,
			   &minor, &inode, &pos) < 6 ||
		    !inode || !pos)
			continue;
		p = line + pos;
		p[strcspn(p, "\n")] = '\0';
		if (*p != '/')
			continue;
		if (n == cap) {
			struct mapping *nm;

			cap = cap ? cap * 2 : 64;
			nm = realloc(maps, cap * sizeof(*maps));
			if (!nm)
				goto nomem;
			maps = nm;
		}
		maps[n].start = start;
		maps[n].end = end;
		maps[n].pgoff = pgoff;
		maps[n].dev = makedev(major, minor);
		maps[n].ino = inode;
		maps[n].path = strdup(p);
		if (!maps[n].path)
			goto nomem;
		n++;
	}
	free(line);
	fclose(f);
	*out = maps;
	*nout = n;
	return 0;
nomem:
	free(line);
	fclose(f);
	free_maps(maps, n);
	return -ENOMEM;
}

/*
 * A path from /proc/PID/maps as memtrace can open it: the mapped file
 * itself (mt_proc_object_path: a container's or a chroot's), or through
 * map_files when the file was deleted or replaced since it was mapped.
 */
static void host_path(pid_t pid, const struct mapping *m, char *buf, size_t len)
{
	size_t pl = strlen(m->path), sl = strlen(DELETED_SUFFIX);
	char *host;

	if (pl > sl && strcmp(m->path + pl - sl, DELETED_SUFFIX) == 0) {
		snprintf(buf, len, "/proc/%d/map_files/%llx-%llx", (int)pid,
			 (unsigned long long)m->start, (unsigned long long)m->end);
		return;
	}
	host = mt_proc_object_path(pid, m->path, m->dev, m->ino);
	snprintf(buf, len, "%s", host ? host : "");
	free(host);
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

		if (mt_py_read(pid, pe->pyversion.st_value + p->load_bias, &hex, sizeof(hex)) ==
			    0 &&
		    plausible_hex(hex))
			set_version_hex(p, hex, MT_PYVER_PY_VERSION);
	}
	if (!p->version_hex && pe->has_verstr) {
		char s[32];
		int ma, mi, mc;

		/* Empty until Py_Initialize() ran; then "3.10.13 (main, ...". */
		if (mt_py_read(pid, pe->verstr.st_value + p->load_bias, s, sizeof(s)) == 0) {
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
	p->runtime_vaddr = pe->runtime.st_value;
	p->runtime_size = pe->runtime.st_size;
	p->micro = -1;
	if (mt_pyproc_name_version(object, &p->major, &p->minor) == 0)
		p->version_source = MT_PYVER_NAME;
}

int mt_pyproc_detect(pid_t pid, struct mt_pyproc *out, char *err, size_t errlen)
{
	struct mapping *maps = NULL;
	size_t nmaps = 0, i;
	char exe[PATH_MAX], linkp[64], hpath[PATH_MAX + 64];
	const char *py2 = NULL, *old3 = NULL;
	ssize_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	snprintf(linkp, sizeof(linkp), "/proc/%d/exe", (int)pid);
	n = readlink(linkp, exe, sizeof(exe) - 1);
	if (n < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			ret = -ESRCH;
		mt_set_err(err, errlen, "cannot read %s: %s", linkp, strerror(-ret));
		return ret;
	}
	exe[n] = '\0';
	ret = read_maps(pid, &maps, &nmaps);
	if (ret) {
		mt_set_err(err, errlen, "cannot read /proc/%d/maps: %s", (int)pid, strerror(-ret));
		return ret;
	}

	/*
	 * The executable's own mappings come first when it defines _PyRuntime
	 * (static builds); otherwise the first libpython3.X that does.
	 */
	for (i = 0; i < nmaps; i++) {
		struct mapping *m = &maps[i];
		const char *base = strrchr(m->path, '/') + 1;
		bool is_exe = strcmp(m->path, exe) == 0;
		struct pyelf pe;
		int r;

		if (strncmp(base, "libpython2", 10) == 0 ||
		    (is_exe && strncmp(base, "python2", 7) == 0))
			py2 = m->path;
		if (!is_exe && strncmp(base, "libpython3", 10) != 0)
			continue;
		host_path(pid, m, hpath, sizeof(hpath));
		if (pyelf_open(hpath, &pe))
			continue;
		if (!pe.has_runtime) {
			/* CPython 3.6 and older have no _PyRuntime: known by name, not supported. */
			if (!is_exe)
				old3 = m->path;
			pyelf_close(&pe);
			continue;
		}
		fill_static(out, &pe, m->path, hpath, !is_exe);
		r = load_bias(&pe, m, &out->load_bias);
		if (r) {
			/* Not the mapping of a PT_LOAD start: try this object's next mapping. */
			pyelf_close(&pe);
			memset(out, 0, sizeof(*out));
			continue;
		}
		out->runtime_addr = out->runtime_vaddr + out->load_bias;
		out->pid = pid;
		ret = confirm_version(pid, &pe, out, err, errlen);
		pyelf_close(&pe);
		free_maps(maps, nmaps);
		if (ret)
			return ret;
		if (out->major != 3) {
			mt_set_err(err, errlen, "%s is Python %d.%d, not CPython 3", out->object,
				out->major, out->minor);
			return -EPROTONOSUPPORT;
		}
		return 0;
	}
	if (py2 || old3) {
		int major = 0, minor = 0;

		mt_pyproc_name_version(py2 ? py2 : old3, &major, &minor);
		mt_set_err(err, errlen,
			"process %d runs CPython %d.%d (%s), which is not supported; supported: 3.10, 3.11, 3.12, 3.13",
			(int)pid, major, minor, py2 ? py2 : old3);
		free_maps(maps, nmaps);
		return -EPROTONOSUPPORT;
	}
	free_maps(maps, nmaps);
	mt_set_err(err, errlen,
		"process %d (%s) is not CPython: neither it nor a mapped libpython3 defines _PyRuntime",
		(int)pid, exe);
	return -ENOENT;
}

/* Version from the file alone: Py_Version's initial value in .rodata (3.11+). */
static void file_version(struct pyelf *pe, struct mt_pyproc *p)
{
	uint64_t off;
	uint32_t hex;

	if (!pe->has_pyversion || vaddr_to_off(pe, pe->pyversion.st_value, sizeof(hex), &off))
		return;
	if (pread(pe->fd, &hex, sizeof(hex), (off_t)off) == (ssize_t)sizeof(hex) &&
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

static bool try_dir(const char *dir, size_t dlen, const char *origin, const char *name, char *out,
		    size_t outlen)
{
	char d[PATH_MAX];
	int n;

	if (dlen >= sizeof(d))
		return false;
	memcpy(d, dir, dlen);
	d[dlen] = '\0';
	if (strncmp(d, "$ORIGIN", 7) == 0)
		n = snprintf(out, outlen, "%s%s/%s", origin, d + 7, name);
	else if (strncmp(d, "${ORIGIN}", 9) == 0)
		n = snprintf(out, outlen, "%s%s/%s", origin, d + 9, name);
	else
		n = snprintf(out, outlen, "%s/%s", dlen ? d : ".", name);
	return n > 0 && (size_t)n < outlen && access(out, R_OK) == 0;
}

static bool search_path_list(const char *list, const char *origin, const char *name, char *out,
			     size_t outlen)
{
	const char *p = list;

	while (p && *p) {
		size_t l = strcspn(p, ":");

		if (try_dir(p, l, origin, name, out, outlen))
			return true;
		p += l;
		if (*p == ':')
			p++;
	}
	return false;
}

/* Where ld.so would find a DT_NEEDED libpython (without ld.so.cache, which holds only system dirs). */
static bool find_library(struct pyelf *pe, const char *exe, char *out, size_t outlen)
{
	static const char *const defaults =
		"/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:/lib:/usr/lib:/usr/local/lib";
	char origin[PATH_MAX];
	const char *slash = strrchr(exe, '/');

	snprintf(origin, sizeof(origin), "%.*s", slash ? (int)(slash - exe) : 1, slash ? exe : ".");
	if (!pe->is_runpath && pe->runpath[0] &&
	    search_path_list(pe->runpath, origin, pe->needed, out, outlen))
		return true;
	if (search_path_list(getenv("LD_LIBRARY_PATH"), origin, pe->needed, out, outlen))
		return true;
	if (pe->is_runpath && search_path_list(pe->runpath, origin, pe->needed, out, outlen))
		return true;
	return search_path_list(defaults, origin, pe->needed, out, outlen);
}

int mt_pyproc_detect_exe(const char *exe, struct mt_pyproc *out, char *err, size_t errlen)
{
	char path[PATH_MAX], interp[PATH_MAX], lib[PATH_MAX];
	struct pyelf pe, lpe;
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
		if (pe.ehdr.e_type == ET_EXEC)
			out->runtime_addr = out->runtime_vaddr;
		pyelf_close(&pe);
		goto check;
	}
	if (!pe.needed[0]) {
		pyelf_close(&pe);
		mt_set_err(err, errlen,
			"%s is not CPython: it neither defines _PyRuntime nor links libpython",
			path);
		return -ENOENT;
	}
	if (strncmp(pe.needed, "libpython2", 10) == 0) {
		mt_set_err(err, errlen, "%s links %s (Python 2): only CPython 3.10+ is supported",
			path, pe.needed);
		pyelf_close(&pe);
		return -EPROTONOSUPPORT;
	}
	if (!find_library(&pe, path, lib, sizeof(lib))) {
		mt_set_err(err, errlen,
			"%s needs %s, which was not found in its runpath, LD_LIBRARY_PATH or the default directories",
			path, pe.needed);
		pyelf_close(&pe);
		return -ENOENT;
	}
	pyelf_close(&pe);
	ret = pyelf_open(lib, &lpe);
	if (ret || !lpe.has_runtime) {
		int major = 0, minor = 0;

		if (!ret)
			pyelf_close(&lpe);
		/* CPython 3.6 and older have no _PyRuntime: say which version it is. */
		if (!mt_pyproc_name_version(lib, &major, &minor) && major == 3) {
			mt_set_err(err, errlen,
				"CPython %d.%d (%s) is not supported; supported: 3.10, 3.11, 3.12, 3.13",
				major, minor, lib);
			return -EPROTONOSUPPORT;
		}
		mt_set_err(err, errlen, "%s (needed by %s) does not define _PyRuntime", lib, path);
		return -ENOENT;
	}
	fill_static(out, &lpe, lib, lib, true);
	file_version(&lpe, out);
	pyelf_close(&lpe);
check:
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
