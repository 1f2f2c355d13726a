// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RSS over time as a self-contained SVG (no fonts, scripts or links), in
 * the manner of `mprof plot`: the RSS curve, anon and file beneath it, the
 * kernel-side peaks between samples, each traced call as a bracket over
 * the memory it spanned (dotted and lighter where frame walking only
 * observed the function at memory changes), and the overall peak marked.
 * With several processes, the other processes' RSS beside the first's: a
 * curve each for the largest by peak, the rest counted.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plot.h"
#include "utf8.h"

#define W 1000
#define H 560
#define ML 80  /* margins: room for the axis labels */
#define MR 30
#define MT 70
#define MB 60
#define MAX_SPANS 400 /* beyond this the plot is unreadable: keep the largest */

static const char *const palette[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
};
#define NPAL (sizeof(palette) / sizeof(palette[0]))

/* The other processes' curves: darker than the calls' colours, none black (the first's RSS). */
static const char *const proc_palette[] = {
	"#e6550d", "#3182bd", "#31a354", "#756bb1", "#843c39", "#e7298a", "#bd9e39", "#7b4173",
};
#define NPROC_PAL (sizeof(proc_palette) / sizeof(proc_palette[0]))
#define MAX_CURVES 8 /* process curves drawn, the first process's included */

/* The other processes' curves drawn, largest peak first, and how many were not. */
struct drawn {
	const struct mt_curve *v[MAX_CURVES]; /* -a, --cgroup: all of them another process's */
	size_t n, left_out;
};

struct frame {
	double tmax, ymax; /* seconds, MiB */
};

static double mib(int64_t b)
{
	return b / 1048576.0;
}

/*
 * Coordinates are doubles, clamped to a few canvases around the picture: a
 * value far outside the frame (a saved stream may hold any) still draws at
 * its edge and prints as a short number.
 */
static double clamp_px(double v, int size)
{
	if (!(v > -10.0 * size)) /* also NaN */
		return -10.0 * size;
	return v < 10.0 * size ? v : 10.0 * size;
}

static double px(const struct frame *fr, double t)
{
	return clamp_px(ML + (W - ML - MR) * (fr->tmax > 0 ? t / fr->tmax : 0), W);
}

static double py(const struct frame *fr, double m)
{
	return clamp_px(H - MB - (H - MT - MB) * (fr->ymax > 0 ? m / fr->ymax : 0), H);
}

/* One character of s as XML text (f NULL: only skipped over); returns what follows it. */
static const char *xml_char(FILE *f, const char *s)
{
	const char *esc = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" :
			  *s == '"' ? "&quot;" : NULL;
	size_t n = mt_utf8_len((const unsigned char *)s);

	/* Control bytes are not allowed in XML 1.0 at all. */
	if (!esc && (unsigned char)*s < 0x20 && *s != '\t')
		esc = "?";
	/* Nor is invalid UTF-8: a name from a target may be any bytes. */
	if (!esc && !n)
		esc = "\xef\xbf\xbd"; /* U+FFFD */
	if (f && esc)
		fputs(esc, f);
	else if (f)
		fwrite(s, 1, n, f);
	return s + (n ? n : 1);
}

void mt_xml_text(FILE *f, const char *s, size_t max)
{
	const char *p = s;
	size_t n = 0;

	/* Counted first, only as far as max: a name may be megabytes long. */
	for (; p && *p && n <= max; n++)
		p = xml_char(NULL, p);
	if (n > max)
		max = max > 2 ? max - 2 : 0;
	for (p = s, n = 0; p && *p && n < max; n++)
		p = xml_char(f, p);
	if (p && *p)
		fputs("..", f);
}

/* Ticks drawn per axis at most, whatever the step came out as. */
#define MAX_TICKS 20

/*
 * 1, 2 or 5 times a power of ten, so about n ticks fit in span; span itself
 * where that is no number (a span too small for a power of ten: denormals).
 */
static double nice_step(double span, int n)
{
	double raw = span / n, p = pow(10, floor(log10(raw))), m = raw / p;
	double step = (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;

	return isfinite(step) && step > 0 ? step : span;
}

static void axes(FILE *f, const struct frame *fr)
{
	double xs = nice_step(fr->tmax, 8), ys = nice_step(fr->ymax, 6), y, t;
	int i;

	fprintf(f, "<g font-size=\"12\" fill=\"#333\" stroke=\"none\">\n");
	for (i = 0, y = 0; i < MAX_TICKS && y <= fr->ymax + 1e-9; i++, y = i * ys) {
		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n", ML,
			W - MR, py(fr, y), py(fr, y));
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", ML - 6,
			py(fr, y) + 4, y);
	}
	for (i = 0, t = 0; i < MAX_TICKS && t <= fr->tmax + 1e-9; i++, t = i * xs)
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", px(fr, t),
			H - MB + 18, t);
	fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", ML, W - MR,
		H - MB, H - MB);
	fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", ML, ML, MT,
		H - MB);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (in seconds)</text>\n",
		(W + ML - MR) / 2, H - 18);
	fprintf(f, "<text transform=\"translate(22 %d) rotate(-90)\" text-anchor=\"middle\">memory used (in MiB)</text>\n",
		(H + MT - MB) / 2);
	fprintf(f, "</g>\n");
}

enum curve { CURVE_RSS, CURVE_ANON, CURVE_FILE };

static int64_t curve_value(const struct mt_sample *m, enum curve c)
{
	return c == CURVE_ANON ? m->anon : c == CURVE_FILE ? m->file : m->rss;
}

static void polyline(FILE *f, const struct mt_sample *v, size_t n, const struct frame *fr,
		     enum curve c, const char *color, double width)
{
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%g\" points=\"", color,
		width);
	for (size_t i = 0; i < n; i++) {
		const struct mt_sample *m = &v[i];

		fprintf(f, "%.1f,%.1f ", px(fr, m->t), py(fr, mib(curve_value(m, c))));
	}
	fprintf(f, "\"/>\n");
}

/* Kernel-side peaks above the sampled curve: spikes polling would have missed. */
static void peak_marks(FILE *f, const struct mt_series *s, const struct frame *fr)
{
	fprintf(f, "<g stroke=\"#d62728\" stroke-width=\"1.2\" opacity=\"0.7\">\n");
	for (size_t i = 0; i < s->nsamples; i++) {
		const struct mt_sample *m = &s->samples[i];
		int64_t prev = i ? s->samples[i - 1].rss : m->rss;
		int64_t hi = prev > m->rss ? prev : m->rss;

		/* More than 64 KiB above, compared in double: hi + 65536 could overflow. */
		if (mib(m->peak) - mib(hi) > 1.0 / 16)
			fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n", px(fr, m->t),
				px(fr, m->t), py(fr, mib(hi)), py(fr, mib(m->peak)));
	}
	fprintf(f, "</g>\n");
}

/* The first process's: file and anon beneath its RSS, and its peaks between samples. */
static void first_curves(FILE *f, const struct mt_series *s, const struct frame *fr)
{
	polyline(f, s->samples, s->nsamples, fr, CURVE_FILE, "#6ab04c", 1.5);
	polyline(f, s->samples, s->nsamples, fr, CURVE_ANON, "#4a90d9", 1.5);
	polyline(f, s->samples, s->nsamples, fr, CURVE_RSS, "#000", 2);
	peak_marks(f, s, fr);
}

/* Largest first, then longest, then first in the array: a total order, as qsort needs. */
static int by_size_desc(const void *a, const void *b)
{
	const struct mt_span *x = *(const struct mt_span *const *)a, *y = *(const struct mt_span *const *)b;
	int c = mt_span_cmp_size(x, y);

	return c ? c : (x > y) - (x < y);
}

/* How a span's bracket is dashed: an open call, or a stretch only observed. */
static const char *span_dash(const struct mt_span *sp)
{
	if (sp->observed)
		return " stroke-dasharray=\"1.5 2.5\" stroke-opacity=\"0.8\"";
	return sp->open ? " stroke-dasharray=\"4 3\"" : "";
}

static const char *span_note(const struct mt_span *sp)
{
	if (sp->observed)
		return sp->open ? " (observed, open)" : " (observed)";
	return sp->open ? " (open)" : "";
}

/* Each call: a bracket from entry to return, spanning the memory it went through. */
static size_t spans(FILE *f, const struct mt_series *s, const struct frame *fr)
{
	const struct mt_span **order = calloc(s->nspans ? s->nspans : 1, sizeof(*order));
	size_t n = s->nspans < MAX_SPANS ? s->nspans : MAX_SPANS;

	if (!order)
		return 0;
	for (size_t i = 0; i < s->nspans; i++)
		order[i] = &s->spans[i];
	if (s->nspans > MAX_SPANS)
		qsort(order, s->nspans, sizeof(*order), by_size_desc);
	fprintf(f, "<g stroke-width=\"1.5\" font-size=\"11\">\n");
	for (size_t i = 0; i < n; i++) {
		const struct mt_span *sp = order[i];
		const char *c = palette[sp->func % NPAL];
		double x0 = px(fr, sp->t0), x1 = px(fr, sp->t1);
		double ylo = py(fr, mib(sp->rss_entry < sp->rss_exit ? sp->rss_entry : sp->rss_exit));
		double yhi = py(fr, mib(sp->rss_peak)) - 3;

		if (x1 - x0 < 2)
			x1 = x0 + 2;
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" fill-opacity=\"%s\" stroke=\"none\"/>\n",
			x0, yhi, x1 - x0, ylo - yhi > 1 ? ylo - yhi : 1, c,
			sp->observed ? "0.06" : "0.12");
		/* "[" at entry, "]" at return, joined at the peak: mprof's brackets, with the peak. */
		fprintf(f, "<path fill=\"none\" stroke=\"%s\" d=\"M%.1f %.1f V%.1f H%.1f V%.1f\"%s/>\n", c,
			x0, ylo, yhi, x1, py(fr, mib(sp->rss_exit)), span_dash(sp));
		if (x1 - x0 > 40 || s->nspans <= 12) {
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">", x0 + 2, yhi - 3, c);
			mt_xml_text(f, s->funcs[sp->func], SIZE_MAX);
			fprintf(f, "%s</text>\n", span_note(sp));
		}
	}
	fprintf(f, "</g>\n");
	free(order);
	return s->nspans - n;
}

static bool any_observed(const struct mt_series *s)
{
	for (size_t i = 0; i < s->nspans; i++)
		if (s->spans[i].observed)
			return true;
	return false;
}

/* The first process's curves: RSS, anon, file, its peaks between samples; returns where they end. */
static size_t first_legend(FILE *f)
{
	size_t x = ML;

	fprintf(f, "<line x1=\"%zu\" x2=\"%zu\" y1=\"50\" y2=\"50\" stroke=\"#000\" stroke-width=\"2\"/><text x=\"%zu\" y=\"54\">RSS</text>\n",
		x, x + 20, x + 24);
	x += 70;
	fprintf(f, "<line x1=\"%zu\" x2=\"%zu\" y1=\"50\" y2=\"50\" stroke=\"#4a90d9\" stroke-width=\"1.5\"/><text x=\"%zu\" y=\"54\">anon</text>\n",
		x, x + 20, x + 24);
	x += 70;
	fprintf(f, "<line x1=\"%zu\" x2=\"%zu\" y1=\"50\" y2=\"50\" stroke=\"#6ab04c\" stroke-width=\"1.5\"/><text x=\"%zu\" y=\"54\">file</text>\n",
		x, x + 20, x + 24);
	x += 60;
	fprintf(f, "<line x1=\"%zu\" x2=\"%zu\" y1=\"44\" y2=\"56\" stroke=\"#d62728\" stroke-width=\"1.2\"/><text x=\"%zu\" y=\"54\">peak between samples</text>\n",
		x + 10, x + 10, x + 24);
	return x + 170;
}

static void legend(FILE *f, const struct mt_series *s, size_t hidden)
{
	/* -a, --cgroup: no first process; the others' curves are named in curves_legend(). */
	size_t x = ML;

	fprintf(f, "<g font-size=\"12\">\n");
	if (s->pid)
		x = first_legend(f);
	/* Entries past the right edge would not show: a stream may name a million functions. */
	for (size_t i = 0; i < s->nfuncs && x < W; i++) {
		fprintf(f, "<rect x=\"%zu\" y=\"44\" width=\"14\" height=\"12\" fill=\"%s\" fill-opacity=\"0.3\" stroke=\"%s\"/><text x=\"%zu\" y=\"54\">",
			x, palette[i % NPAL], palette[i % NPAL], x + 18);
		mt_xml_text(f, s->funcs[i], SIZE_MAX);
		fprintf(f, "</text>\n");
		x += 30 + 7 * strnlen(s->funcs[i], W);
	}
	/* Frame walking sees memory changes, not calls: its brackets say so. */
	if (any_observed(s))
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#666\">dotted: observed (first to last memory change seen inside)</text>\n",
			ML + 6, MT - 2);
	if (hidden)
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#666\">%zu smaller calls not drawn</text>\n",
			W - MR - 200, MT + 14, hidden);
	fprintf(f, "</g>\n");
}

static int by_peak_desc(const void *a, const void *b)
{
	const struct mt_curve *x = *(const struct mt_curve *const *)a;
	const struct mt_curve *y = *(const struct mt_curve *const *)b;

	if (x->peak != y->peak)
		return x->peak < y->peak ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The other processes to draw: the largest by peak, in the room the first process's curve leaves. */
static void pick_curves(const struct mt_series *s, struct drawn *d)
{
	const struct mt_curve **all = calloc(s->ncurves ? s->ncurves : 1, sizeof(*all));
	size_t n = 0, room = MAX_CURVES - (s->pid ? 1 : 0);

	for (size_t i = 0; i < s->ncurves; i++)
		if (s->curves[i].nsamples && all)
			all[n++] = &s->curves[i];
		else if (s->curves[i].nsamples)
			d->left_out++;
	qsort(all, n, sizeof(*all), by_peak_desc);
	d->n = n < room ? n : room;
	memcpy(d->v, all, d->n * sizeof(*all));
	d->left_out += n - d->n;
	free(all);
}

static void curve_label(FILE *f, int y, const char *color, const char *comm, pid_t pid)
{
	fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">",
		ML + 10, ML + 28, y - 4, y - 4, color, ML + 32, y);
	/* A comm is the process's to set: escaped like every name. */
	mt_xml_text(f, comm && *comm ? comm : "?", 16);
	fprintf(f, " [%d]</text>\n", (int)pid);
}

/* Who each curve is: "comm [pid]", at the plot's top left over a pale ground. */
static void curves_legend(FILE *f, const struct mt_series *s, const struct drawn *d)
{
	size_t rows = d->n + (s->pid ? 1 : 0) + (d->left_out ? 1 : 0);
	int y = MT + 14;

	fprintf(f, "<g font-size=\"11\">\n<rect x=\"%d\" y=\"%d\" width=\"190\" height=\"%zu\" fill=\"#fff\" fill-opacity=\"0.8\"/>\n",
		ML + 6, MT + 2, rows * 14 + 4);
	if (s->pid) {
		curve_label(f, y, "#000", s->comm, s->pid);
		y += 14;
	}
	for (size_t i = 0; i < d->n; i++, y += 14)
		curve_label(f, y, proc_palette[i % NPROC_PAL], d->v[i]->comm, d->v[i]->pid);
	if (d->left_out)
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#666\">%zu more process%s not drawn</text>\n",
			ML + 10, y, d->left_out, d->left_out == 1 ? "" : "es");
	fprintf(f, "</g>\n");
}

/* The frame: every curve drawn fits in it, with room above the highest. */
static struct frame frame_of(const struct mt_series *s, const struct drawn *d)
{
	struct frame fr = { .tmax = s->duration, .ymax = mib(s->peak_rss) };

	for (size_t i = 0; i < s->nsamples; i++)
		if (s->samples[i].t > fr.tmax)
			fr.tmax = s->samples[i].t;
	for (size_t i = 0; i < d->n; i++)
		if (mib(d->v[i]->peak) > fr.ymax)
			fr.ymax = mib(d->v[i]->peak);
	if (fr.tmax <= 0)
		fr.tmax = 1;
	fr.ymax = fr.ymax > 0 ? fr.ymax * 1.12 : 1;
	return fr;
}

static void title(FILE *f, const struct mt_series *s, const struct drawn *d)
{
	fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"15\" font-weight=\"bold\">memtrace: ", ML);
	/* -a, --cgroup: no first process, only the others. */
	if (!s->pid) {
		fprintf(f, "%zu processes sampled</text>\n", d->n + d->left_out);
		return;
	}
	mt_xml_text(f, s->cmdline && *s->cmdline ? s->cmdline : s->comm, SIZE_MAX);
	fprintf(f, " (pid %d)</text>\n", (int)s->pid);
}

int mt_plot_svg(const struct mt_series *s, FILE *f)
{
	struct drawn d = {};
	struct frame fr;
	size_t hidden;

	pick_curves(s, &d);
	fr = frame_of(s, &d);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n",
		W, H, W, H);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", W, H);
	title(f, s, &d);
	axes(f, &fr);
	hidden = spans(f, s, &fr);
	for (size_t i = d.n; i-- > 0;)
		polyline(f, d.v[i]->samples, d.v[i]->nsamples, &fr, CURVE_RSS,
			 proc_palette[i % NPROC_PAL], 1.5);
	if (s->pid)
		first_curves(f, s, &fr);
	if (s->pid && s->peak_rss > 0) {
		double x = px(&fr, s->peak_t), y = py(&fr, mib(s->peak_rss));

		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#d62728\"/>\n", x, y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"#d62728\" text-anchor=\"%s\">peak %.2f MiB</text>\n",
			x + (x > W / 2 ? -8 : 8), y - 6, x > W / 2 ? "end" : "start", mib(s->peak_rss));
	}
	legend(f, s, hidden);
	if (d.n || d.left_out)
		curves_legend(f, s, &d);
	fprintf(f, "</svg>\n");
	return ferror(f) ? -1 : 0;
}
