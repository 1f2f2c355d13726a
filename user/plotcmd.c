// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `memtrace plot`: a saved stream to an SVG plot and/or an mprof file; no root needed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "plot.h"

int mt_write_file(const char *path, int (*fn)(const struct mt_series *, FILE *),
		  const struct mt_series *s, char *err, size_t errlen)
{
	char *tmp;
	FILE *f;
	int e = 0;

	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return -ENOMEM;
	f = fopen(tmp, "we");
	if (!f) {
		e = -errno;
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return e;
	}
	if (fn(s, f) || fflush(f) || ferror(f))
		e = -(errno ? errno : EIO);
	if (fclose(f) && !e)
		e = -errno;
	if (!e && rename(tmp, path))
		e = -errno;
	if (e) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-e));
		unlink(tmp);
	}
	free(tmp);
	return e;
}

static void plot_usage(FILE *f)
{
	fputs("Usage: memtrace plot FILE [-o OUT.svg] [--mprof OUT.dat]\n"
	      "\n"
	      "Draw RSS over time from a saved stream (memtrace -o FILE, or --json > FILE):\n"
	      "the RSS curve with anon and file beneath it, peaks between samples (which\n"
	      "polling tools miss), each traced call as a bracket, and the overall peak.\n"
	      "\n"
	      "  -o, --output OUT.svg   the SVG to write (default: FILE with .svg)\n"
	      "      --mprof OUT.dat    also write memory_profiler's mprofile format, for\n"
	      "                         'mprof plot OUT.dat'\n"
	      "  -h, --help             this help\n"
	      "\n"
	      "Example:\n"
	      "  sudo memtrace -p 1234 -f parse -d 30 -o run.ndjson\n"
	      "  memtrace plot run.ndjson -o run.svg\n",
	      f);
}

/* FILE.ndjson -> FILE.svg */
static char *default_svg(const char *in)
{
	const char *dot = strrchr(in, '.'), *slash = strrchr(in, '/');
	size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - in) : strlen(in);
	char *out;

	if (asprintf(&out, "%.*s.svg", (int)stem, in) < 0)
		return NULL;
	return out;
}

int mt_plot_main(int argc, char **argv)
{
	enum { OPT_MPROF = 256 };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "mprof", required_argument, NULL, OPT_MPROF },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *svg = NULL, *mprof = NULL;
	char err[1024], *def = NULL;
	struct mt_series s = {};
	int c, rc = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			svg = optarg;
			break;
		case OPT_MPROF:
			mprof = optarg;
			break;
		case 'h':
			plot_usage(stdout);
			return 0;
		default:
			mt_err("plot: %s '%s'; see 'memtrace plot --help'",
			       c == ':' ? "missing value for" : "unknown option", argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		mt_err("plot: name one saved stream (memtrace -o FILE); see 'memtrace plot --help'");
		return 2;
	}
	if (!svg && !mprof) {
		svg = def = default_svg(argv[optind]);
		if (!def)
			return 1;
	}
	if (mt_series_read(argv[optind], &s, err, sizeof(err))) {
		mt_err("%s", err);
		rc = 1;
	} else if (svg && mt_write_file(svg, mt_plot_svg, &s, err, sizeof(err))) {
		mt_err("%s", err);
		rc = 1;
	} else if (mprof && mt_write_file(mprof, mt_mprof_write, &s, err, sizeof(err))) {
		mt_err("%s", err);
		rc = 1;
	} else {
		fprintf(stderr, "memtrace: wrote%s%s%s%s (%zu samples, %zu calls)\n", svg ? " " : "",
			svg ? svg : "", mprof ? " " : "", mprof ? mprof : "", s.nsamples, s.nspans);
	}
	mt_series_free(&s);
	free(def);
	return rc;
}
