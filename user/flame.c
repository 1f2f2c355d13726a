// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flame graphs of RSS growth (user/flame.h), laid out as flamegraph.pl lays
 * out CPU profiles: the stacks sorted by their frames' names, then swept
 * once, a frame opened where a stack's path leaves the previous stack's and
 * closed where the next one leaves it, so frames of one name along one path
 * become one box as wide as the bytes of all the stacks through it.
 *
 * The sweep runs twice: once to count the frames by width, so that the
 * narrowest can be left out before anything is written when there are more
 * than MT_FLAME_MAX_FRAMES, and once to draw.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "flame.h"
#include "outfile.h"
#include "plot.h"

#define W 1000        /* the RSS plot's width (user/plot.c) */
#define MX 10         /* side margins */
#define MT 76         /* above the frames: title, totals, legend */
#define MB 12
#define FH 16         /* a frame: 15 px of box, 1 px of gap */
#define FONT 11       /* frame labels, as the plot's call labels */
#define CHAR_W 6.6    /* about the width of a character at 11 px, sans-serif */
#define MAX_LABEL 200 /* characters of a name or a file in a tooltip */
#define STEPS 16      /* frame widths are counted in steps of 2^(1/16), about 4.4% */
#define NBUCKETS (64 * STEPS)

/* Under a stack the unwinder could not follow to its root: where its root would be. */
static const struct mt_profile_frame truncated_frame = {
	.func = (char *)"[truncated]",
	.kind = MT_FRAME_UNKNOWN,
};

/* A frame of the path being swept: from start (bytes) until the path leaves it. */
struct open_frame {
	uint32_t id;  /* a frame id; p->nframes is truncated_frame */
	int64_t start;
	bool mixed;   /* merged frames of other files or lines: the tooltip names no line */
};

struct flame {
	const struct mt_profile *p;
	FILE *f;
	uint32_t *rank;    /* frame id (and p->nframes) -> place of its name in name order */
	uint32_t *place;   /* frame id -> its (rank, file, line) in that order: equal where they are */
	size_t *order;     /* the stacks drawn (positive bytes), in path order */
	size_t nstacks;
	size_t maxlen;     /* the longest path */
	int64_t total;     /* bytes of the stacks drawn */
	double scale;      /* pixels per byte */
	int64_t min_bytes; /* narrower frames are not drawn: MT_FLAME_MIN_WIDTH in bytes */
	int min_bucket;    /* nor those of a width_bucket() below it */
	int height;
	/* The counting sweep: frames at least MT_FLAME_MIN_WIDTH wide, by width_bucket(). */
	size_t count[NBUCKETS];
	size_t depth[NBUCKETS];
	size_t drawn, hidden;
};

typedef void (*close_fn)(struct flame *fl, size_t depth, const struct open_frame *o, int64_t end);

static const struct mt_profile_frame *frame_of(const struct flame *fl, uint32_t id)
{
	return id == fl->p->nframes ? &truncated_frame : &fl->p->frames[id];
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

/*
 * What merges: frames of one name and kind (a native function's frames
 * differ in their pc), and for Python the same file too (a qualname is
 * unique only within its module).
 */
static int name_cmp(const struct mt_profile_frame *a, const struct mt_profile_frame *b)
{
	int c = strcmp(a->func, b->func);

	if (c)
		return c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->kind == MT_FRAME_PYTHON ? strcmp(str_or_empty(a->file), str_or_empty(b->file)) : 0;
}

static int by_name(const void *a, const void *b, void *ctx)
{
	const struct flame *fl = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return name_cmp(frame_of(fl, x), frame_of(fl, y));
}

/* Then by file and line: what a tooltip can say of merged frames. */
static int by_place(const void *a, const void *b, void *ctx)
{
	const struct flame *fl = ctx;
	const struct mt_profile_frame *x = frame_of(fl, *(const uint32_t *)a);
	const struct mt_profile_frame *y = frame_of(fl, *(const uint32_t *)b);
	int c = by_name(a, b, ctx);

	if (!c)
		c = strcmp(str_or_empty(x->file), str_or_empty(y->file));
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/*
 * rank[id]: equal for frames that merge, in name order; place[id]: equal
 * for those at one file and line. Strings are compared here once, so the
 * sweep compares integers however long the names a stream holds.
 */
static int rank_frames(struct flame *fl)
{
	size_t n = fl->p->nframes + 1;
	uint32_t *ids = malloc(n * sizeof(*ids));

	fl->rank = malloc(n * sizeof(*fl->rank));
	fl->place = malloc(n * sizeof(*fl->place));
	if (!ids || !fl->rank || !fl->place) {
		free(ids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		ids[i] = i;
	qsort_r(ids, n, sizeof(*ids), by_place, fl);
	for (size_t i = 0, r = 0, pl = 0; i < n; i++) {
		if (i && by_name(&ids[i - 1], &ids[i], fl))
			r++;
		if (i && by_place(&ids[i - 1], &ids[i], fl))
			pl++;
		fl->rank[ids[i]] = r;
		fl->place[ids[i]] = pl;
	}
	free(ids);
	return 0;
}

static size_t path_len(const struct mt_profile_stack *s)
{
	return s->n + s->truncated;
}

/* Element k of a stack's path, root first: [truncated] first where the root is missing. */
static uint32_t path_id(const struct flame *fl, const struct mt_profile_stack *s, size_t k)
{
	if (s->truncated)
		return k ? s->frames[k - 1] : fl->p->nframes;
	return s->frames[k];
}

static int by_path(const void *a, const void *b, void *ctx)
{
	const struct flame *fl = ctx;
	const struct mt_profile_stack *x = &fl->p->stacks[*(const size_t *)a];
	const struct mt_profile_stack *y = &fl->p->stacks[*(const size_t *)b];
	size_t nx = path_len(x), ny = path_len(y);

	for (size_t k = 0; k < nx && k < ny; k++) {
		uint32_t rx = fl->rank[path_id(fl, x, k)], ry = fl->rank[path_id(fl, y, k)];

		if (rx != ry)
			return rx < ry ? -1 : 1;
	}
	return (nx > ny) - (nx < ny);
}

/* The stacks that grew, in path order, and their total (bounded: a profile may hold any sums). */
static int order_stacks(struct flame *fl)
{
	const struct mt_profile *p = fl->p;

	fl->order = malloc((p->nstacks + 1) * sizeof(*fl->order));
	if (!fl->order)
		return -ENOMEM;
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct mt_profile_stack *s = &p->stacks[i];

		if (s->bytes <= 0 || __builtin_add_overflow(fl->total, s->bytes, &fl->total))
			continue;
		fl->order[fl->nstacks++] = i;
		if (path_len(s) > fl->maxlen)
			fl->maxlen = path_len(s);
	}
	qsort_r(fl->order, fl->nstacks, sizeof(*fl->order), by_path, fl);
	return 0;
}

/* Merged frames that differ in file or line keep the name only. */
static void note_merge(const struct flame *fl, struct open_frame *o, uint32_t id)
{
	if (fl->place[o->id] != fl->place[id])
		o->mixed = true;
}

/* Every frame but the root, each once, children before their parent; depth 1 is a root's child. */
static int sweep(struct flame *fl, close_fn close)
{
	struct open_frame *open = calloc(fl->maxlen + 1, sizeof(*open));
	size_t nopen = 0;
	int64_t x = 0;

	if (!open)
		return -ENOMEM;
	for (size_t i = 0; i < fl->nstacks; i++) {
		const struct mt_profile_stack *s = &fl->p->stacks[fl->order[i]];
		size_t len = path_len(s), c = 0;

		for (; c < nopen && c < len && fl->rank[open[c].id] == fl->rank[path_id(fl, s, c)]; c++)
			note_merge(fl, &open[c], path_id(fl, s, c));
		while (nopen > c) {
			nopen--;
			close(fl, nopen + 1, &open[nopen], x);
		}
		for (; nopen < len; nopen++)
			open[nopen] = (struct open_frame){ .id = path_id(fl, s, nopen), .start = x };
		x += s->bytes;
	}
	while (nopen > 0) {
		nopen--;
		close(fl, nopen + 1, &open[nopen], x);
	}
	free(open);
	return 0;
}

/* 16 * log2(bytes): a wider frame never falls in a lower bucket than a narrower one. */
static int width_bucket(int64_t bytes)
{
	int b = (int)(log2((double)bytes) * STEPS);

	return b < 0 ? 0 : b < NBUCKETS ? b : NBUCKETS - 1;
}

static bool drawn(const struct flame *fl, int64_t bytes)
{
	return bytes >= fl->min_bytes && width_bucket(bytes) >= fl->min_bucket;
}

static void count_frame(struct flame *fl, size_t depth, const struct open_frame *o, int64_t end)
{
	int b;

	if (!drawn(fl, end - o->start))
		return;
	b = width_bucket(end - o->start);
	fl->count[b]++;
	if (depth > fl->depth[b])
		fl->depth[b] = depth;
}

/*
 * The narrowest frames drawn: MT_FLAME_MIN_WIDTH, or the widest buckets
 * that hold at most MT_FLAME_MAX_FRAMES frames. A whole bucket is drawn or
 * none of it, so every frame drawn has its parent drawn: a parent is at
 * least as wide as its child. Sets the picture's height from the deepest.
 */
static int pick_min_width(struct flame *fl)
{
	size_t kept = 1, depth = 0; /* the root */
	int b;

	fl->min_bytes = (int64_t)ceil(MT_FLAME_MIN_WIDTH / fl->scale);
	if (sweep(fl, count_frame))
		return -ENOMEM;
	for (b = NBUCKETS - 1; b >= 0 && kept + fl->count[b] <= MT_FLAME_MAX_FRAMES; b--) {
		kept += fl->count[b];
		if (fl->depth[b] > depth)
			depth = fl->depth[b];
	}
	fl->min_bucket = b + 1;
	fl->height = MT + (int)(depth + 1) * FH + MB;
	return 0;
}

/* "12.3 MiB", "4.0 KiB", "512 B". */
static const char *fmt_bytes(char *buf, size_t len, int64_t bytes)
{
	if (bytes >= INT64_C(1) << 30)
		snprintf(buf, len, "%.2f GiB", bytes / 1073741824.0);
	else if (bytes >= INT64_C(1) << 20)
		snprintf(buf, len, "%.1f MiB", bytes / 1048576.0);
	else if (bytes >= 1024)
		snprintf(buf, len, "%.1f KiB", bytes / 1024.0);
	else
		snprintf(buf, len, "%lld B", (long long)bytes);
	return buf;
}

/* Of the first 64 bytes: enough to tell names apart, and a box's cost stays bounded. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (int i = 0; s[i] && i < 64; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/*
 * flamegraph.pl's colours: warm for native code, blue for Python, grey
 * where no function is known; varied by the name, so one function keeps its
 * colour from box to box and picture to picture.
 */
static void frame_color(char *buf, size_t len, const struct mt_profile_frame *fr)
{
	uint32_t h = name_hash(fr->func);
	unsigned v1 = h & 0xff, v2 = (h >> 8) & 0xff, v3 = (h >> 16) & 0xff;
	unsigned char r, g, b;

	if (fr->kind == MT_FRAME_PYTHON) {
		r = 80 + v1 * 50 / 255;
		g = 150 + v2 * 50 / 255;
		b = 215 + v3 * 40 / 255;
	} else if (fr->kind == MT_FRAME_NATIVE) {
		r = 205 + v1 * 50 / 255;
		g = v2 * 230 / 255;
		b = v3 * 55 / 255;
	} else {
		r = g = b = 180 + v1 * 30 / 255;
	}
	snprintf(buf, len, "#%02x%02x%02x", r, g, b);
}

/* "func (file:line) — 12.3 MiB, 45.6%" */
static void tooltip(struct flame *fl, const struct mt_profile_frame *fr, bool mixed, int64_t bytes)
{
	const char *where = fr->file ? fr->file : fr->object;
	char size[32];

	fputs("<title>", fl->f);
	mt_xml_text(fl->f, fr->func, MAX_LABEL);
	if (where) {
		fputs(" (", fl->f);
		mt_xml_text(fl->f, where, MAX_LABEL);
		if (fr->file && fr->line && !mixed)
			fprintf(fl->f, ":%u", fr->line);
		fputs(")", fl->f);
	}
	fprintf(fl->f, " \xe2\x80\x94 %s, %.1f%%</title>", fmt_bytes(size, sizeof(size), bytes),
		100.0 * bytes / fl->total);
}

/* One frame: its tooltip, its box, and its name where it fits (cut with ".." where it partly does). */
static void put_frame(struct flame *fl, size_t depth, const struct mt_profile_frame *fr, bool mixed,
		      int64_t start, int64_t bytes, const char *fill)
{
	double x = MX + start * fl->scale, w = bytes * fl->scale;
	double y = fl->height - MB - (double)(depth + 1) * FH;
	double chars = (w - 6) / CHAR_W;

	fputs("<g>", fl->f);
	tooltip(fl, fr, mixed, bytes);
	fprintf(fl->f, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%d\" rx=\"2\" fill=\"%s\"/>",
		x, y, w, FH - 1, fill);
	if (chars >= 3) {
		fprintf(fl->f, "<text x=\"%.1f\" y=\"%.0f\">", x + 3, y + FH - 4);
		mt_xml_text(fl->f, fr->func, (size_t)chars);
		fputs("</text>", fl->f);
	}
	fputs("</g>\n", fl->f);
}

/* The narrowest width drawn, in pixels, for the picture's note. */
static double min_px(const struct flame *fl)
{
	double bucket = exp2((double)fl->min_bucket / STEPS);

	return (bucket > fl->min_bytes ? bucket : fl->min_bytes) * fl->scale;
}

static void draw_frame(struct flame *fl, size_t depth, const struct open_frame *o, int64_t end)
{
	const struct mt_profile_frame *fr = frame_of(fl, o->id);
	char fill[32];

	if (!drawn(fl, end - o->start) || fl->drawn >= MT_FLAME_MAX_FRAMES) {
		fl->hidden++;
		return;
	}
	fl->drawn++;
	frame_color(fill, sizeof(fill), fr);
	put_frame(fl, depth, fr, o->mixed, o->start, end - o->start, fill);
}

static void legend_entry(FILE *f, int x, const char *fill, const char *what)
{
	fprintf(f, "<rect x=\"%d\" y=\"52\" width=\"14\" height=\"12\" rx=\"2\" fill=\"%s\"/><text x=\"%d\" y=\"62\">%s</text>\n",
		x, fill, x + 18, what);
}

/* Title, totals, sampling interval, the colours' legend and what was left out. */
static void header(struct flame *fl, const char *title)
{
	const struct mt_profile *p = fl->p;
	FILE *f = fl->f;
	char size[32];

	fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"15\" font-weight=\"bold\">", MX);
	mt_xml_text(f, title ? title : "memtrace", (W - 2 * MX) / 9);
	fprintf(f, "</text>\n<g font-size=\"12\" fill=\"#333\">\n<text x=\"%d\" y=\"44\">", MX);
	fprintf(f, "RSS growth by call stack: %s in %llu sample%s", fmt_bytes(size, sizeof(size), fl->total),
		(unsigned long long)p->samples, p->samples == 1 ? "" : "s");
	if (p->sample_bytes > 4096)
		fprintf(f, ", one per %s of growth on average", fmt_bytes(size, sizeof(size), p->sample_bytes));
	else if (p->sample_bytes > 0)
		fputs(", every increase sampled", f);
	fputs("</text>\n", f);
	legend_entry(f, MX, "rgb(230,115,27)", "native");
	legend_entry(f, MX + 70, "rgb(105,175,235)", "Python");
	legend_entry(f, MX + 140, "rgb(195,195,195)", "unknown, [truncated]");
	if (fl->hidden)
		fprintf(f, "<text x=\"%d\" y=\"62\" text-anchor=\"end\">%zu frames narrower than %.2g px not drawn</text>\n",
			W - MX, fl->hidden, min_px(fl));
	fputs("</g>\n", f);
}

static int draw(struct flame *fl, const char *title)
{
	static const struct mt_profile_frame all = { .func = (char *)"all", .kind = MT_FRAME_UNKNOWN };
	FILE *f = fl->f;
	int e;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n",
		W, fl->height, W, fl->height);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", W, fl->height);
	if (!fl->total) {
		header(fl, title);
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"15\" fill=\"#666\" text-anchor=\"middle\">no RSS growth sampled</text>\n",
			W / 2, MT + 30);
		fprintf(f, "</svg>\n");
		return 0;
	}
	fprintf(f, "<g font-size=\"%d\" fill=\"#000\">\n", FONT);
	put_frame(fl, 0, &all, false, 0, fl->total, "#e8e0d0");
	e = sweep(fl, draw_frame);
	fputs("</g>\n", f);
	/* Last: only now is it known how many frames were left out. */
	header(fl, title);
	fprintf(f, "</svg>\n");
	return e;
}

int mt_flame_svg(const struct mt_profile *p, const char *title, FILE *f)
{
	struct flame fl = { .p = p, .f = f, .height = MT + 60 + MB };
	int e = rank_frames(&fl);

	if (!e)
		e = order_stacks(&fl);
	if (!e && fl.total) {
		fl.scale = (double)(W - 2 * MX) / fl.total;
		e = pick_min_width(&fl);
	}
	if (!e)
		e = draw(&fl, title);
	free(fl.rank);
	free(fl.place);
	free(fl.order);
	return e || ferror(f) ? -1 : 0;
}

struct flame_job {
	const struct mt_profile *p;
	const char *title;
};

static int flame_fn(const void *ctx, FILE *f)
{
	const struct flame_job *job = ctx;

	return mt_flame_svg(job->p, job->title, f);
}

int mt_flame_write(const char *path, const struct mt_profile *p, const char *title, char *err,
		   size_t errlen)
{
	struct flame_job job = { p, title };

	return mt_out_whole(path, flame_fn, &job, err, errlen);
}

char *mt_flame_title(const char *comm, const char *cmdline, pid_t pid)
{
	char *title;

	if (asprintf(&title, "memtrace: %s (pid %d)", cmdline && *cmdline ? cmdline : comm ? comm : "?",
		     (int)pid) < 0)
		return NULL;
	return title;
}
