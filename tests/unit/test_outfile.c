// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Output files (user/outfile.c): what may be written, how, and a cut after a write error; escaped messages. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "log.h"
#include "outfile.h"
#include "unit.h"

static char *dir;

static char *in_dir(const char *name)
{
	static char path[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_classify(void)
{
	enum mt_out_kind k;
	char err[512];

	put(in_dir("file"), "x");
	symlink(in_dir("file"), in_dir("link"));
	CHECK_INT(mt_out_classify(in_dir("new"), &k, err, sizeof(err)), 0, "a new name");
	CHECK_INT(k, MT_OUT_NEW, "a new name is NEW");
	CHECK_INT(mt_out_classify(in_dir("file"), &k, err, sizeof(err)), 0, "a regular file");
	CHECK_INT(k, MT_OUT_REGULAR, "a regular file is REGULAR");
	CHECK_INT(mt_out_classify(in_dir("link"), &k, err, sizeof(err)), -ELOOP, "a symbolic link is refused");
	CHECK(strstr(err, "symbolic link") != NULL, "and the reason says so: %s", err);
	CHECK_INT(mt_out_classify(dir, &k, err, sizeof(err)), -EISDIR, "a directory is refused");
	CHECK_INT(mt_out_classify(in_dir("nodir/x"), &k, err, sizeof(err)), -ENOENT, "a missing directory");
	CHECK_INT(mt_out_classify("/dev/null", &k, err, sizeof(err)), 0, "/dev/null");
	CHECK_INT(k, MT_OUT_DEVICE, "/dev/null is a DEVICE");
	CHECK_INT(mt_out_classify("/dev/stdout", &k, err, sizeof(err)), 0, "/dev/stdout");
	CHECK_INT(k, MT_OUT_FD, "/dev/stdout is a descriptor");
	CHECK_INT(mt_out_classify("/dev/fd/7", &k, err, sizeof(err)), 0, "/dev/fd/7");
	CHECK_INT(k, MT_OUT_FD, "/dev/fd/7 is a descriptor");
	CHECK(mt_out_classify("/dev/fd/7x", &k, err, sizeof(err)) || k != MT_OUT_FD,
	      "/dev/fd/7x is just a name, no descriptor");
}

/* An old file of the name, hard-linked elsewhere: replaced, the other name untouched. */
static void test_replace(void)
{
	struct mt_outfile o;
	struct stat st;
	char err[512];

	put(in_dir("victim"), "precious");
	link(in_dir("victim"), in_dir("run.ndjson"));
	CHECK_INT(mt_out_check(&o, in_dir("run.ndjson"), err, sizeof(err)), 0, "check an old file");
	CHECK(o.f == NULL, "nothing is opened or created by the check");
	CHECK_STR(slurp(in_dir("run.ndjson")), "precious", "the old file is still there after the check");
	CHECK_INT(mt_out_create(&o, err, sizeof(err)), 0, "create");
	fputs("{}\n", o.f);
	CHECK_STR(slurp(in_dir("run.ndjson")), "precious", "until its first record is written, the old file stays");
	CHECK_INT(mt_out_publish(&o, err, sizeof(err)), 0, "publish");
	CHECK_INT(mt_out_close(&o, false), 0, "close");
	CHECK_STR(slurp(in_dir("victim")), "precious", "the hard-linked file is untouched");
	CHECK_STR(slurp(in_dir("run.ndjson")), "{}\n", "the new file has the record");
	stat(in_dir("run.ndjson"), &st);
	CHECK_INT(st.st_mode & 07777, 0600, "mode 0600");
	CHECK_INT(st.st_nlink, 1, "a file of its own");

	/* A run that fails: the file it created goes. */
	CHECK_INT(mt_out_check(&o, in_dir("failed.ndjson"), err, sizeof(err)), 0, "check a new name");
	CHECK_INT(mt_out_create(&o, err, sizeof(err)), 0, "create it");
	fputs("{}\n", o.f);
	CHECK_INT(mt_out_publish(&o, err, sizeof(err)), 0, "publish it");
	CHECK(access(in_dir("failed.ndjson"), F_OK) == 0, "there once published");
	mt_out_close(&o, true);
	CHECK(access(in_dir("failed.ndjson"), F_OK) != 0, "removed when the run failed");

	/* Killed before its first record (closed unpublished here): no file, the old one whole. */
	put(in_dir("old.ndjson"), "older run");
	CHECK_INT(mt_out_check(&o, in_dir("old.ndjson"), err, sizeof(err)), 0, "check over an older run");
	CHECK_INT(mt_out_create(&o, err, sizeof(err)), 0, "create over it");
	mt_out_close(&o, false);
	CHECK_STR(slurp(in_dir("old.ndjson")), "older run", "never published: the older run's file as it was");
	CHECK_INT(mt_out_check(&o, in_dir("never.ndjson"), err, sizeof(err)), 0, "check a new name again");
	CHECK_INT(mt_out_create(&o, err, sizeof(err)), 0, "create, never published");
	mt_out_close(&o, false);
	CHECK(access(in_dir("never.ndjson"), F_OK) != 0, "never published: no empty file at the name");
}

/* A file size limit makes writes fail (EFBIG) as a full disk does (ENOSPC). */
static void test_cut(void)
{
	struct rlimit old, lim = { .rlim_cur = 1000, .rlim_max = RLIM_INFINITY };
	const char *rec = "{\"type\":\"call\",\"n\":12345678}\n";
	long whole = 1000 / strlen(rec) * strlen(rec); /* the bytes of the records that fit */
	struct mt_outfile o;
	struct stat st;
	char err[512];
	int i;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim.rlim_max = old.rlim_max;
	setrlimit(RLIMIT_FSIZE, &lim);
	mt_out_check(&o, in_dir("cut.ndjson"), err, sizeof(err));
	CHECK_INT(mt_out_create(&o, err, sizeof(err)), 0, "create");
	CHECK_INT(mt_out_publish(&o, err, sizeof(err)), 0, "publish");
	setvbuf(o.f, NULL, _IOFBF, 64); /* stdio writes in pieces that end mid-record */
	for (i = 0; i < 100 && !ferror(o.f); i++)
		fputs(rec, o.f);
	fflush(o.f);
	CHECK_INT(o.err, -EFBIG, "the write error is kept");
	mt_out_cut(&o);
	fputs(rec, o.f);
	fflush(o.f);
	stat(in_dir("cut.ndjson"), &st);
	CHECK_INT(st.st_size, whole, "cut back to the last whole record");
	CHECK_INT(o.boundary, whole, "the boundary");
	CHECK(mt_out_close(&o, false) != 0, "close reports the error");
	setrlimit(RLIMIT_FSIZE, &old);
	stat(in_dir("cut.ndjson"), &st);
	CHECK_INT(st.st_size, whole, "nothing written after the error, not even by close");
}

static int count_write(const struct mt_outfile *o)
{
	return fputs("<svg/>\n", o->f) < 0 ? -1 : 0;
}

/* Whole files: a temporary name, renamed into place; nothing left on failure. */
static void test_whole(void)
{
	struct mt_outfile o;
	char err[512];
	int before;

	put(in_dir("plot.svg"), "old");
	before = entries();
	CHECK_INT(mt_out_begin(&o, in_dir("plot.svg"), err, sizeof(err)), 0, "begin");
	CHECK_STR(slurp(in_dir("plot.svg")), "old", "the old file stays until the commit");
	CHECK_INT(entries(), before + 1, "a temporary file");
	count_write(&o);
	CHECK_INT(mt_out_commit(&o, err, sizeof(err)), 0, "commit");
	CHECK_STR(slurp(in_dir("plot.svg")), "<svg/>\n", "the new file in place");
	CHECK_INT(entries(), before, "no temporary file left");

	CHECK_INT(mt_out_begin(&o, in_dir("link"), err, sizeof(err)), -ELOOP, "begin on a symbolic link");
	CHECK_INT(entries(), before, "nothing created for it");
	CHECK_INT(mt_out_begin(&o, in_dir("plot.svg"), err, sizeof(err)), 0, "begin, then give up");
	mt_out_close(&o, true);
	CHECK_INT(entries(), before, "the temporary file removed");
}

/* mt_err() to a file: what the terminal would get. */
static void check_message(const char *arg, const char *want, const char *what)
{
	char *path = in_dir("stderr");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), saved = dup(2);

	dup2(fd, 2);
	close(fd);
	mt_err("name '%s'", arg);
	dup2(saved, 2);
	close(saved);
	CHECK_STR(slurp(path), want, what);
}

static void test_messages(void)
{
	check_message("a\x1b[31mb", "memtrace: name 'a\\x1b[31mb'\n", "ESC");
	check_message("a\nb\r\t\x7f", "memtrace: name 'a\\x0ab\\x0d\\x09\\x7f'\n", "newline, CR, tab, DEL");
	check_message("gr\xc3\xb6\xc3\x9f\xe2\x82\xac", "memtrace: name 'gr\xc3\xb6\xc3\x9f\xe2\x82\xac'\n",
		      "valid UTF-8 as it is");
	check_message("\xc2\x9b" "1m", "memtrace: name '\\xc2\\x9b1m'\n", "C1 control CSI in UTF-8");
	check_message("\x9b\xff\xc3", "memtrace: name '\\x9b\\xff\\xc3'\n", "invalid UTF-8");
}

int main(void)
{
	dir = unit_tmpdir("outfile");
	test_classify();
	test_replace();
	test_cut();
	test_whole();
	test_messages();
	return unit_finish(dir);
}
