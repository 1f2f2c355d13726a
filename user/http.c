// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The --listen server: see user/http.h. memtrace binds the socket itself
 * (so an address in use, a privileged port or an existing Unix path is its
 * own one-line error, before anything is attached) and hands it to
 * libmicrohttpd, which runs with no thread of its own (MHD_USE_EPOLL
 * without MHD_USE_INTERNAL_POLLING_THREAD): the main loop waits on its
 * epoll fd beside the ring buffer's and calls MHD_run().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <microhttpd.h>
#include "http.h"
#include "log.h"
#include "pprof.h"
#include "profile.h"

/*
 * Limits: a scraper or two and an engineer's curl need a few connections;
 * a flood of them, a request of megabytes or a client that never finishes
 * its request must not hold memtrace's memory or its loop.
 */
#define MAX_CONNECTIONS 32
#define MAX_PER_IP 8
#define TIMEOUT_SECONDS 10          /* idle or half-open connections are closed after it */
#define CONNECTION_MEMORY (32 * 1024) /* a request's headers beyond it: 431, closed */
#define BACKLOG 16

enum endpoint { EP_INDEX, EP_METRICS, EP_PPROF, EP_NONE };

static const char *const paths[] = { [EP_INDEX] = "/", [EP_METRICS] = "/metrics",
				     [EP_PPROF] = "/pprof" };

/* One request (libmicrohttpd's per-request pointer), from its headers to its completion. */
struct request {
	enum endpoint ep;
	/* /pprof?seconds=N: suspended until end (CLOCK_MONOTONIC seconds), then the growth since mark. */
	struct MHD_Connection *conn;
	double end;
	struct mt_profile_mark mark;
	uint64_t token; /* /metrics: the handler's mark of what the response holds */
	bool waiting, resumed;
	struct request *next, **prev; /* in the server's list of windows */
};

struct mt_http {
	struct MHD_Daemon *d;
	struct mt_http_handlers h;
	struct request *windows;
	char *unix_path;  /* a Unix socket this server created: removed at the end */
	dev_t unix_dev;   /* its inode: only this file is removed, never one put in its place */
	ino_t unix_ino;
	bool stopping;
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- --listen ADDR ---- */

/* A decimal port, 0 to 65535, and nothing after it. */
static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int parse_unix(const char *path, struct mt_listen_addr *out, char *why, size_t whylen)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&out->sa;

	if (!*path) {
		mt_set_err(why, whylen, "--listen unix: needs a path (unix:/run/memtrace.sock)");
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(un->sun_path)) {
		mt_set_err(why, whylen, "--listen unix:PATH: the path is longer than a Unix socket's %zu bytes",
			   sizeof(un->sun_path) - 1);
		return -EINVAL;
	}
	un->sun_family = AF_UNIX;
	strcpy(un->sun_path, path);
	out->len = sizeof(*un);
	out->path = path;
	return 0;
}

int mt_listen_parse(const char *s, struct mt_listen_addr *out, char *why, size_t whylen)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&out->sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->sa;
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2];
	size_t hostlen = colon ? (size_t)(colon - s) : 0;
	uint16_t port;

	memset(out, 0, sizeof(*out));
	if (!strncmp(s, "unix:", 5))
		return parse_unix(s + 5, out, why, whylen);
	if (parse_port(colon ? colon + 1 : s, &port) || hostlen >= sizeof(host))
		goto bad;
	memcpy(host, s, hostlen);
	host[hostlen] = '\0';
	/* No host: loopback, so nothing is exposed unless the user names an address. */
	if (!hostlen || inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		if (!hostlen)
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		out->len = sizeof(*in);
		return 0;
	}
	if (hostlen > 2 && host[0] == '[' && host[hostlen - 1] == ']') {
		host[hostlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons(port);
			out->len = sizeof(*in6);
			return 0;
		}
	}
bad:
	mt_set_err(why, whylen,
		   "--listen takes PORT, :PORT, IPV4:PORT, [IPV6]:PORT or unix:PATH (a numeric address, port 0 to 65535), not '%s'",
		   s);
	return -EINVAL;
}

/* "127.0.0.1:9100", "[::1]:9100" or "unix:/run/m.sock": the address the socket has now. */
static void addr_text(int fd, const struct mt_listen_addr *a, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";

	if (a->path) {
		snprintf(out, len, "unix:%s", a->path);
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl))
		ss = a->sa;
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, ntohs(in->sin_port));
	}
}

static void bind_error(int e, const char *arg, const struct mt_listen_addr *a, char *err, size_t errlen)
{
	if (a->path && e == EADDRINUSE)
		mt_set_err(err, errlen, "--listen %s: the path exists; memtrace never replaces a file: remove it if it is a stale socket, or choose another path",
			   arg);
	else if (e == EADDRINUSE)
		mt_set_err(err, errlen, "--listen %s: the address is in use; stop what listens there or choose another port",
			   arg);
	else if (e == EACCES && !a->path)
		mt_set_err(err, errlen, "--listen %s: no permission to listen on that port (below 1024 needs CAP_NET_BIND_SERVICE); choose a port from 1024 up",
			   arg);
	else if (e == EADDRNOTAVAIL)
		mt_set_err(err, errlen, "--listen %s: no interface of this host has that address; name one it has, or 0.0.0.0 for all",
			   arg);
	else
		mt_set_err(err, errlen, "--listen %s: cannot listen there: %s; choose another address",
			   arg, strerror(e));
}

/* The listening socket, bound: -errno with the reason in err. */
static int bind_listen(const char *arg, const struct mt_listen_addr *a, char *err, size_t errlen)
{
	int one = 1, e;
	int fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		e = errno;
		mt_set_err(err, errlen, "--listen %s: cannot create a socket: %s", arg, strerror(e));
		return -e;
	}
	/* A restarted memtrace rebinds at once, past the last run's TIME_WAIT connections. */
	if (!a->path)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::]:PORT is IPv6 only: 0.0.0.0:PORT stays another address, free for another server. */
	if (a->sa.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* bind() creates a Unix socket's file and fails on any existing one, symlinks too. */
	if (bind(fd, (const struct sockaddr *)&a->sa, a->len) || listen(fd, BACKLOG)) {
		e = errno;
		bind_error(e, arg, a, err, errlen);
		close(fd);
		return -e;
	}
	return fd;
}

/* ---- responses ---- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int status, const char *type,
			       void *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* A short text answer: an error's reason, or the index page. */
static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned int status, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MHD_NO;
	return respond(c, status, "text/plain; charset=utf-8", text, (size_t)n);
}

/* A body written to memory by fn: 500 if it failed. */
static enum MHD_Result respond_written(struct MHD_Connection *c, const char *type,
				       int (*fn)(const void *arg, FILE *f), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int e = f ? fn(arg, f) : -1;

	if (f && fclose(f))
		e = -1;
	if (!f || e) {
		free(buf);
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "memtrace: out of memory\n");
	}
	return respond(c, MHD_HTTP_OK, type, buf, len);
}

struct metrics_arg {
	const struct mt_http_handlers *h;
	struct request *rq;
};

static int write_metrics(const void *arg, FILE *f)
{
	const struct metrics_arg *m = arg;

	return m->h->metrics(m->h->ctx, f, &m->rq->token);
}

static int write_pprof(const void *arg, FILE *f)
{
	return mt_pprof_write(arg, f);
}

static enum MHD_Result serve_index(struct MHD_Connection *c)
{
	return respond_text(c, MHD_HTTP_OK,
			    "memtrace\n\n"
			    "/metrics             Prometheus text format: calls, growth and peaks per function and process, RSS per process\n"
			    "/pprof               gzipped pprof: RSS growth by call stack since the start (go tool pprof URL)\n"
			    "/pprof?seconds=N     the same for the next N seconds (1 to %d)\n",
			    MT_HTTP_MAX_WINDOW);
}

/* The window's end: the growth since its mark, then the mark is no longer needed. */
static enum MHD_Result serve_window(struct mt_http *s, struct request *rq, struct MHD_Connection *c)
{
	struct mt_profile view;
	enum MHD_Result ret;

	if (mt_profile_since(s->h.profile, &rq->mark, &view))
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "memtrace: out of memory\n");
	ret = respond_written(c, "application/octet-stream", write_pprof, &view);
	mt_profile_view_free(&view);
	mt_profile_mark_free(&rq->mark);
	return ret;
}

/* ---- requests ---- */

struct args {
	enum endpoint ep;
	const char *bad;      /* the first argument this endpoint does not take */
	const char *seconds;  /* ?seconds=, "" when given without a value */
	int nseconds;
};

static enum MHD_Result on_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct args *a = cls;

	if (a->ep == EP_PPROF && !strcmp(key, "seconds")) {
		a->seconds = value ? value : "";
		a->nseconds++;
	} else if (!a->bad) {
		a->bad = key;
	}
	return MHD_YES;
}

/* ?seconds=N, 1 to MT_HTTP_MAX_WINDOW; 0 when not given; -1 when bad. */
static int window_seconds(const struct args *a)
{
	char *end;
	long v;

	if (!a->nseconds)
		return 0;
	errno = 0;
	v = strtol(a->seconds, &end, 10);
	if (a->nseconds > 1 || errno || end == a->seconds || *end || v < 1 || v > MT_HTTP_MAX_WINDOW)
		return -1;
	return (int)v;
}

/* /pprof?seconds=N: the mark now, and the connection waits, suspended, for mt_http_run(). */
static enum MHD_Result start_window(struct mt_http *s, struct request *rq, struct MHD_Connection *c,
				    int seconds)
{
	if (mt_profile_mark(s->h.profile, &rq->mark))
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "memtrace: out of memory\n");
	rq->conn = c;
	rq->end = now_mono() + seconds;
	rq->waiting = true;
	rq->next = s->windows;
	rq->prev = &s->windows;
	if (s->windows)
		s->windows->prev = &rq->next;
	s->windows = rq;
	MHD_suspend_connection(c);
	return MHD_YES;
}

static enum endpoint endpoint_of(const char *url)
{
	for (int i = 0; i < EP_NONE; i++)
		if (!strcmp(url, paths[i]))
			return (enum endpoint)i;
	return EP_NONE;
}

static enum MHD_Result serve_pprof(struct mt_http *s, struct request *rq, struct MHD_Connection *c,
				   const struct args *a)
{
	int seconds = window_seconds(a);

	if (!s->h.profile)
		return respond_text(c, MHD_HTTP_NOT_FOUND,
				    "memtrace: no profile: this run samples no stacks (--no-stacks); run without it for /pprof\n");
	if (seconds < 0)
		return respond_text(c, MHD_HTTP_BAD_REQUEST,
				    "memtrace: seconds takes a whole number of seconds from 1 to %d\n",
				    MT_HTTP_MAX_WINDOW);
	if (seconds)
		return start_window(s, rq, c, seconds);
	return respond_written(c, "application/octet-stream", write_pprof, s->h.profile);
}

/*
 * Every request's one handler. libmicrohttpd calls it once the headers are
 * in, and again after a window's connection is resumed; the answer is
 * queued at once, so a request body (none is expected) is never read.
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct mt_http *s = cls;
	struct request *rq = *req_cls;
	struct args a = { .ep = endpoint_of(url) };

	if (s->stopping)
		return MHD_NO;
	if (rq)
		return rq->resumed ? serve_window(s, rq, c) : MHD_YES;
	rq = calloc(1, sizeof(*rq));
	if (!rq)
		return MHD_NO;
	*req_cls = rq;
	rq->ep = a.ep;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "memtrace: only GET and HEAD\n");
	if (a.ep == EP_NONE)
		return respond_text(c, MHD_HTTP_NOT_FOUND, "memtrace: no such page; / lists them\n");
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_arg, &a);
	if (a.bad)
		return respond_text(c, MHD_HTTP_BAD_REQUEST, "memtrace: %s takes no argument '%s'\n",
				    paths[a.ep], a.bad);
	if (a.ep == EP_METRICS)
		return respond_written(c, "text/plain; version=0.0.4; charset=utf-8", write_metrics,
				       &(struct metrics_arg){ .h = &s->h, .rq = rq });
	if (a.ep == EP_PPROF)
		return serve_pprof(s, rq, c, &a);
	return serve_index(c);
}

static void unlink_window(struct request *rq)
{
	if (!rq->prev)
		return;
	*rq->prev = rq->next;
	if (rq->next)
		rq->next->prev = rq->prev;
	rq->prev = NULL;
}

/* A request ended: sent, failed or dropped. A /metrics sent whole counts as scraped. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct mt_http *s = cls;
	struct request *rq = *req_cls;

	if (!rq)
		return;
	if (rq->ep == EP_METRICS && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && s->h.metrics_sent)
		s->h.metrics_sent(s->h.ctx, rq->token);
	unlink_window(rq);
	mt_profile_mark_free(&rq->mark);
	free(rq);
	*req_cls = NULL;
}

/* ---- the server ---- */

int mt_http_start(struct mt_http **out, const char *arg, const struct mt_http_handlers *h,
		  char *err, size_t errlen)
{
	struct mt_listen_addr a;
	struct mt_http *s;
	struct stat st;
	char where[PATH_MAX + 16];
	int fd, e;

	*out = NULL;
	e = mt_listen_parse(arg, &a, err, errlen);
	if (e)
		return e;
	s = calloc(1, sizeof(*s));
	if (!s || (a.path && !(s->unix_path = strdup(a.path)))) {
		free(s);
		mt_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->h = *h;
	fd = bind_listen(arg, &a, err, errlen);
	if (fd < 0) {
		free(s->unix_path);
		free(s);
		return fd;
	}
	if (a.path && !lstat(a.path, &st)) {
		s->unix_dev = st.st_dev;
		s->unix_ino = st.st_ino;
	}
	addr_text(fd, &a, where, sizeof(where));
	s->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, on_request, s,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)MAX_PER_IP,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)TIMEOUT_SECONDS,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				MHD_OPTION_END);
	if (!s->d) {
		close(fd);
		mt_http_free(s);
		mt_set_err(err, errlen, "--listen %s: the HTTP server (libmicrohttpd) failed to start; try another address",
			   arg);
		return -EIO;
	}
	mt_info(0, "serving /metrics and /pprof on %s%s", a.path ? "" : "http://", where);
	*out = s;
	return 0;
}

/* Milliseconds until the server has work (a window's end, a timeout), at most max. */
static int due_in(struct mt_http *s, int max)
{
	MHD_UNSIGNED_LONG_LONG mhd;
	double now = now_mono();
	int ms = max;

	if (MHD_get_timeout(s->d, &mhd) == MHD_YES && mhd < (MHD_UNSIGNED_LONG_LONG)ms)
		ms = (int)mhd;
	for (struct request *rq = s->windows; rq; rq = rq->next) {
		double left = (rq->end - now) * 1000;

		/* A window resumed already is libmicrohttpd's to finish (its timeout above). */
		if (rq->waiting && left < ms)
			ms = left > 0 ? (int)left + 1 : 0;
	}
	return ms;
}

int mt_http_wait(struct mt_http *s, int other_fd, int timeout_ms)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD);
	struct pollfd p[2] = { { .fd = other_fd, .events = POLLIN },
			       { .fd = info ? info->epoll_fd : -1, .events = POLLIN } };

	return poll(p, 2, due_in(s, timeout_ms));
}

void mt_http_run(struct mt_http *s)
{
	double now = now_mono();

	for (struct request *rq = s->windows; rq; rq = rq->next) {
		if (rq->waiting && now >= rq->end) {
			rq->waiting = false;
			rq->resumed = true;
			MHD_resume_connection(rq->conn);
		}
	}
	MHD_run(s->d);
}

/* Our own socket file, not one put in its place meanwhile. */
static void remove_socket(const struct mt_http *s)
{
	struct stat st;

	if (s->unix_path && !lstat(s->unix_path, &st) && S_ISSOCK(st.st_mode) &&
	    st.st_dev == s->unix_dev && st.st_ino == s->unix_ino)
		unlink(s->unix_path);
}

void mt_http_free(struct mt_http *s)
{
	if (!s)
		return;
	if (s->d) {
		/* libmicrohttpd stops only with no connection suspended: windows end unanswered. */
		s->stopping = true;
		for (struct request *rq = s->windows; rq; rq = rq->next) {
			if (rq->waiting) {
				rq->waiting = false;
				MHD_resume_connection(rq->conn);
			}
		}
		MHD_run(s->d);
		MHD_stop_daemon(s->d);
	}
	remove_socket(s);
	free(s->unix_path);
	free(s);
}
