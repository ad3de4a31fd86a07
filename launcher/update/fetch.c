/* SPDX-License-Identifier: Apache-2.0 */
#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/ascii.h"
#include "base/fsutil.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_MIN_RATE_WINDOW_S 30
#define DEFAULT_BACKOFF_MS 250
#define MAX_BACKOFF_MS 8000
#define MAX_REDIRECTS 5

/* Where received bytes go: a growing buffer, or a file. */
typedef struct {
    char *buf;
    size_t len, cap;
    FILE *file;
    const char *path;  /* of file, to start it over */
    CURL *curl;
    int looked;        /* the status was checked at the first byte */
    int discard;       /* an error page: not part of the file */
    uint64_t received; /* in this transfer */
    uint64_t offset;   /* bytes already there before it (resume) */
    uint64_t max;      /* offset + received may not pass this; 0: no cap */
    int too_long;
    int disk_full;     /* writing the file failed with ENOSPC */
    const bl_fetch_options *opt;
    int cancelled, timed_out;
    int html;          /* the last response is text/html: a page for a person, never a file we asked for */
    bl_proxy_choice proxy; /* the way this transfer went */
} sink;

int bl_fetch_global_init(bl_error *err)
{
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK)
        return bl_error_set(err, BL_ENETWORK, "cannot start libcurl: %s", curl_easy_strerror(rc));
    return BL_OK;
}

void bl_fetch_global_cleanup(void)
{
    curl_global_cleanup();
}

struct bl_fetch_session {
    CURLSH *share;
    /* The last proxy decision and the origin (scheme://host:port) it was
     * made for: a check's files come from one server, and on Windows a
     * decision may run a proxy script or WPAD, not to be run again for each
     * file. */
    char proxy_origin[300];
    bl_proxy_choice proxy_memo;
};

int bl_fetch_session_new(bl_fetch_session **out, bl_error *err)
{
    bl_fetch_session *session = calloc(1, sizeof *session);
    *out = NULL;
    if (!session || !(session->share = curl_share_init())) {
        free(session);
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    /* No lock callbacks: a session is used by one thread at a time. */
    curl_share_setopt(session->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(session->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(session->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    *out = session;
    return BL_OK;
}

void bl_fetch_session_free(bl_fetch_session *session)
{
    if (!session)
        return;
    curl_share_cleanup(session->share);
    free(session);
}

void bl_fetch_defaults(bl_fetch_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    opt->min_bytes_per_second = 1024;
    opt->min_rate_window_s = DEFAULT_MIN_RATE_WINDOW_S;
    opt->retries = 3;
    opt->first_backoff_ms = DEFAULT_BACKOFF_MS;
}

/* At the first byte: an error page is never written, and a server that
 * answers a Range request with the whole file (200) restarts the file. */
static int look_at_status(sink *s)
{
    long status = 0;
    s->looked = 1;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
    s->discard = status >= 300;
    if (s->file && s->offset && status == 200) {
        fclose(s->file);
        s->file = fopen(s->path, "wb");
        s->offset = 0;
        if (!s->file)
            return -1;
    }
    return 0;
}

/* 1 if text begins with prefix, case ignored. */
static int starts_with_nocase(const char *text, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && bl_ascii_equal_nocase(text, prefix, n);
}

/* Each response's headers: one transfer may read several (a proxy's 407
 * before the retry with credentials, a CONNECT's answer), and only the
 * last one's body is the file, so its status is looked at again, and its
 * type is its own (libcurl keeps an earlier response's Content-Type when
 * the last has none). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    sink *s = userdata;
    size_t n = size * nmemb, skip = 13;
    if (starts_with_nocase(data, n, "http/"))
        s->looked = s->discard = s->html = 0;
    if (starts_with_nocase(data, n, "content-type:")) {
        while (skip < n && (data[skip] == ' ' || data[skip] == '\t'))
            skip++;
        s->html = starts_with_nocase(data + skip, n - skip, "text/html");
    }
    return n;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
    sink *s = userdata;
    size_t n = size * nmemb;

    if (!s->looked && look_at_status(s) != 0)
        return 0;
    if (s->discard)
        return n;
    /* Endless data: stop at the trusted length, whatever the server says. */
    if (s->max && (s->offset + s->received + n > s->max)) {
        s->too_long = 1;
        return 0;
    }
    if (s->file) {
        if (fwrite(data, 1, n, s->file) != n) {
            s->disk_full = errno == ENOSPC;
            return 0;
        }
    } else {
        if (s->len + n + 1 > s->cap) {
            size_t cap = s->cap ? s->cap : 16384;
            char *bigger;
            while (cap < s->len + n + 1)
                cap *= 2;
            bigger = realloc(s->buf, cap);
            if (!bigger)
                return 0;
            s->buf = bigger;
            s->cap = cap;
        }
        memcpy(s->buf + s->len, data, n);
        s->len += n;
        s->buf[s->len] = '\0';
    }
    s->received += n;
    return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    sink *s = userdata;
    (void)ultotal;
    (void)ulnow;
    if (s->opt->progress) {
        uint64_t total = s->max ? s->max : (dltotal > 0 ? s->offset + (uint64_t)dltotal : 0);
        bl_progress_bytes(s->opt->progress, s->offset + (uint64_t)dlnow, total);
    }
    if (bl_progress_cancelled(s->opt->progress)) {
        s->cancelled = 1;
        return 1;
    }
    if (s->opt->deadline && uv_hrtime() > s->opt->deadline) {
        s->timed_out = 1;
        return 1;
    }
    return 0;
}

/* start/proxy.h's decision for url, remembered in the session for the
 * URLs of the same origin. */
static void choose_proxy(const bl_fetch_options *opt, const char *url, bl_proxy_choice *out)
{
    bl_fetch_session *session = opt->session;
    const char *sep = strstr(url, "://");
    size_t origin = sep ? (size_t)(sep + 3 - url) + strcspn(sep + 3, "/?#") : 0;
    int memo = session && origin > 0 && origin < sizeof session->proxy_origin;

    if (memo && strlen(session->proxy_origin) == origin && memcmp(session->proxy_origin, url, origin) == 0) {
        *out = session->proxy_memo;
        return;
    }
    bl_proxy_choose(opt->proxy, url, out);
    if (memo) {
        memcpy(session->proxy_origin, url, origin);
        session->proxy_origin[origin] = '\0';
        session->proxy_memo = *out;
    }
}

/* The proxy start/proxy.h chose for this URL, or none: "" also keeps libcurl
 * from reading the environment itself. Credentials in the proxy's URL are
 * offered by whichever scheme the proxy asks for (Basic, Digest, NTLM,
 * Negotiate). Without any, on Windows, NTLM and Negotiate with the user's
 * own logon (SSPI: libcurl takes an empty user name as "the current user"). */
static void set_proxy(CURL *curl, const bl_fetch_options *opt, const char *url, sink *s)
{
    memset(&s->proxy, 0, sizeof s->proxy);
    if (!opt->proxy)
        return; /* libcurl's own choice, from the environment (the publisher's tools) */
    choose_proxy(opt, url, &s->proxy);
    curl_easy_setopt(curl, CURLOPT_PROXY, s->proxy.url);
    if (!s->proxy.url[0])
        return;
    if (s->proxy.has_credentials) {
        curl_easy_setopt(curl, CURLOPT_PROXYAUTH, (long)CURLAUTH_ANY);
    } else {
#ifdef _WIN32
        const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
        if (info->features & CURL_VERSION_SSPI) {
            curl_easy_setopt(curl, CURLOPT_PROXYUSERPWD, ":");
            curl_easy_setopt(curl, CURLOPT_PROXYAUTH, (long)(CURLAUTH_NTLM | CURLAUTH_NEGOTIATE));
        }
#endif
    }
    /* CURLOPT_PROXY_SSL_VERIFYPEER stays on (an https:// proxy is checked
     * against the system's CAs); the server's own certificate is checked
     * through the tunnel as without a proxy. */
}

static CURL *new_handle(const bl_fetch_options *opt, const char *url, sink *s, char *errbuf)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        return NULL;
    s->curl = curl;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    set_proxy(curl, opt, url, s);
    if (opt->session)
        curl_easy_setopt(curl, CURLOPT_SHARE, opt->session->share);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, opt->connect_timeout_ms);
    if (opt->deadline) { /* the whole transfer ends with the time box, to the millisecond */
        uint64_t now = uv_hrtime();
        long left = now >= opt->deadline ? 1 : (long)((opt->deadline - now) / 1000000u) + 1;
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, left);
        if (left < opt->connect_timeout_ms)
            curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, left);
    }
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, opt->min_bytes_per_second);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, opt->min_rate_window_s);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (opt->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, opt->ca_file);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "bomiot-launcher/" BL_VERSION_STRING);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, s);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    if (s->max)
        curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
    return curl;
}

/* libcurl opens a file:// URL's file itself, with a blocking open: a fifo
 * there would hang the update for ever. So the file is opened here first the
 * way every file of the launcher is (bl_fs_open_regular), and a fifo, device,
 * socket or folder refused. What cannot be opened here (missing, or a path
 * this OS spells otherwise) is left to libcurl to report as before. */
static int check_local_file(const char *url, bl_error *err)
{
    CURLU *u;
    char *path = NULL;
    uv_file fd;
    bl_error why;
    int rc = BL_OK;

    if (strncmp(url, "file://", 7) != 0 || !(u = curl_url()))
        return BL_OK;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) == CURLUE_OK) {
        if (bl_fs_open_regular(path, UV_FS_O_RDONLY, 0, &fd, &why) == BL_OK) {
            uv_fs_t req;
            uv_fs_close(NULL, &req, fd, NULL);
            uv_fs_req_cleanup(&req);
        } else if (why.code == BL_EINVAL) {
            rc = bl_error_set(err, BL_EINVAL, "%s: %s", url, why.msg);
        }
    }
    curl_free(path);
    curl_url_cleanup(u);
    return rc;
}

enum outcome { DONE, RETRY, FAIL };

/* The proxy's answer to us rather than the server's: 407 to a request or to
 * CONNECT, or a 401 to CONNECT or (when we gave it credentials) to a plain
 * http:// request, which some proxies (tinyproxy) send for a wrong password.
 * One message naming the proxy, never its credentials. 1 if it was that. */
static int judge_proxy_refusal(CURL *curl, const sink *s, const char *url, long status, bl_error *err)
{
    long connect_code = 0;
    int plain_http = strncmp(url, "http://", 7) == 0;
    const bl_proxy_choice *p = &s->proxy;

    if (!p->url[0])
        return 0;
    curl_easy_getinfo(curl, CURLINFO_HTTP_CONNECTCODE, &connect_code);
    if (connect_code == 407 || (plain_http && status == 407)) {
        bl_error_set(err, BL_ENETWORK,
                     p->has_credentials
                         ? "the proxy %s (%s) refused its user name and password (HTTP 407); correct them in the "
                           "proxy's URL"
                         : "the proxy %s (%s) asks for a user name and password (HTTP 407); give them in the "
                           "proxy's URL, http://user:password@host:port (README: Proxies)",
                     p->host_port, p->source);
        return 1;
    }
    if (connect_code == 401 || (plain_http && status == 401 && p->has_credentials)) {
        bl_error_set(err, BL_ENETWORK, "the proxy %s (%s) refused its user name and password (HTTP 401); correct "
                     "them in the proxy's URL", p->host_port, p->source);
        return 1;
    }
    return 0;
}

static enum outcome judge(CURL *curl, CURLcode rc, const sink *s, const char *url, const char *errbuf,
                          long *retry_after_s, bl_error *err)
{
    long status = 0;
    curl_off_t retry_after = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (s->cancelled) {
        bl_error_set(err, BL_ECANCELED, "download of %s canceled", url);
        return FAIL;
    }
    if (s->timed_out || (rc == CURLE_OPERATION_TIMEDOUT && s->opt->deadline && uv_hrtime() >= s->opt->deadline)) {
        bl_error_set(err, BL_ENETWORK, "%s: the time box ran out", url);
        return FAIL;
    }
    if (s->too_long || rc == CURLE_FILESIZE_EXCEEDED) {
        bl_error_set(err, BL_ELENGTH, "%s is longer than the %llu bytes allowed", url, (unsigned long long)s->max);
        return FAIL;
    }
    if (s->disk_full) { /* curl would only say "Failure writing output to destination" */
        bl_error_set(err, BL_ENOSPC, "cannot write %s: the disk is full", s->path);
        return FAIL;
    }
    if (judge_proxy_refusal(curl, s, url, status, err))
        return FAIL; /* retrying changes nothing */
    if (rc == CURLE_FILE_COULDNT_READ_FILE || status == 404 || status == 403 || status == 410) {
        bl_error_set(err, BL_ENOTFOUND, "%s: not found%s", url, status ? "" : " (no such file)");
        return FAIL;
    }
    if (rc != CURLE_OK) {
        /* through a proxy, "connection refused" is about the proxy: named
         * first, as a long URL may cut the message short */
        if (s->proxy.url[0])
            bl_error_set(err, BL_ENETWORK, "through the proxy %s (%s): %s: %s", s->proxy.host_port, s->proxy.source,
                         url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        else
            bl_error_set(err, BL_ENETWORK, "%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        if (s->opt->fail_fast && (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                                  rc == CURLE_COULDNT_RESOLVE_PROXY))
            return FAIL; /* offline, or no server there: the next check will see */
        switch (rc) {
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
        case CURLE_TOO_MANY_REDIRECTS:
        case CURLE_WRITE_ERROR:
            return FAIL; /* retrying changes nothing */
        default:
            return RETRY;
        }
    }
    if (status == 429 || status >= 500) {
        if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0)
            *retry_after_s = (long)retry_after;
        bl_error_set(err, BL_ENETWORK, "%s: the server answered HTTP %ld", url, status);
        return RETRY;
    }
    if (status >= 300 && status != 0) {
        bl_error_set(err, BL_ENETWORK, "%s: the server answered HTTP %ld", url, status);
        return FAIL;
    }
    return DONE;
}

/* Waits before the next attempt, unless the budget or a cancel says stop. */
static int back_off(const bl_fetch_options *opt, int attempt, long retry_after_s)
{
    uint64_t ms = opt->first_backoff_ms ? opt->first_backoff_ms : DEFAULT_BACKOFF_MS;
    uint64_t waited = 0;
    int i;
    for (i = 0; i < attempt && ms < MAX_BACKOFF_MS; i++)
        ms *= 2;
    if (retry_after_s > 0 && (uint64_t)retry_after_s * 1000 <= MAX_BACKOFF_MS * 4)
        ms = (uint64_t)retry_after_s * 1000;
    while (waited < ms) {
        if (bl_progress_cancelled(opt->progress) || (opt->deadline && uv_hrtime() > opt->deadline))
            return 0;
        uv_sleep(50);
        waited += 50;
    }
    return 1;
}

/* judge(), and a 200 with an HTML page is no metadata (a captive portal). */
static enum outcome judge_memory(CURL *curl, CURLcode rc, const sink *s, const char *url, const char *errbuf,
                                 long *retry_after_s, bl_error *err)
{
    enum outcome o = judge(curl, rc, s, url, errbuf, retry_after_s, err);
    if (o == DONE && s->html) {
        bl_error_set(err, BL_ENETWORK, "%s: the server answered with an HTML page, not the file (a captive "
                     "portal or a proxy's login page?)", url);
        o = FAIL;
    }
    return o;
}

/* A finished body as bl_fetch_memory hands it out: never NULL. */
static int hand_out(sink *s, char **out, size_t *len, bl_error *err)
{
    if (!s->buf && !(s->buf = calloc(1, 1)))
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    *out = s->buf;
    *len = s->len;
    return BL_OK;
}

/* bl_fetch_memory from attempt number first on (the ones before it were
 * made, and backed off from, by the caller). */
static int memory_attempts(const bl_fetch_options *opt, const char *url, uint64_t max, int first, char **out,
                           size_t *len, bl_error *err)
{
    char errbuf[CURL_ERROR_SIZE];
    bl_error last;
    int attempt;

    for (attempt = first;; attempt++) {
        sink s;
        long retry_after = 0;
        CURL *curl;
        enum outcome o;

        memset(&s, 0, sizeof s);
        s.max = max;
        s.opt = opt;
        errbuf[0] = '\0';
        if (!(curl = new_handle(opt, url, &s, errbuf)))
            return bl_error_set(err, BL_ENOMEM, "out of memory");
        o = judge_memory(curl, curl_easy_perform(curl), &s, url, errbuf, &retry_after, &last);
        curl_easy_cleanup(curl);
        if (o == DONE)
            return hand_out(&s, out, len, err);
        free(s.buf);
        if (o == FAIL || attempt >= opt->retries || !back_off(opt, attempt, retry_after))
            return bl_error_set(err, last.code, "%s", last.msg);
    }
}

int bl_fetch_memory(const bl_fetch_options *opt, const char *url, uint64_t max, char **out, size_t *len,
                    bl_error *err)
{
    int refused;
    *out = NULL;
    *len = 0;
    if ((refused = check_local_file(url, err)) != BL_OK)
        return refused;
    return memory_attempts(opt, url, max, 0, out, len, err);
}

/* Runs the transfers added to multi until none is left. */
static int run_multi(CURLM *multi, bl_error *err)
{
    int running = 1;
    while (running) {
        CURLMcode mc = curl_multi_perform(multi, &running);
        if (mc == CURLM_OK && running)
            mc = curl_multi_poll(multi, NULL, 0, 100, NULL);
        if (mc != CURLM_OK)
            return bl_error_set(err, BL_ENETWORK, "libcurl: %s", curl_multi_strerror(mc));
    }
    return BL_OK;
}

/* What libcurl said of each finished transfer. */
static void collect_results(CURLM *multi, CURL *const *handles, CURLcode *results, size_t count)
{
    CURLMsg *msg;
    int left;
    size_t i;
    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
        for (i = 0; i < count && msg->msg == CURLMSG_DONE; i++) {
            if (handles[i] == msg->easy_handle)
                results[i] = msg->data.result;
        }
    }
}

/* The first attempt of request i is over: its outcome, or the rest of its
 * attempts, one after the other (a retry is rare; it need not be at once). */
static void finish_request(const bl_fetch_options *opt, bl_fetch_request *r, CURL *curl, CURLcode result, sink *s,
                           const char *errbuf)
{
    long retry_after = 0;
    bl_error last;
    enum outcome o = judge_memory(curl, result, s, r->url, errbuf, &retry_after, &last);
    if (o == DONE) {
        r->rc = hand_out(s, &r->buf, &r->len, &r->err);
        return;
    }
    free(s->buf);
    s->buf = NULL;
    if (o == RETRY && opt->retries > 0 && back_off(opt, 0, retry_after))
        r->rc = memory_attempts(opt, r->url, r->max, 1, &r->buf, &r->len, &r->err);
    else
        r->rc = bl_error_set(&r->err, last.code, "%s", last.msg);
}

int bl_fetch_memory_many(const bl_fetch_options *opt, bl_fetch_request *reqs, size_t count, bl_error *err)
{
    sink sinks[BL_FETCH_MANY_MAX];
    CURL *handles[BL_FETCH_MANY_MAX];
    CURLcode results[BL_FETCH_MANY_MAX];
    char errbufs[BL_FETCH_MANY_MAX][CURL_ERROR_SIZE];
    CURLM *multi = NULL;
    size_t i;
    int rc = BL_OK;

    if (count > BL_FETCH_MANY_MAX)
        return bl_error_set(err, BL_EINVAL, "%zu transfers at once, at most %d", count, BL_FETCH_MANY_MAX);
    memset(sinks, 0, sizeof sinks);
    memset(handles, 0, sizeof handles);
    for (i = 0; i < count; i++) {
        reqs[i].buf = NULL;
        reqs[i].len = 0;
        reqs[i].rc = BL_OK;
        results[i] = CURLE_OK;
        errbufs[i][0] = '\0';
    }
    if (!(multi = curl_multi_init())) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto cleanup;
    }
    /* One connection to the server: over HTTP/2 the transfers are streams
     * on it at the same time (each waits, PIPEWAIT, to learn whether the
     * first connection can carry it rather than opening its own); over
     * HTTP/1.1 they take turns on it. */
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
    for (i = 0; i < count; i++) {
        if ((reqs[i].rc = check_local_file(reqs[i].url, &reqs[i].err)) != BL_OK)
            continue;
        sinks[i].max = reqs[i].max;
        sinks[i].opt = opt;
        if (!(handles[i] = new_handle(opt, reqs[i].url, &sinks[i], errbufs[i]))) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto cleanup;
        }
        curl_easy_setopt(handles[i], CURLOPT_PIPEWAIT, 1L);
        if (curl_multi_add_handle(multi, handles[i]) != CURLM_OK) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto cleanup;
        }
    }
    if ((rc = run_multi(multi, err)) != BL_OK)
        goto cleanup;
    collect_results(multi, handles, results, count);
    for (i = 0; i < count; i++) {
        if (handles[i])
            finish_request(opt, &reqs[i], handles[i], results[i], &sinks[i], errbufs[i]);
    }

cleanup:
    for (i = 0; i < count; i++) {
        if (!handles[i])
            continue;
        curl_multi_remove_handle(multi, handles[i]);
        curl_easy_cleanup(handles[i]);
        if (rc != BL_OK) /* stopped before any body was handed out */
            free(sinks[i].buf);
    }
    curl_multi_cleanup(multi);
    return rc;
}

int bl_fetch_file(const bl_fetch_options *opt, const char *url, const char *path, uint64_t exact_length,
                  bl_error *err)
{
    char errbuf[CURL_ERROR_SIZE];
    bl_error last;
    int attempt, refused;

    if ((refused = check_local_file(url, err)) != BL_OK)
        return refused;
    for (attempt = 0;; attempt++) {
        sink s;
        long retry_after = 0;
        uint64_t have = bl_fs_file_size(path);
        CURL *curl;
        CURLcode rc;
        enum outcome o;
        int closed;

        if (exact_length && have == exact_length)
            return BL_OK; /* the caller verifies the hash */
        if (exact_length && have > exact_length)
            have = 0; /* not a prefix of this file: start over */
        memset(&s, 0, sizeof s);
        s.max = exact_length;
        s.offset = have;
        s.opt = opt;
        s.path = path;
        errbuf[0] = '\0';
        s.file = fopen(path, have ? "ab" : "wb");
        if (!s.file)
            return bl_error_set(err, BL_EIO, "cannot write %s", path);
        if (!(curl = new_handle(opt, url, &s, errbuf))) {
            fclose(s.file);
            return bl_error_set(err, BL_ENOMEM, "out of memory");
        }
        if (have)
            curl_easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)have);
        rc = curl_easy_perform(curl);
        o = judge(curl, rc, &s, url, errbuf, &retry_after, &last);
        curl_easy_cleanup(curl);
        closed = s.file ? fclose(s.file) : -1;
        if (o == DONE) {
            uint64_t got = bl_fs_file_size(path);
            if (closed != 0)
                return bl_error_set(err, BL_ENOSPC, "cannot write %s (disk full?)", path);
            if (exact_length && got != exact_length)
                return bl_error_set(err, BL_ELENGTH, "%s: got %llu bytes, expected %llu", url,
                                    (unsigned long long)got, (unsigned long long)exact_length);
            return BL_OK;
        }
        if (o == FAIL || attempt >= opt->retries || !back_off(opt, attempt, retry_after))
            return bl_error_set(err, last.code, "%s", last.msg);
    }
}
