// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `memtrace flame`: a saved stream's stacks to an SVG flame graph; no root needed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "flame.h"
#include "log.h"
#include "series.h"
#include "stream.h"

static void flame_usage(FILE *f)
{
	fputs("Usage: memtrace flame FILE -o OUT.svg [--title TITLE]\n"
	      "\n"
	      "Draw where RSS grew, by call stack, from a saved stream (memtrace -o FILE, or\n"
	      "--json > FILE) as a flame graph: the root at the bottom, each frame as wide as\n"
	      "the RSS growth sampled under it; native code warm, Python blue, unknown grey.\n"
	      "Hover a frame for its bytes. FILE - reads stdin.\n"
	      "\n"
	      "  -o, --output OUT.svg   the SVG to write\n"
	      "      --title TITLE      its heading (default: memtrace: COMMAND (pid N))\n"
	      "  -h, --help             this help\n"
	      "\n"
	      "Example:\n"
	      "  sudo memtrace -p 1234 -d 30 -o run.ndjson\n"
	      "  memtrace flame run.ndjson -o run.svg\n",
	      f);
}

/* What the picture needs of a stream: its stacks, and who ran (for the title). */
struct flame_input {
	struct mt_profile profile;
	struct mt_series info; /* only pid, comm and cmdline */
	bool have_start;
};

static int read_start(struct mt_stream *st, struct flame_input *in)
{
	const char **argv = NULL, *comm;
	int64_t pid;
	int e;

	if (mt_stream_str(st, st->rec, "comm", &comm) ||
	    mt_stream_int(st, st->rec, "pid", 0, INT32_MAX, &pid) ||
	    mt_stream_strings(st, st->rec, "cmdline", &argv))
		return -1;
	e = mt_series_set_info(&in->info, pid, comm, (char *const *)argv, 0);
	free(argv);
	in->have_start = true;
	return e ? mt_stream_bad(st, "out of memory") : 0;
}

/* 0, or -1 after saying why. */
static int read_input(const char *path, struct flame_input *in)
{
	struct mt_stream st;
	int rc;

	if (mt_stream_open(&st, path, NULL, 0))
		return -1;
	while ((rc = mt_stream_next(&st)) > 0) {
		if (st.type == MT_STREAM_REC_START && !in->have_start && read_start(&st, in))
			rc = -1;
		else if (mt_stream_profile(&st, &in->profile))
			rc = -1;
		if (rc < 0)
			break;
	}
	if (!rc && !in->have_start) {
		mt_err("%s: no memtrace records (no \"start\" record) found; is this a memtrace stream?",
		       st.name);
		rc = -1;
	} else if (!rc && !in->profile.nstacks) {
		mt_warn("%s: no \"stack\" records: the run sampled no RSS growth (or ran with stacks off); the picture says so",
			st.name);
	}
	mt_stream_close(&st);
	return rc;
}

/* -o OUT.svg and --title T into *svg and *title: the stream's name, or NULL with *rc set. */
static const char *flame_args(int argc, char **argv, const char **svg, const char **title, int *rc)
{
	enum { OPT_TITLE = 256 };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	opterr = 0;
	optind = 1;
	*rc = 2;
	/* Both options take a value: the loop only stores them. */
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) == 'o' || c == OPT_TITLE)
		*(c == 'o' ? svg : title) = optarg;
	if (c == 'h') {
		flame_usage(stdout);
		*rc = 0;
		return NULL;
	}
	if (c != -1) {
		mt_err("flame: %s '%s'; see 'memtrace flame --help'",
		       c == ':' ? "missing value for" : "unknown option", argv[optind - 1]);
		return NULL;
	}
	if (optind != argc - 1)
		mt_err("flame: name one saved stream (memtrace -o FILE); see 'memtrace flame --help'");
	else if (!*svg)
		mt_err("flame: name the SVG to write with -o OUT.svg; see 'memtrace flame --help'");
	else
		return argv[optind];
	return NULL;
}

int mt_flame_main(int argc, char **argv)
{
	const char *svg = NULL, *title = NULL, *path;
	struct flame_input in = {};
	char err[1024], *def = NULL;
	int rc;

	path = flame_args(argc, argv, &svg, &title, &rc);
	if (!path)
		return rc;
	rc = 1;
	if (read_input(path, &in))
		goto out;
	if (!title)
		title = def = mt_flame_title(in.info.comm, in.info.cmdline, in.info.pid);
	if (mt_flame_write(svg, &in.profile, title, err, sizeof(err))) {
		mt_err("%s", err);
		goto out;
	}
	mt_info(0, "wrote %s (%llu samples, %zu stacks)", svg, (unsigned long long)in.profile.samples,
		in.profile.nstacks);
	rc = 0;
out:
	mt_profile_free(&in.profile);
	mt_series_free(&in.info);
	free(def);
	return rc;
}
