/* SPDX-License-Identifier: Apache-2.0 */
/* Downloads over http://, https:// and file:// with libcurl. Never reads more
 * than the caller allows (the length trusted metadata gives, or a fixed cap
 * for metadata whose length is not known yet), gives up on a server that
 * trickles below a minimum rate, retries transient failures with backoff,
 * resumes an interrupted file download with a Range request, and stops when
 * the user cancels or the time budget runs out (each transfer's own timeout
 * is what is left of it, so a stalled connect, TLS handshake or body ends
 * on time, not at the next look at the clock). Certificate checks are always
 * on, end to end through a proxy (CONNECT). The proxy of each URL is chosen
 * by start/proxy.h, not by libcurl, so that a proxy's refusal (HTTP 407)
 * names that proxy; a redirect goes the way its first URL went. A session
 * decides once per origin (scheme://host:port).
 * Redirects stay on http(s): a server can never redirect to file://. */
#ifndef BL_FETCH_H
#define BL_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "start/progress.h"
#include "start/proxy.h"

/* Transfers made through one session share their connections (libcurl's
 * connection cache), TLS sessions and DNS answers: a check and its
 * downloads take one connection and one handshake, not one per file (and
 * HTTP/2 where the server offers it). For one thread at a time. */
typedef struct bl_fetch_session bl_fetch_session;

typedef struct {
    bl_fetch_session *session;   /* optional: reuse its connection */
    const char *ca_file;         /* extra trust anchor for https; NULL: the system's */
    long connect_timeout_ms;     /* 0: 10 s */
    long min_bytes_per_second;   /* slower than this ... */
    long min_rate_window_s;      /* ... for this long aborts (slow retrieval); 0: 30 s */
    uint64_t deadline;           /* uv_hrtime() after which to give up; 0: none */
    int retries;                 /* extra attempts on transient failures */
    uint64_t first_backoff_ms;   /* 0: 250 ms, doubled each retry */
    int fail_fast;               /* a refused connection or a name that does not resolve is not
                                  * retried: known at once, it costs a launch nothing */
    bl_progress *progress;       /* optional: bytes, cancel */
    const bl_proxy_inputs *proxy; /* where proxies come from; NULL: libcurl reads the environment */
} bl_fetch_options;

/* Call once before any other thread exists (main). */
int bl_fetch_global_init(bl_error *err);
void bl_fetch_global_cleanup(void);

void bl_fetch_defaults(bl_fetch_options *opt);

int bl_fetch_session_new(bl_fetch_session **out, bl_error *err);
/* Closes its connections. NULL is fine. */
void bl_fetch_session_free(bl_fetch_session *session);

/* GETs url into a NUL-terminated buffer the caller frees. More than max bytes
 * is BL_ELENGTH; HTTP 404/403 (or a missing file://) is BL_ENOTFOUND, which a
 * TUF client needs to tell "no newer root" from a failure. An HTML page
 * (text/html) is BL_ENETWORK: metadata is never one, and a captive portal or
 * a proxy's login page answers every URL with one. */
int bl_fetch_memory(const bl_fetch_options *opt, const char *url, uint64_t max, char **out, size_t *len,
                    bl_error *err);

/* One of the GETs bl_fetch_memory_many makes at once. */
typedef struct {
    const char *url; /* in */
    uint64_t max;    /* in: as bl_fetch_memory's */
    char *buf;       /* out: as bl_fetch_memory's (the caller frees it), NULL unless rc is BL_OK */
    size_t len;
    int rc;          /* out: what bl_fetch_memory would have returned for it */
    bl_error err;
} bl_fetch_request;

#define BL_FETCH_MANY_MAX 4

/* bl_fetch_memory for up to BL_FETCH_MANY_MAX URLs of one server at once:
 * concurrent streams on one connection where it speaks HTTP/2, one after
 * the other on one connection where it does not. Each request gets its own
 * result (a retry of one is made after the others). Returns BL_OK unless
 * the transfers could not be run at all (then no request holds a buffer). */
int bl_fetch_memory_many(const bl_fetch_options *opt, bl_fetch_request *reqs, size_t count, bl_error *err);

/* GETs url into path. If path already holds a prefix of the file (an earlier
 * interrupted download), only the rest is requested. exact_length > 0 makes
 * any other final size an error (BL_ELENGTH) and caps what is read. */
int bl_fetch_file(const bl_fetch_options *opt, const char *url, const char *path, uint64_t exact_length,
                  bl_error *err);

#endif
