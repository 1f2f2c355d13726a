// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `memtrace plot`: a saved stream to an SVG plot and/or an mprof file; no root needed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "outfile.h"
#include "plot.h"

static int svg_fn(const void *s, FILE *f)
{
	return mt_plot_svg(s, f);
}

static int mprof_fn(const void *s, FILE *f)
{
	return mt_mprof_write(s, f);
}

int mt_plot_save(const char *path, bool mprof, const struct mt_series *s, char *err, size_t errlen)
{
	return mt_out_whole(path, mprof ? mprof_fn : svg_fn, s, err, errlen);
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
	} else if (svg && mt_plot_save(svg, false, &s, err, sizeof(err))) {
		mt_err("%s", err);
		rc = 1;
	} else if (mprof && mt_plot_save(mprof, true, &s, err, sizeof(err))) {
		mt_err("%s", err);
		rc = 1;
	} else {
		/* Level 0: always shown, and escaped like every message (the names are the user's). */
		mt_info(0, "wrote%s%s%s%s (%zu samples, %zu calls)", svg ? " " : "", svg ? svg : "",
			mprof ? " " : "", mprof ? mprof : "", s.nsamples, s.nspans);
	}
	mt_series_free(&s);
	free(def);
	return rc;
}
