/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --listen ADDR: an HTTP server beside tracing (libmicrohttpd), serving
 * /metrics (user/metrics.c) and /pprof (user/pprof.c). It runs in the main
 * loop (user/main.c, trace_loop) in libmicrohttpd's external mode: its
 * handlers run in the main thread, between two reads of the ring buffer,
 * and read the tracer's state with no lock; no request ever blocks the
 * loop (a /pprof?seconds=N window is a suspended connection, resumed when
 * its time is up). Clients are whoever can reach the address: every
 * request is hostile input, bounded in count, size and time.
 */
#ifndef MT_HTTP_H
#define MT_HTTP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

struct mt_profile;

/* A parsed --listen: an IPv4, IPv6 or Unix socket address. */
struct mt_listen_addr {
	struct sockaddr_storage sa;
	socklen_t len;
	const char *path; /* unix:PATH: PATH (borrowed from the argument), else NULL */
};

/*
 * PORT or :PORT (127.0.0.1), A.B.C.D:PORT, [IPV6]:PORT, unix:PATH; PORT
 * 0 to 65535 (0: any free port). 0, or -EINVAL with the reason in why.
 */
int mt_listen_parse(const char *s, struct mt_listen_addr *out, char *why, size_t whylen);

/* Longest ?seconds=N window of /pprof. */
#define MT_HTTP_MAX_WINDOW 600

struct mt_http_handlers {
	/*
	 * GET /metrics: the exposition written to f, and in *token what the
	 * response holds (the caller's mark). 0, or -1 (errno set).
	 */
	int (*metrics)(void *ctx, FILE *f, uint64_t *token);
	/* That response was sent whole: the state it held may be dropped (ended processes). */
	void (*metrics_sent)(void *ctx, uint64_t token);
	void *ctx;
	/* GET /pprof reads it; NULL: no stacks (--no-stacks), /pprof is 404. */
	const struct mt_profile *profile;
};

struct mt_http;

/*
 * Binds and listens on addr (before anything is attached: an address in use
 * or a port without permission fails the run cleanly), then prints the
 * address it serves on. 0, or -errno with a one-line reason in err.
 */
int mt_http_start(struct mt_http **out, const char *addr, const struct mt_http_handlers *h,
		  char *err, size_t errlen);
/*
 * Waits up to timeout_ms for a request or for other_fd (the ring buffer's)
 * to be readable, less when the server has work due sooner. Returns what
 * poll() does (-1 with errno EINTR on a signal).
 */
int mt_http_wait(struct mt_http *s, int other_fd, int timeout_ms);
/* Serves what is ready, never blocking: requests, windows whose time is up, timeouts. */
void mt_http_run(struct mt_http *s);
/* Closes every connection and the socket (a Unix socket's file removed); NULL-safe. */
void mt_http_free(struct mt_http *s);

#endif
