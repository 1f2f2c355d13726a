/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Command line: what the user asked memtrace to do. */
#ifndef MT_ENV_H
#define MT_ENV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct mt_env {
	pid_t pid;           /* -p: attach mode, the first process named */
	pid_t *more_pids;    /* -p given again, or PID,PID: the others */
	size_t nmore_pids, more_pids_cap;
	bool children;       /* follow the processes' new children (launch mode: unless --no-children) */
	bool children_asked; /* --children given: -f is also sought in the programs they exec */
	bool all;            /* -a: every process on the host */
	const char *cgroup;  /* --cgroup PATH: every process in that cgroup v2 directory and below */
	char **specs;        /* -f, in order */
	int nspecs;
	size_t specs_cap;
	double duration;     /* -d SECONDS, 0: until stopped */
	bool json;           /* --json: NDJSON on stdout instead of tables */
	const char *output;  /* -o FILE: NDJSON saved to FILE */
	int verbose;         /* -v, -vv: diagnostics; -vvv adds libbpf's debug output */
	double interval;     /* -i MS, in seconds: time between samples */
	const char *svg;     /* --svg FILE: plot written at the end */
	const char *mprof;   /* --mprof FILE: memory_profiler's format written at the end */
	double every;        /* --every SEC: print the table periodically, 0: never */
	bool exact;          /* --exact: Python through USDT probes (exact calls and lines) */
	bool cxx_noexcept;   /* --cxx-noexcept: no C++ exception passes through the traced functions */
	uint64_t sample_bytes; /* --sample-bytes N: stacks, one sample per N bytes of growth; 0: off */
	const char *folded;  /* --folded FILE: the stacks as folded lines, written at the end */
	const char *pprof;   /* --pprof FILE: the stacks as a gzipped profile.proto, at the end */
	const char *flame;   /* --flame FILE: the stacks as an SVG flame graph, at the end */
	const char *listen;  /* --listen ADDR: serve /metrics and /pprof there (user/http.h) */
	size_t max_series;   /* --max-series N: the most series one /metrics response carries */
	char **cmd;          /* launch mode: the command after -- (NULL-terminated) */
};

/* Stacks' default sampling interval: one sample per 512 KiB of a thread's growth on average. */
#define MT_SAMPLE_BYTES_DEFAULT (512 * 1024)
#define MT_SAMPLE_BYTES_MAX (1ULL << 30)
/* At most a page: every growth event is a sample (MT_SAMPLE_EXACT in bpf/stacks.bpf.c). */
#define MT_SAMPLE_BYTES_EXACT 4096

/* The exit codes of memtrace's own outcomes (launch mode exits with the command's). */
enum { MT_EXIT_OK = 0, MT_EXIT_RUNTIME = 1, MT_EXIT_USAGE = 2 };

/*
 * Parse argv into env. Returns 0 to go on, or an exit code (+1 to signal
 * "done, exit 0" after --help/--version is encoded as -1).
 */
int mt_env_parse(int argc, char **argv, struct mt_env *env);
void mt_env_free(struct mt_env *env);
void mt_usage(FILE *f);

#endif
