// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPython detection, offsets and code resolution against real interpreters:
 * each installed one runs a script parked in known functions at known lines
 * (two threads), and the test reads it from outside. The expected values
 * come from the target itself (code object ids, co_lines(), thread idents,
 * ptrace's fs_base) and from marker comments in the script, never from the
 * code under test. Interpreters that are not installed are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pycode.h"
#include "pyoffsets.h"
#include "pyproc.h"
#include "unit.h"

struct interp {
	const char *bin;
	int minor, micro;
	const char *object;		    /* ELF expected to hold _PyRuntime */
	enum mt_pyver_source attach_source; /* strongest version evidence expected when attached */
};

static const struct interp interps[] = {
	{ "/root/.pyenv/versions/3.10.13/bin/python3.10", 10, 13,
	  "/root/.pyenv/versions/3.10.13/lib/libpython3.10.so.1.0", MT_PYVER_VERSION_STR },
	{ "/root/.pyenv/versions/3.11.7/bin/python3.11", 11, 7,
	  "/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0", MT_PYVER_PY_VERSION },
	{ "/root/.pyenv/versions/3.12.1/bin/python3.12", 12, 1,
	  "/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0", MT_PYVER_PY_VERSION },
	{ "/root/.pyenv/versions/3.13.0/bin/python3.13", 13, 0,
	  "/root/.pyenv/versions/3.13.0/lib/libpython3.13.so.1.0", MT_PYVER_DEBUG_OFFSETS },
	{ "/usr/bin/python3.11", 11, 2, "/usr/bin/python3.11", MT_PYVER_PY_VERSION },
};

/* Lines carrying "# MARK name" are found by name, so the script can change freely. */
static const char script[] =
	"import sys, threading, time\n"
	"\n"
	"def target_func():\n"
	"    while True:\n"
	"        time.sleep(3600)  # MARK target\n"
	"\n"
	"def other_func(ev):\n"
	"    ev.set()\n"
	"    while True:\n"
	"        time.sleep(3600)  # MARK other\n"
	"\n"
	"class Box:\n"
	"    def method(self):\n"
	"        x = 1\n"
	"        target_func()  # MARK method\n"
	"\n"
	"# Large and negative line steps: 3.10 splits them into zero-width pairs,\n"
	"# 3.11+ into multi-byte varints.\n"
	"BIG = ('def big(n):\\n    t = 0\\n' + '\\n' * 300 + '    for i in range(n):\\n'\n"
	"       + '        t += i\\n' + '\\n' * 5000 + '    return t\\n')\n"
	"ns = {}\n"
	"exec(compile(BIG, '<big>', 'exec'), ns)\n"
	"\n"
	"def dump(label, co):\n"
	"    out = ['code %s %d' % (label, id(co))]\n"
	"    for start, end, line in co.co_lines():\n"
	"        out.append('range %d %d %d' % (start, end, -1 if line is None else line))\n"
	"    return out\n"
	"\n"
	"ev = threading.Event()\n"
	"th = threading.Thread(target=other_func, args=(ev,), daemon=True)\n"
	"th.start()\n"
	"ev.wait()\n"
	"out = []\n"
	"for label, co in (('target_func', target_func.__code__), ('method', Box.method.__code__),\n"
	"                  ('module', sys._getframe().f_code), ('big', ns['big'].__code__)):\n"
	"    out += dump(label, co)\n"
	"out.append('ident %d %d' % (threading.get_ident(), th.ident))\n"
	"out.append('native %d %d' % (threading.get_native_id(), th.native_id))\n"
	"out.append('ready')\n"
	"sys.stdout.write('\\n'.join(out) + '\\n')\n"
	"sys.stdout.flush()\n"
	"Box().method()  # MARK module\n";

/* CHECK_STR / CHECK_INT with the interpreter version (v, in scope) in front of the label. */
#define VCHECK(check, got, want, what)                                                             \
	do {                                                                                       \
		char vw_[160];                                                                     \
		snprintf(vw_, sizeof(vw_), "%s: %s", v, what);                                     \
		check(got, want, vw_);                                                             \
	} while (0)
#define VCHECK_STR(got, want, what) VCHECK(CHECK_STR, got, want, what)
#define VCHECK_INT(got, want, what) VCHECK(CHECK_INT, got, want, what)

static char tmpdir[] = "/tmp/mt_pycode.XXXXXX";
/* Non-ASCII directory: co_filename becomes a 2-byte-kind str (λ), not compact ASCII. */
static char script_dir[256], script_path[300];

static int mark_line(const char *name)
{
	char tag[64];
	const char *p, *hit;
	int line = 1;

	snprintf(tag, sizeof(tag), "# MARK %s\n", name);
	hit = strstr(script, tag);
	if (!hit)
		return -1;
	for (p = script; p < hit; p++)
		line += *p == '\n';
	return line;
}

struct range {
	int start, end, line;
};

struct code_dump {
	char label[32];
	uint64_t addr;
	struct range *r;
	int nr;
};

struct target {
	pid_t pid;
	int fd; /* the target's stdout */
	char buf[4096];
	size_t used;
	struct code_dump codes[8];
	int ncodes;
	uint64_t ident_main, ident_worker;
	long native_main, native_worker;
};

static int write_script(void)
{
	FILE *f;

	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(script_dir, sizeof(script_dir), "%s/\xc3\xa9-\xce\xbb", tmpdir);
	if (mkdir(script_dir, 0755))
		return -1;
	snprintf(script_path, sizeof(script_path), "%s/target.py", script_dir);
	f = fopen(script_path, "w");
	if (!f)
		return -1;
	fputs(script, f);
	return fclose(f);
}

static void cleanup_script(void)
{
	unlink(script_path);
	rmdir(script_dir);
	rmdir(tmpdir);
}

/* A line of the target's stdout (without the newline), waiting at most timeout_ms for it. */
static char *read_line(struct target *t, char *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
	char *nl;
	ssize_t n;
	size_t l;

	while (!(nl = memchr(t->buf, '\n', t->used))) {
		if (t->used == sizeof(t->buf) || poll(&pfd, 1, timeout_ms) <= 0)
			return NULL;
		n = read(t->fd, t->buf + t->used, sizeof(t->buf) - t->used);
		if (n <= 0)
			return NULL;
		t->used += (size_t)n;
	}
	l = (size_t)(nl - t->buf) < len ? (size_t)(nl - t->buf) : len - 1;
	memcpy(buf, t->buf, l);
	buf[l] = '\0';
	t->used -= (size_t)(nl + 1 - t->buf);
	memmove(t->buf, nl + 1, t->used);
	return buf;
}

static int start_target(const char *bin, struct target *t)
{
	int pfd[2];
	char line[256];

	memset(t, 0, sizeof(*t));
	if (pipe(pfd))
		return -1;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		/* UTF-8 file names decode as text, not as surrogate escapes, in any locale. */
		setenv("LC_ALL", "C.UTF-8", 1);
		setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
		execl(bin, bin, "-I", script_path, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	t->fd = pfd[0];
	while (read_line(t, line, sizeof(line), 20000)) {
		struct code_dump *c = t->ncodes ? &t->codes[t->ncodes - 1] : NULL;
		unsigned long long a, b;
		struct range r;
		char label[32];

		if (strcmp(line, "ready") == 0)
			return 0;
		if (sscanf(line, "code %31s %llu", label, &a) == 2 && t->ncodes < 8) {
			c = &t->codes[t->ncodes++];
			snprintf(c->label, sizeof(c->label), "%s", label);
			c->addr = a;
		} else if (sscanf(line, "range %d %d %d", &r.start, &r.end, &r.line) == 3 && c) {
			struct range *nr = realloc(c->r, (size_t)(c->nr + 1) * sizeof(*nr));

			if (!nr)
				return -1;
			c->r = nr;
			c->r[c->nr++] = r;
		} else if (sscanf(line, "ident %llu %llu", &a, &b) == 2) {
			t->ident_main = a;
			t->ident_worker = b;
		} else {
			sscanf(line, "native %ld %ld", &t->native_main, &t->native_worker);
		}
	}
	return -1;
}

static void stop_target(struct target *t)
{
	int i;

	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	if (t->fd > 0)
		close(t->fd);
	for (i = 0; i < t->ncodes; i++)
		free(t->codes[i].r);
	memset(t, 0, sizeof(*t));
}

/* fs_base of one thread, through ptrace: what BPF reads as task->thread.fsbase. */
static int thread_fsbase(pid_t tid, uint64_t *fsbase)
{
	struct user_regs_struct regs;
	int st, ret = -1;

	if (ptrace(PTRACE_SEIZE, tid, 0, 0))
		return -1;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) == 0 && waitpid(tid, &st, __WALL) == tid &&
	    ptrace(PTRACE_GETREGS, tid, 0, &regs) == 0) {
		*fsbase = regs.fs_base;
		ret = 0;
	}
	ptrace(PTRACE_DETACH, tid, 0, 0);
	return ret;
}

static const struct mt_py_thread *thread_by_ident(const struct mt_py_thread *th, int n,
						  uint64_t ident)
{
	int i;

	for (i = 0; i < n; i++)
		if (th[i].thread_id == ident)
			return &th[i];
	return NULL;
}

static void check_code_dumps(const char *v, struct mt_pycode_cache *cache, const struct target *t)
{
	int i, j;

	VCHECK_INT(t->ncodes, 4, "code objects dumped by the target");
	for (i = 0; i < t->ncodes; i++) {
		const struct code_dump *c = &t->codes[i];
		const struct mt_pycode *pc = NULL;
		int ret = mt_pycode_read(cache, c->addr, &pc), checked = 0, wrong = 0, off;
		char what[96];

		snprintf(what, sizeof(what), "%s: resolve %s at 0x%llx", v, c->label,
			 (unsigned long long)c->addr);
		CHECK(ret == 0, "%s: %s", what, ret ? strerror(-ret) : "ok");
		if (ret)
			continue;
		for (j = 0; j < c->nr; j++) {
			for (off = c->r[j].start; off < c->r[j].end; off += MT_PY_CODEUNIT) {
				int got = mt_pycode_line(pc, off / MT_PY_CODEUNIT);

				checked++;
				if (got != c->r[j].line && wrong++ < 3)
					printf("# %s %s: offset %d: line %d, co_lines() says %d\n",
					       v, c->label, off, got, c->r[j].line);
			}
		}
		CHECK(checked > 0 && wrong == 0,
		      "%s: %s: %d of %d instruction offsets give co_lines()' line", v, c->label,
		      checked - wrong, checked);
		if (strcmp(c->label, "big") == 0) {
			VCHECK_STR(pc->filename, "<big>", "big: co_filename");
			VCHECK_STR(pc->name, "big", "big: co_name");
		} else if (strcmp(c->label, "module") == 0) {
			VCHECK_STR(pc->name, "<module>", "module: co_name");
			VCHECK_STR(pc->filename, script_path, "module: co_filename (non-ASCII)");
		}
	}
}

static void check_frames(const char *v, const struct interp *in, struct mt_pycode_cache *cache,
			 const struct mt_py_offsets *off, const struct mt_pyproc *p,
			 const struct target *t)
{
	static struct mt_py_thread th[8];
	const struct mt_py_thread *m = NULL, *w = NULL;
	const struct mt_pycode *pc;
	int n = 0, tries, line, i;
	char what[64];

	/* The main thread reaches target_func's sleep right after "ready": wait for it. */
	for (tries = 0; tries < 200; tries++) {
		n = mt_py_threads(t->pid, p->runtime_addr, off, th, 8);
		m = n > 0 ? thread_by_ident(th, n, t->ident_main) : NULL;
		if (m && m->nframes > 0 &&
		    mt_pycode_resolve(cache, m->frames[0].code, m->frames[0].instr, &pc, &line) ==
			    0 &&
		    strcmp(pc->name, "target_func") == 0 && line == mark_line("target"))
			break;
		usleep(10000);
	}
	VCHECK_INT(n, 2, "threads found by walking the thread states");
	m = thread_by_ident(th, n, t->ident_main);
	w = thread_by_ident(th, n, t->ident_worker);
	CHECK(m && w, "%s: thread_id matches threading.get_ident() of both threads", v);
	if (!m || !w)
		return;

	/* Main thread: target_func <- Box.method <- <module>, shims skipped. */
	VCHECK_INT(m->nframes, 3, "main thread: Python frames");
	{
		static const char *const names[] = { "target_func", "method", "<module>" };
		static const char *const quals[] = { "target_func", "Box.method", "<module>" };
		static const char *const marks[] = { "target", "method", "module" };

		for (i = 0; i < 3 && i < m->nframes; i++) {
			int ret = mt_pycode_resolve(cache, m->frames[i].code, m->frames[i].instr,
						    &pc, &line);

			snprintf(what, sizeof(what), "%s: main frame %d", v, i);
			CHECK(ret == 0, "%s resolves", what);
			if (ret)
				continue;
			snprintf(what, sizeof(what), "main frame %d: co_name", i);
			VCHECK_STR(pc->name, names[i], what);
			snprintf(what, sizeof(what), "main frame %d: co_qualname", i);
			VCHECK_STR(pc->qualname, in->minor >= 11 ? quals[i] : names[i], what);
			snprintf(what, sizeof(what), "main frame %d: co_filename", i);
			VCHECK_STR(pc->filename, script_path, what);
			snprintf(what, sizeof(what), "main frame %d: line", i);
			VCHECK_INT(line, mark_line(marks[i]), what);
		}
	}
	CHECK(w->nframes >= 1, "%s: worker thread has Python frames (%d)", v, w->nframes);
	if (w->nframes >= 1 &&
	    mt_pycode_resolve(cache, w->frames[0].code, w->frames[0].instr, &pc, &line) == 0) {
		VCHECK_STR(pc->name, "other_func", "worker innermost co_name");
		VCHECK_INT(line, mark_line("other"), "worker innermost line");
		/* threading's bootstrap frames above it, in threading.py */
		CHECK(w->nframes >= 2 &&
			      mt_pycode_read(cache, w->frames[w->nframes - 1].code, &pc) == 0 &&
			      strstr(pc->filename, "threading.py"),
		      "%s: worker outermost frame is in threading.py", v);
	}
	if (in->minor >= 11) {
		VCHECK_INT(m->native_tid, t->native_main, "main native_thread_id");
		VCHECK_INT(w->native_tid, t->native_worker, "worker native_thread_id");
	} else {
		VCHECK_INT(m->native_tid, -1, "3.10 has no native_thread_id");
	}
	/* The BPF walker finds its thread by fsbase == pthread_self() == thread_id. */
	{
		uint64_t fs_m = 0, fs_w = 0;

		CHECK(thread_fsbase((pid_t)t->native_main, &fs_m) == 0 &&
			      thread_fsbase((pid_t)t->native_worker, &fs_w) == 0,
		      "%s: ptrace reads both threads' fs_base", v);
		CHECK(fs_m == m->thread_id && fs_w == w->thread_id,
		      "%s: fs_base == thread_id (main 0x%llx/0x%llx, worker 0x%llx/0x%llx)", v,
		      (unsigned long long)fs_m, (unsigned long long)m->thread_id,
		      (unsigned long long)fs_w, (unsigned long long)w->thread_id);
	}
}

static void test_interp(const struct interp *in)
{
	struct mt_pycode_cache *cache = NULL;
	struct mt_py_offsets off;
	struct mt_pyproc p;
	struct target t = { 0 };
	char err[512], note[512], v[32];
	int ret;

	snprintf(v, sizeof(v), "3.%d.%d", in->minor, in->micro);
	if (access(in->bin, X_OK)) {
		printf("# skip %s: %s not installed\n", v, in->bin);
		return;
	}
	printf("# %s (%s)\n", v, in->bin);

	/* Launch mode: the executable alone. */
	ret = mt_pyproc_detect_exe(in->bin, &p, err, sizeof(err));
	CHECK(ret == 0, "%s: detect_exe: %s", v, ret ? err : "ok");
	if (!ret) {
		CHECK(p.major == 3 && p.minor == in->minor, "%s: detect_exe version %d.%d", v,
		      p.major, p.minor);
		VCHECK_STR(p.object, in->object, "detect_exe: object with _PyRuntime");
		CHECK(strcmp(in->bin, in->object) ? p.runtime_addr == 0
						  : p.runtime_addr == p.runtime_vaddr,
		      "%s: detect_exe knows _PyRuntime's address only for a non-PIE executable", v);
		if (in->minor >= 11)
			CHECK(p.micro == in->micro && p.version_source == MT_PYVER_PY_VERSION,
			      "%s: detect_exe micro %d from Py_Version in the file", v, p.micro);
	}

	/* Launch mode through a "#!" line, as for "memtrace -- ./app.py". */
	{
		char sb[sizeof(tmpdir) + 16];
		FILE *f;

		snprintf(sb, sizeof(sb), "%s/shebang", tmpdir);
		f = fopen(sb, "w");
		if (f) {
			fprintf(f, "#!%s -u\nprint('hi')\n", in->bin);
			fclose(f);
		}
		ret = mt_pyproc_detect_exe(sb, &p, err, sizeof(err));
		CHECK(ret == 0 && p.minor == in->minor && strcmp(p.object, in->object) == 0,
		      "%s: detect_exe follows #!%s -u: %s", v, in->bin, ret ? err : p.object);
		unlink(sb);
	}

	if (start_target(in->bin, &t)) {
		CHECK(0, "%s: target script starts and reports ready", v);
		stop_target(&t);
		return;
	}

	/* Attach mode. */
	ret = mt_pyproc_detect(t.pid, &p, err, sizeof(err));
	CHECK(ret == 0, "%s: detect: %s", v, ret ? err : "ok");
	if (ret)
		goto out;
	CHECK(p.major == 3 && p.minor == in->minor && p.micro == in->micro,
	      "%s: detect version %d.%d.%d", v, p.major, p.minor, p.micro);
	VCHECK_INT(p.version_source, in->attach_source,
		   "version confirmed from memory by the expected source");
	VCHECK_STR(p.object, in->object, "detect: object with _PyRuntime");
	CHECK(p.runtime_addr && p.runtime_addr == p.runtime_vaddr + p.load_bias,
	      "%s: _PyRuntime at 0x%llx", v, (unsigned long long)p.runtime_addr);

	ret = mt_py_offsets_for(&p, &off, note, sizeof(note), err, sizeof(err));
	CHECK(ret == 0, "%s: offsets: %s", v, ret ? err : note);
	if (ret)
		goto out;
	if (in->minor >= 13)
		CHECK(strstr(note, "confirmed by the target's _Py_DebugOffsets"), "%s: %s", v,
		      note);

	{
		uint64_t main_thread = 0;

		/* The main thread as _PyRuntime records it (runtime_main_thread). */
		CHECK(mt_py_read(t.pid, p.runtime_addr + off.runtime_main_thread, &main_thread,
				 8) == 0 &&
			      main_thread == t.ident_main,
		      "%s: _PyRuntime.main_thread is the main thread's ident (0x%llx)", v,
		      (unsigned long long)main_thread);
	}

	ret = mt_pycode_cache_new(t.pid, &off, &cache);
	CHECK(ret == 0, "%s: code cache", v);
	if (ret)
		goto out;
	check_code_dumps(v, cache, &t);
	check_frames(v, in, cache, &off, &p, &t);
	/* The same address again comes from the cache and is still the same code. */
	if (t.ncodes) {
		const struct mt_pycode *a = NULL, *b = NULL;

		mt_pycode_read(cache, t.codes[0].addr, &a);
		mt_pycode_read(cache, t.codes[0].addr, &b);
		CHECK(a && a == b && mt_pycode_check(cache, t.codes[0].addr) == 0,
		      "%s: cached code stays valid", v);
	}
out:
	mt_pycode_cache_free(cache);
	stop_target(&t);
}

static void test_decoders(void)
{
	/* 3.10: (4 bytes, +1), (0 bytes, +127), (2 bytes, +3), (2 bytes, no line) */
	static const uint8_t t310[] = { 4, 1, 0, 127, 2, 3, 2, 0x80 };
	/* 3.11: one-line form +1 over 2 units; long form -3 over 1 unit; no-location over 1 unit */
	static const uint8_t t311[] = {
		0x80 | (11 << 3) | 1, 4, 8, 0x80 | (14 << 3) | 0, 7, 0, 1, 1, 0x80 | (15 << 3) | 0
	};

	CHECK_INT(mt_py_addr2line_310(t310, sizeof(t310), 10, -2), 10,
		  "3.10: before the first instruction");
	CHECK_INT(mt_py_addr2line_310(t310, sizeof(t310), 10, 2), 11, "3.10: first range");
	CHECK_INT(mt_py_addr2line_310(t310, sizeof(t310), 10, 4), 141,
		  "3.10: zero-width pair still moves the line");
	CHECK_INT(mt_py_addr2line_310(t310, sizeof(t310), 10, 6), -1, "3.10: -128 is no line");
	CHECK_INT(mt_py_addr2line_310(t310, sizeof(t310), 10, 8), -1, "3.10: past the end");
	CHECK_INT(mt_py_addr2line_311(t311, sizeof(t311), 10, 2), 11, "3.11: one-line form");
	CHECK_INT(mt_py_addr2line_311(t311, sizeof(t311), 10, 4), 8,
		  "3.11: long form, negative varint");
	CHECK_INT(mt_py_addr2line_311(t311, sizeof(t311), 10, 6), -1, "3.11: no location");
	CHECK_INT(mt_py_addr2line_311(t311, sizeof(t311), 10, 8), -1, "3.11: past the end");
	/* FNV-1a 64 of "a", a published test vector */
	CHECK(mt_py_name_hash("a") == 0xaf63dc4c8601ec8cULL, "FNV-1a(\"a\")");
	CHECK(mt_py_name_hash("") == 0 && mt_py_name_hash("caf\xc3\xa9") == 0,
	      "unhashable names give 0");
}

static void test_match_build(void)
{
	static const char *const names[] = { "f", "g", "f", "f" };
	static const char *const files[] = { NULL, "a.py", "dir/b.py", "b.py" };
	struct mt_py_match m[4];
	char longname[MT_PY_NAME_MAX + 1];
	const char *bad_names[1] = { longname };
	int bad = -2, ret;

	ret = mt_py_match_build(names, files, 4, m, &bad);
	CHECK(ret == 0, "match table for f, a.py:g, dir/b.py:f, b.py:f");
	/* f's chain: the longest suffix first, the unfiltered one last */
	CHECK(m[2].head && !m[0].head && !m[3].head && m[1].head,
	      "one head per name (the most specific)");
	CHECK(m[2].filter.next == 3 && m[3].filter.next == 0 && m[0].filter.next == -1 &&
		      m[1].filter.next == -1,
	      "same-name chain dir/b.py -> b.py -> any file");
	CHECK(m[0].hash == m[2].hash && m[0].hash == mt_py_name_hash("f") && m[1].hash != m[0].hash,
	      "hashes are the names'");
	CHECK(m[1].filter.suffix_len == 4 && memcmp(m[1].filter.suffix, "a.py", 4) == 0 &&
		      m[0].filter.suffix_len == 0,
	      "file filters");
	memset(longname, 'x', MT_PY_NAME_MAX);
	longname[MT_PY_NAME_MAX] = '\0';
	CHECK(mt_py_match_build(bad_names, NULL, 1, m, &bad) == -EINVAL && bad == 0,
	      "a name of MT_PY_NAME_MAX bytes cannot be matched in BPF");
}

static void test_not_python(void)
{
	struct mt_pyproc p;
	char err[512];
	int ret;

	ret = mt_pyproc_detect(getpid(), &p, err, sizeof(err));
	CHECK(ret == -ENOENT, "this test is not CPython: %s", err);
	ret = mt_pyproc_detect_exe("/bin/sh", &p, err, sizeof(err));
	CHECK(ret == -ENOENT, "/bin/sh is not CPython: %s", err);
	CHECK(mt_py_table_find(3, 9, 0) == NULL && mt_py_table_find(3, 12, 7) != NULL,
	      "tables: none for 3.9, the closest micro for 3.12.7");
}

int main(void)
{
	size_t i, found = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_decoders();
	test_match_build();
	test_not_python();
	for (i = 0; i < sizeof(interps) / sizeof(interps[0]); i++)
		found += access(interps[i].bin, X_OK) == 0;
	if (!found) {
		printf("SKIP: no CPython 3.10-3.13 interpreter installed\n");
		return 2;
	}
	if (write_script()) {
		CHECK(0, "write the target script in %s: %s", tmpdir, strerror(errno));
		return unit_done();
	}
	for (i = 0; i < sizeof(interps) / sizeof(interps[0]); i++)
		test_interp(&interps[i]);
	cleanup_script();
	return unit_done();
}
