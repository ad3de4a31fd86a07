/* SPDX-License-Identifier: Apache-2.0 */
/* The control endpoint (control.h). */
#include "control.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "platform.h"
#include "sha256.h"

#define REQUEST_MAX 512 /* {"request": "check"} and room to spare */
#define EVENT_LINE_MAX 4096

struct bl_control_client {
    uv_pipe_t pipe;
    bl_control *control;
    bl_control_client *next;
    char request[REQUEST_MAX];
    size_t len;
    int subscribed, ending;
    bl_check_stream stream;
};

struct bl_control {
    uv_pipe_t server;
    bl_control_check_fn on_check;
    void *ctx;
    bl_control_client *clients;
    int stopping, open_handles;
};

typedef struct {
    uv_write_t req;
    char data[EVENT_LINE_MAX];
} write_job;

int bl_control_endpoint(const bl_layout *layout, char *out, size_t size, bl_error *err)
{
    unsigned char digest[32];
    char id[17];
    bl_sha256 h;
    int i;
    bl_sha256_init(&h);
    bl_sha256_update(&h, layout->root, strlen(layout->root));
    bl_sha256_final(&h, digest);
    for (i = 0; i < 8; i++)
        snprintf(id + 2 * i, 3, "%02x", digest[i]);
    return bl_plat_control_endpoint(layout->cache_dir, id, out, size, err);
}

static void maybe_free(bl_control *c)
{
    if (c->stopping && c->open_handles == 0)
        free(c);
}

static void on_client_closed(uv_handle_t *handle)
{
    bl_control_client *client = handle->data, **p;
    bl_control *c = client->control;
    for (p = &c->clients; *p; p = &(*p)->next) {
        if (*p == client) {
            *p = client->next;
            break;
        }
    }
    free(client);
    c->open_handles--;
    maybe_free(c);
}

static void close_client(bl_control_client *client)
{
    if (!uv_is_closing((uv_handle_t *)&client->pipe))
        uv_close((uv_handle_t *)&client->pipe, on_client_closed);
}

static void on_written(uv_write_t *req, int status)
{
    (void)status; /* a client that went away misses the rest: nothing to undo */
    free(req->data);
}

static void send_text(bl_control_client *client, const char *text)
{
    write_job *job;
    uv_buf_t buf;
    size_t len = strlen(text);
    if (client->ending || len >= sizeof job->data || !(job = malloc(sizeof *job)))
        return;
    memcpy(job->data, text, len);
    job->req.data = job;
    buf = uv_buf_init(job->data, (unsigned int)len);
    if (uv_write(&job->req, (uv_stream_t *)&client->pipe, &buf, 1, on_written) != 0)
        free(job);
}

static void send_event(bl_control_client *client, const bl_check_event *event)
{
    char line[EVENT_LINE_MAX];
    if (bl_check_event_json(event, line, sizeof line) == BL_OK)
        send_text(client, line);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    close_client(req->data);
    free(req);
}

/* Ends the connection once what was written has gone out. */
static void end_client(bl_control_client *client)
{
    uv_shutdown_t *req;
    if (client->ending)
        return;
    client->ending = 1;
    uv_read_stop((uv_stream_t *)&client->pipe);
    if (!(req = malloc(sizeof *req)) || uv_shutdown(req, (uv_stream_t *)&client->pipe, on_shutdown) != 0) {
        free(req);
        close_client(client);
        return;
    }
    req->data = client;
}

void bl_control_reply(bl_control_client *client, const bl_check_event *event)
{
    send_event(client, event);
    end_client(client);
}

void bl_control_subscribe(bl_control_client *client)
{
    bl_check_event events[3];
    int i, n;
    client->subscribed = 1;
    memset(&client->stream, 0, sizeof client->stream);
    n = bl_check_stream_next(&client->stream, NULL, "", uv_hrtime(), events);
    for (i = 0; i < n; i++)
        send_event(client, &events[i]);
}

void bl_control_progress(bl_control *c, const bl_progress_view *view, const char *current, uint64_t now_ns)
{
    bl_control_client *client;
    bl_check_event events[3];
    int i, n;
    for (client = c ? c->clients : NULL; client; client = client->next) {
        if (!client->subscribed || client->ending)
            continue;
        n = bl_check_stream_next(&client->stream, view, current, now_ns, events);
        for (i = 0; i < n; i++)
            send_event(client, &events[i]);
    }
}

void bl_control_final(bl_control *c, const bl_check_event *event)
{
    bl_control_client *client, *next;
    for (client = c ? c->clients : NULL; client; client = next) {
        next = client->next; /* end_client may close at once */
        if (client->subscribed && !client->ending)
            bl_control_reply(client, event);
    }
}

static void failed(bl_control_client *client, const char *why)
{
    bl_check_event event;
    memset(&event, 0, sizeof event);
    event.kind = BL_CHECK_FAILED;
    snprintf(event.error, sizeof event.error, "%s", why);
    bl_control_reply(client, &event);
}

static void handle_request(bl_control_client *client)
{
    cJSON *o = cJSON_ParseWithLength(client->request, client->len);
    const cJSON *request = cJSON_GetObjectItemCaseSensitive(o, "request");
    int is_check = cJSON_IsString(request) && strcmp(request->valuestring, "check") == 0;
    cJSON_Delete(o);
    uv_read_stop((uv_stream_t *)&client->pipe); /* one request per connection */
    if (!is_check) {
        failed(client, "unknown request");
        return;
    }
    bl_log(BL_LOG_INFO, "control", "a check was asked for (--check)");
    client->control->on_check(client->control->ctx, client);
}

static void alloc_request(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    bl_control_client *client = handle->data;
    (void)suggested;
    *buf = uv_buf_init(client->request + client->len, (unsigned int)(sizeof client->request - client->len));
}

static void on_request_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    bl_control_client *client = stream->data;
    char *newline;
    (void)buf;
    if (n < 0) {
        close_client(client);
        return;
    }
    client->len += (size_t)n;
    newline = memchr(client->request, '\n', client->len);
    if (newline)
        client->len = (size_t)(newline - client->request);
    if (newline)
        handle_request(client);
    else if (client->len == sizeof client->request)
        failed(client, "unknown request");
}

static void on_connection(uv_stream_t *server, int status)
{
    bl_control *c = server->data;
    bl_control_client *client;
    if (status < 0 || c->stopping || !(client = calloc(1, sizeof *client)))
        return;
    client->control = c;
    uv_pipe_init(server->loop, &client->pipe, 0);
    client->pipe.data = client;
    c->open_handles++;
    client->next = c->clients;
    c->clients = client;
    if (uv_accept(server, (uv_stream_t *)&client->pipe) != 0 ||
        uv_read_start((uv_stream_t *)&client->pipe, alloc_request, on_request_read) != 0)
        close_client(client);
}

static void on_server_closed(uv_handle_t *handle)
{
    bl_control *c = handle->data;
    c->open_handles--;
    maybe_free(c);
}

int bl_control_start(uv_loop_t *loop, const char *endpoint, bl_control_check_fn on_check, void *ctx,
                     bl_control **out, bl_error *err)
{
    bl_control *c;
    uv_fs_t req;
    int rc;

    *out = NULL;
    if (!(c = calloc(1, sizeof *c)))
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    c->on_check = on_check;
    c->ctx = ctx;
    uv_pipe_init(loop, &c->server, 0);
    c->server.data = c;
    c->open_handles = 1;
    /* A socket file left by a launcher that was killed: only the lock
     * holder binds, so it is never another's live one. */
    uv_fs_unlink(NULL, &req, endpoint, NULL);
    uv_fs_req_cleanup(&req);
    if ((rc = uv_pipe_bind(&c->server, endpoint)) != 0 || (rc = uv_listen((uv_stream_t *)&c->server, 8,
                                                                          on_connection)) != 0) {
        c->stopping = 1;
        uv_close((uv_handle_t *)&c->server, on_server_closed);
        return bl_error_sys(err, rc, "cannot serve --check at %s", endpoint);
    }
    /* The installation's user's alone (a Unix socket's mode; a named pipe
     * has no file, and this fails harmlessly there). */
    uv_fs_chmod(NULL, &req, endpoint, 0600, NULL);
    uv_fs_req_cleanup(&req);
    *out = c;
    return BL_OK;
}

void bl_control_stop(bl_control *c)
{
    bl_control_client *client, *next;
    if (!c)
        return;
    c->stopping = 1;
    for (client = c->clients; client; client = next) {
        next = client->next;
        if (client->subscribed && !client->ending)
            failed(client, "the launcher is exiting (the app has ended); run --check again");
        else
            close_client(client);
    }
    uv_close((uv_handle_t *)&c->server, on_server_closed); /* libuv removes the socket file */
}

/* The client side, on a loop of its own. */
typedef struct {
    uv_pipe_t pipe;
    uv_connect_t connect;
    uv_write_t write;
    char request[REQUEST_MAX];
    char line[EVENT_LINE_MAX];
    size_t len;
    int too_long, connected, broken;
    void (*on_line)(void *ctx, const char *line, size_t len);
    void *ctx;
} requester;

static void alloc_line(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    requester *r = handle->data;
    (void)suggested;
    if (r->len == sizeof r->line) { /* a line longer than any event: dropped */
        r->too_long = 1;
        r->len = 0;
    }
    *buf = uv_buf_init(r->line + r->len, (unsigned int)(sizeof r->line - r->len));
}

static void on_reply_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    requester *r = stream->data;
    char *newline;
    size_t used;
    (void)buf;
    if (n < 0) {
        r->broken = n != UV_EOF;
        uv_close((uv_handle_t *)&r->pipe, NULL);
        return;
    }
    r->len += (size_t)n;
    while ((newline = memchr(r->line, '\n', r->len))) {
        used = (size_t)(newline - r->line) + 1;
        if (!r->too_long)
            r->on_line(r->ctx, r->line, used - 1);
        r->too_long = 0;
        memmove(r->line, r->line + used, r->len - used);
        r->len -= used;
    }
}

static void on_request_written(uv_write_t *req, int status)
{
    requester *r = req->data;
    if (status < 0) {
        r->broken = 1;
        uv_close((uv_handle_t *)&r->pipe, NULL);
    }
}

static void on_connected(uv_connect_t *req, int status)
{
    requester *r = req->data;
    uv_buf_t buf = uv_buf_init(r->request, (unsigned int)strlen(r->request));
    if (status < 0) {
        uv_close((uv_handle_t *)&r->pipe, NULL);
        return;
    }
    r->connected = 1;
    r->write.data = r;
    if (uv_write(&r->write, (uv_stream_t *)&r->pipe, &buf, 1, on_request_written) != 0 ||
        uv_read_start((uv_stream_t *)&r->pipe, alloc_line, on_reply_read) != 0) {
        r->broken = 1;
        uv_close((uv_handle_t *)&r->pipe, NULL);
    }
}

int bl_control_request(const char *endpoint, const char *request,
                       void (*on_line)(void *ctx, const char *line, size_t len), void *ctx, bl_error *err)
{
    uv_loop_t loop;
    requester *r = calloc(1, sizeof *r);
    int rc;

    if (!r)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if ((rc = uv_loop_init(&loop)) != 0) {
        free(r);
        return bl_error_sys(err, rc, "cannot reach the running launcher");
    }
    snprintf(r->request, sizeof r->request, "%s\n", request);
    r->on_line = on_line;
    r->ctx = ctx;
    uv_pipe_init(&loop, &r->pipe, 0);
    r->pipe.data = r;
    r->connect.data = r;
    uv_pipe_connect(&r->connect, &r->pipe, endpoint, on_connected);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    rc = !r->connected ? bl_error_set(err, BL_ENOTFOUND, "nobody serves %s", endpoint)
         : r->broken   ? bl_error_set(err, BL_EIO, "the running launcher closed the connection")
                       : BL_OK;
    free(r);
    return rc;
}
