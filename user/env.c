// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Command-line parsing; every mistake is a one-line message and exit code 2. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "env.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "report.h"
#include "spec.h"
#include "memtrace.h"

void mt_usage(FILE *f)
{
	fputs("Usage: memtrace [OPTIONS] -p PID[,PID...] [--children] [-f FUNC...]\n"
	      "       memtrace [OPTIONS] [-f FUNC...] -- COMMAND [ARGS...]\n"
	      "       memtrace [OPTIONS] -a | --cgroup PATH [-f FUNC...]\n"
	      "       memtrace report [--bytes] FILE\n"
	      "       memtrace plot FILE [-o OUT.svg] [--mprof OUT.dat]\n"
	      "\n"
	      "Attribute the memory growth (RSS) of a process to the functions that caused it,\n"
	      "with eBPF: no code changes, no restart, near-zero overhead. Tracing ends on\n"
	      "Ctrl-C, SIGTERM, -d, or the target's exit; memtrace then prints, per function,\n"
	      "calls, total growth, largest growth in one call, largest peak inside one call,\n"
	      "the growth caused by the calling thread itself and what the calls left\n"
	      "behind once their frames were gone (Retained), and detaches. With no -f, and\n"
	      "with -f too, it also samples where the process grows by call stack.\n"
	      "\n"
	      "Targets:\n"
	      "  -p, --pid PID          attach to a running process; repeat, or PID,PID, for\n"
	      "                         several\n"
	      "      --children         with -p: also trace the processes' children, those\n"
	      "                         running and those forked from now on. With -p or a\n"
	      "                         command: a -f function the first program lacks is\n"
	      "                         looked for in each program the processes exec\n"
	      "  -a, --all              trace every process on the host (until Ctrl-C or -d)\n"
	      "      --cgroup PATH      trace every process in a cgroup v2 directory and\n"
	      "                         below it (a container, a systemd service)\n"
	      "  -- COMMAND [ARGS...]   launch COMMAND and trace it from its first instruction;\n"
	      "                         memtrace then exits with the command's exit status.\n"
	      "                         Its stdout stays the command's own: tables go to\n"
	      "                         stderr, the stream to -o FILE. When tracing stops\n"
	      "                         first (-d), the results print at once and the\n"
	      "                         command runs on, untraced, to its end. Its children\n"
	      "                         (fork, exec) are traced too\n"
	      "      --no-children      with a COMMAND: trace the command's process alone\n"
	      "  -f, --func FUNC        function to trace; repeat for several. FUNC is NAME\n"
	      "                         (searched in the executable, then its shared objects)\n"
	      "                         or OBJECT:NAME (libc.so.6:malloc, /path/to/lib.so:f).\n"
	      "                         In a Python process NAME is a Python function\n"
	      "                         (FILE.py:NAME for one file), unless the interpreter\n"
	      "                         itself has a native function of that name.\n"
	      "                         C++ functions by plain name (ns::f) or signature\n"
	      "      --cxx-noexcept     trace C++ code although it uses exceptions: you assert\n"
	      "                         none passes through a traced function (one would end\n"
	      "                         the process: the kernel's return probe hides the\n"
	      "                         frame from the unwinder)\n"
	      "\n"
	      "Python:\n"
	      "      --exact            exact calls and memory_profiler's Occurrences through\n"
	      "                         CPython's USDT probes (Debian's python3.11 has them);\n"
	      "                         costs about 1 us on every Python call while tracing.\n"
	      "                         Default: walk the interpreter's frames only when\n"
	      "                         memory changes (no cost otherwise; calls and\n"
	      "                         occurrences then show as '-')\n"
	      "\n"
	      "Stacks:\n"
	      "      --sample-bytes N   take a call stack once per N bytes of a thread's RSS\n"
	      "                         growth on average (random intervals, so a periodic\n"
	      "                         pattern is not missed); each sample stands for the\n"
	      "                         bytes its thread grew since its previous one. K, M, G\n"
	      "                         suffixes (KiB, MiB, GiB); 1 to 1G; default 512K; 4K or\n"
	      "                         less: every growth event is a sample (exact, slower)\n"
	      "      --folded FILE      write the stacks as folded lines (root first, frames\n"
	      "                         joined by ';', then the bytes), for flamegraph.pl\n"
	      "      --pprof FILE       write the stacks as a gzipped pprof profile (go tool\n"
	      "                         pprof, Parca, Pyroscope, Speedscope read it)\n"
	      "      --flame FILE       write the stacks as an SVG flame graph\n"
	      "      --no-stacks        no stack sampling (then -f is required)\n"
	      "\n"
	      "Output:\n"
	      "      --json             stream NDJSON records on stdout instead of tables\n"
	      "                         (attach mode; with a COMMAND use -o)\n"
	      "  -o, --output FILE      also save the NDJSON stream to FILE (read it back with\n"
	      "                         'memtrace report FILE')\n"
	      "  -d, --duration SECONDS stop tracing after SECONDS\n"
	      "  -i, --interval MS      time between RSS samples in the stream (default 100,\n"
	      "                         mprof's default); peaks between samples are never\n"
	      "                         lost: each sample carries the kernel-side peak\n"
	      "      --svg FILE         write a plot of RSS over time with the calls on it\n"
	      "                         (several processes: a curve each for the largest 8)\n"
	      "      --mprof FILE       write memory_profiler's mprofile format ('mprof plot'):\n"
	      "                         the first process's RSS only\n"
	      "      --every SECONDS    print the function table every SECONDS, like top\n"
	      "                         (on stderr with --json or a COMMAND)\n"
	      "      --bytes            sizes in the tables as exact bytes; by default MiB\n"
	      "                         with two decimals, KiB (or bytes) for a change that\n"
	      "                         would show as 0.00 MiB\n"
	      "  -v, --verbose          more diagnostics on stderr (-vvv: libbpf's own)\n"
	      "\n"
	      "Serving (until Ctrl-C or -d, beside any output above):\n"
	      "      --listen ADDR      serve HTTP on ADDR: /metrics (Prometheus: calls,\n"
	      "                         growth and peaks per function and process, RSS per\n"
	      "                         process) and /pprof (RSS growth by stack, gzipped\n"
	      "                         pprof; ?seconds=N for a window). ADDR is PORT or\n"
	      "                         :PORT (127.0.0.1), A.B.C.D:PORT, [IPV6]:PORT or\n"
	      "                         unix:PATH (a new socket file); port 0: any free one,\n"
	      "                         printed on stderr\n"
	      "      --max-series N     the most series one /metrics response carries; the\n"
	      "                         smallest beyond it are counted in\n"
	      "                         memtrace_dropped_series_total (default 10000)\n"
	      "  -h, --help             this help\n"
	      "  -V, --version          print the version\n"
	      "\n"
	      "Examples:\n"
	      "  sudo memtrace -p 1234                        # where it grows, by call stack\n"
	      "  sudo memtrace --folded out.folded -- ./prog   # stacks for flamegraph.pl\n"
	      "  sudo memtrace -p 1234 -f build_index        # attach; Ctrl-C for the table\n"
	      "  sudo memtrace -f Grow -- ./prog arg         # launch and trace ./prog\n"
	      "  sudo memtrace -p 1234 -f libc.so.6:malloc -d 10\n"
	      "  sudo memtrace -p 1234 -f parse --json > run.ndjson\n"
	      "  sudo memtrace -p 1234 -f parse -o run.ndjson && memtrace report run.ndjson\n"
	      "  sudo memtrace -f parse --svg run.svg -- ./prog   # RSS over time, calls drawn\n"
	      "  sudo memtrace -f Inversa -- python3 matrizinversa.py   # a Python function\n"
	      "  sudo memtrace --exact -p 1234 -f app.py:handle   # exact Python lines (USDT)\n"
	      "  sudo memtrace -a --listen :9464              # serve /metrics and /pprof\n"
	      "\n"
	      "On a terminal, a status line shows elapsed time, RSS, peak, calls and lost\n"
	      "records while tracing.\n"
	      "\n"
	      "Needs root (CAP_BPF and CAP_PERFMON) and a kernel with BTF.\n"
	      "Exit status: 0 ok, 1 runtime error, 2 usage error; with COMMAND, the command's.\n",
	      f);
}

static int usage_error(const char *fmt, const char *arg)
{
	char msg[1024];

	/* Through mt_err(): arg is the user's, and its control bytes get escaped (user/log.c). */
	snprintf(msg, sizeof(msg), fmt, arg);
	mt_err("%s; see 'memtrace --help'", msg);
	return MT_EXIT_USAGE;
}

/* -p PID[,PID...]: the first is env->pid, the rest more_pids; each once. */
static int add_pids(struct mt_env *env, const char *arg)
{
	const char *at = arg;
	char *end;
	long v;

	do {
		errno = 0;
		v = strtol(at, &end, 10);
		if (errno || end == at || (*end && *end != ',') || v <= 0 || v > INT_MAX)
			return usage_error("-p takes process ids (positive integers, PID or PID,PID), not '%s'",
					   arg);
		bool twice = v == env->pid;

		for (size_t i = 0; i < env->nmore_pids; i++)
			twice |= env->more_pids[i] == v;
		if (twice)
			return usage_error("-p names a process twice ('%s')", arg);
		if (!env->pid) {
			env->pid = (pid_t)v;
		} else {
			if (mt_grow(&env->more_pids, &env->more_pids_cap, env->nmore_pids + 1,
				    sizeof(*env->more_pids))) {
				fprintf(stderr, "memtrace: out of memory\n");
				return MT_EXIT_RUNTIME;
			}
			env->more_pids[env->nmore_pids++] = (pid_t)v;
		}
		at = end + 1;
	} while (*end);
	return 0;
}

/* Exactly one way of choosing the processes, and the options that go with it. */
static int check_targets(struct mt_env *env, bool children, bool no_children)
{
	int ways = !!env->pid + !!env->cmd + env->all + !!env->cgroup;

	if (ways > 1)
		return usage_error("give one of -p PID, -a, --cgroup PATH or a command after --%s",
				   env->cmd ? " (a command and another way were given)" : "");
	if (!ways)
		return usage_error("no target: attach with -p PID, launch a command after --, or trace every process with -a%s",
				   "");
	if (children && !env->pid && !env->cmd)
		return usage_error("--children goes with -p PID or a command (-a and --cgroup take every process)%s",
				   "");
	if (no_children && !env->cmd)
		return usage_error("--no-children goes with a command after --%s", "");
	if (children && no_children)
		return usage_error("--children and --no-children contradict each other%s", "");
	env->children = children || (env->cmd && !no_children);
	env->children_asked = children;
	/* --svg draws the largest processes' curves; mprof's format has one, the first process's. */
	if ((env->all || env->cgroup) && env->mprof)
		return usage_error("--mprof writes the first process's RSS over time: -a and --cgroup have none; use -p PID, or --svg for a curve per process%s",
				   "");
	return 0;
}

/*
 * Longest -d and --every (a year), longest -i (an hour, in ms): beyond them
 * a value is a typo, and an absurd one (1e20) would overflow the integer
 * milliseconds and nanoseconds the time arithmetic turns it into.
 */
#define MAX_SECONDS (365.0 * 24 * 3600)
#define MAX_INTERVAL_MS (3600.0 * 1000)
/* --max-series: beyond ten million a response would be gigabytes; Prometheus takes far fewer. */
#define MAX_SERIES 10000000

/* N[K|M|G] (binary units, an optional "iB"), 1 byte to MT_SAMPLE_BYTES_MAX. */
static int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMG";
	const char *u;
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	v = strtoull(s, &end, 10);
	if (*end && (u = strchr(units, *end & ~0x20))) {
		shift = 10 * (int)(u - units + 1);
		end += !strcmp(end + 1, "iB") ? 3 : 1;
	}
	if (errno || end == s || *end || v == 0 || v > MT_SAMPLE_BYTES_MAX >> shift)
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

/* A positive, finite number no larger than max. */
static int parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int mt_env_parse(int argc, char **argv, struct mt_env *env)
{
	enum { OPT_JSON = 256, OPT_SVG, OPT_MPROF, OPT_EVERY, OPT_EXACT, OPT_CXX_NOEXCEPT, OPT_BYTES,
	       OPT_SAMPLE_BYTES, OPT_FOLDED, OPT_PPROF, OPT_FLAME, OPT_NO_STACKS, OPT_CHILDREN,
	       OPT_NO_CHILDREN, OPT_CGROUP, OPT_LISTEN, OPT_MAX_SERIES };
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "children", no_argument, NULL, OPT_CHILDREN },
		{ "no-children", no_argument, NULL, OPT_NO_CHILDREN },
		{ "all", no_argument, NULL, 'a' },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "func", required_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "output", required_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ "svg", required_argument, NULL, OPT_SVG },
		{ "mprof", required_argument, NULL, OPT_MPROF },
		{ "every", required_argument, NULL, OPT_EVERY },
		{ "exact", no_argument, NULL, OPT_EXACT },
		{ "cxx-noexcept", no_argument, NULL, OPT_CXX_NOEXCEPT },
		{ "bytes", no_argument, NULL, OPT_BYTES },
		{ "sample-bytes", required_argument, NULL, OPT_SAMPLE_BYTES },
		{ "folded", required_argument, NULL, OPT_FOLDED },
		{ "pprof", required_argument, NULL, OPT_PPROF },
		{ "flame", required_argument, NULL, OPT_FLAME },
		{ "no-stacks", no_argument, NULL, OPT_NO_STACKS },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "max-series", required_argument, NULL, OPT_MAX_SERIES },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	bool no_stacks = false, sample_set = false, children = false, no_children = false;
	bool max_series_set = false;
	int c;

	memset(env, 0, sizeof(*env));
	env->interval = 0.1;
	env->sample_bytes = MT_SAMPLE_BYTES_DEFAULT;
	env->max_series = MT_METRICS_MAX_SERIES;
	opterr = 0;
	/* '+': stop at the first non-option, so COMMAND's own options stay its own. */
	while ((c = getopt_long(argc, argv, "+:p:f:d:o:i:avhV", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			c = add_pids(env, optarg);
			if (c)
				return c;
			break;
		case OPT_CHILDREN:
			children = true;
			break;
		case OPT_NO_CHILDREN:
			no_children = true;
			break;
		case 'a':
			env->all = true;
			break;
		case OPT_CGROUP:
			if (!*optarg)
				return usage_error("--cgroup needs a cgroup v2 directory (/sys/fs/cgroup/system.slice/x.service)%s",
						   "");
			env->cgroup = optarg;
			break;
		case 'f': {
			if (mt_grow(&env->specs, &env->specs_cap, env->nspecs + 1, sizeof(*env->specs))) {
				fprintf(stderr, "memtrace: out of memory\n");
				return MT_EXIT_RUNTIME;
			}
			env->specs[env->nspecs++] = optarg;
			break;
		}
		case 'd':
			if (parse_seconds(optarg, MAX_SECONDS, &env->duration))
				return usage_error("-d takes a positive number of seconds up to a year (31536000), not '%s'",
						   optarg);
			break;
		case 'i':
			if (parse_seconds(optarg, MAX_INTERVAL_MS, &env->interval) || env->interval < 1)
				return usage_error("-i takes an interval from 1 to 3600000 milliseconds, not '%s'",
						   optarg);
			env->interval /= 1000;
			break;
		case OPT_SVG:
			env->svg = optarg;
			break;
		case OPT_MPROF:
			env->mprof = optarg;
			break;
		case OPT_EVERY:
			if (parse_seconds(optarg, MAX_SECONDS, &env->every))
				return usage_error("--every takes a positive number of seconds up to a year (31536000), not '%s'",
						   optarg);
			break;
		case OPT_EXACT:
			env->exact = true;
			break;
		case OPT_SAMPLE_BYTES:
			if (parse_size(optarg, &env->sample_bytes))
				return usage_error("--sample-bytes takes a size from 1 to 1G (suffixes K, M, G: 512K), not '%s'",
						   optarg);
			sample_set = true;
			break;
		case OPT_FOLDED:
		case OPT_PPROF:
		case OPT_FLAME:
			if (!*optarg)
				return usage_error("%s needs a file name",
						   c == OPT_FOLDED ? "--folded" : c == OPT_PPROF ? "--pprof" : "--flame");
			*(c == OPT_FOLDED ? &env->folded : c == OPT_PPROF ? &env->pprof : &env->flame) =
				optarg;
			break;
		case OPT_NO_STACKS:
			no_stacks = true;
			break;
		case OPT_LISTEN: {
			struct mt_listen_addr addr;
			char why[512];

			if (mt_listen_parse(optarg, &addr, why, sizeof(why)))
				return usage_error("%s", why);
			env->listen = optarg;
			break;
		}
		case OPT_MAX_SERIES: {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-' || v < 1 || v > MAX_SERIES)
				return usage_error("--max-series takes a number of series from 1 to 10000000, not '%s'",
						   optarg);
			env->max_series = (size_t)v;
			max_series_set = true;
			break;
		}
		case OPT_CXX_NOEXCEPT:
			env->cxx_noexcept = true;
			break;
		case OPT_JSON:
			env->json = true;
			break;
		case OPT_BYTES:
			/* Only the tables change: the report module's setting, not main.c's. */
			mt_report_bytes = true;
			break;
		case 'o':
			if (!*optarg)
				return usage_error("-o needs a file name%s", "");
			env->output = optarg;
			break;
		case 'v':
			env->verbose++;
			break;
		case 'h':
			mt_usage(stdout);
			return -1;
		case 'V':
			printf("memtrace %s\n", MEMTRACE_VERSION);
			return -1;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		env->cmd = &argv[optind];

	if (no_stacks && (sample_set || env->folded || env->pprof || env->flame))
		return usage_error("%s needs stacks: drop --no-stacks",
				   sample_set ? "--sample-bytes" : env->folded ? "--folded" :
				   env->pprof ? "--pprof" : "--flame");
	if (no_stacks)
		env->sample_bytes = 0;
	if (max_series_set && !env->listen)
		return usage_error("--max-series limits what --listen serves: add --listen ADDR%s", "");
	/* -a and --cgroup without either still show which processes grow. */
	if (!env->nspecs && no_stacks && !env->all && !env->cgroup)
		return usage_error("nothing to trace: name a function with -f FUNC, or drop --no-stacks%s",
				   "");
	for (int i = 0; i < env->nspecs; i++) {
		struct mt_spec spec;
		char why[256];

		if (mt_spec_parse(env->specs[i], &spec, why, sizeof(why)))
			return usage_error("%s", why);
		mt_spec_free(&spec);
	}
	if (env->nspecs > MT_MAX_FUNCS) {
		fprintf(stderr, "memtrace: too many -f functions (%d, at most %d); see 'memtrace --help'\n",
			env->nspecs, MT_MAX_FUNCS);
		return MT_EXIT_USAGE;
	}
	c = check_targets(env, children, no_children);
	if (c)
		return c;
	/* The command's stdout is its own (xz -c > out.xz): memtrace never writes there. */
	if (env->json && env->cmd)
		return usage_error("--json writes to stdout, which the launched command '%s' owns; name the stream's destination with -o FILE (-o /dev/stdout to share stdout with the command)",
				   env->cmd[0]);
	return 0;
}

void mt_env_free(struct mt_env *env)
{
	free(env->specs);
	env->specs = NULL;
	free(env->more_pids);
	env->more_pids = NULL;
}
