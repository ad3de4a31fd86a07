/* SPDX-License-Identifier: Apache-2.0 */
#include "selfupdate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
#include "log.h"
#include "module.h"
#include "platform.h"
#include "supervise.h"

#define SMOKE_TEST_MS 5000
#define COMPARE_CHUNK 65536

static int read_chunk(uv_file fd, char *buf, size_t size, int64_t offset)
{
    uv_fs_t req;
    uv_buf_t b = uv_buf_init(buf, (unsigned int)size);
    int n = uv_fs_read(NULL, &req, fd, &b, 1, offset, NULL);
    uv_fs_req_cleanup(&req);
    return n;
}

/* 1 when both files hold the same bytes. Out of memory it says 1: the
 * launcher stays as it is for this start rather than be swapped half-checked. */
static int same_content(const char *a, const char *b)
{
    char *buf_a = malloc(2 * COMPARE_CHUNK), *buf_b = buf_a + COMPARE_CHUNK;
    uv_fs_t req;
    uv_file fa, fb;
    int64_t offset = 0;
    int same = 1, na, nb;

    if (!buf_a)
        return 1;
    fa = uv_fs_open(NULL, &req, a, UV_FS_O_RDONLY, 0, NULL);
    uv_fs_req_cleanup(&req);
    fb = uv_fs_open(NULL, &req, b, UV_FS_O_RDONLY, 0, NULL);
    uv_fs_req_cleanup(&req);
    if (fa < 0 || fb < 0) {
        same = fa < 0 && fb < 0;
        goto cleanup;
    }
    do {
        na = read_chunk(fa, buf_a, COMPARE_CHUNK, offset);
        nb = read_chunk(fb, buf_b, COMPARE_CHUNK, offset);
        if (na != nb || na < 0 || memcmp(buf_a, buf_b, (size_t)na) != 0)
            same = 0;
        offset += na > 0 ? na : 0;
    } while (same && na > 0);

cleanup:
    if (fa >= 0)
        uv_fs_close(NULL, &req, fa, NULL), uv_fs_req_cleanup(&req);
    if (fb >= 0)
        uv_fs_close(NULL, &req, fb, NULL), uv_fs_req_cleanup(&req);
    free(buf_a);
    return same;
}

/* Copies from to a new file to, executable and on disk. */
static int copy_durably(const char *from, const char *to, bl_error *err)
{
    uv_fs_t req;
    uv_file fd;
    int rc;

    uv_fs_unlink(NULL, &req, to, NULL);
    uv_fs_req_cleanup(&req);
    rc = uv_fs_copyfile(NULL, &req, from, to, 0, NULL);
    uv_fs_req_cleanup(&req);
    if (rc == 0) {
        rc = uv_fs_chmod(NULL, &req, to, 0755, NULL);
        uv_fs_req_cleanup(&req);
    }
    if (rc == 0 && (fd = uv_fs_open(NULL, &req, to, UV_FS_O_RDWR, 0, NULL)) >= 0) {
        uv_fs_req_cleanup(&req);
        rc = uv_fs_fsync(NULL, &req, fd, NULL);
        uv_fs_req_cleanup(&req);
        uv_fs_close(NULL, &req, fd, NULL);
    }
    uv_fs_req_cleanup(&req);
    if (rc != 0)
        return bl_error_sys(err, rc, "cannot copy %s to %s", from, to);
    return BL_OK;
}

/* The modules the new launcher loads (module.h) come with it in the version
 * folder, named after its version: they go beside the running launcher
 * first, where the old launcher's own (other names) stay in use until it is
 * gone. A module already there under the same name belongs to a launcher of
 * the same version and stays: overwriting it would bet the running
 * launcher's updates on a file its --self-check has not seen. */
typedef struct {
    const char *from_dir, *to_dir;
    int rc;
    bl_error *err;
} module_copy;

static int copy_module(void *ctx, const char *name, int is_dir)
{
    module_copy *c = ctx;
    char from[BL_PATH_MAX], to[BL_PATH_MAX], tmp[BL_PATH_MAX + 8];
    if (is_dir || !bl_module_is_file(name))
        return 0;
    if (bl_fs_join(from, sizeof from, c->from_dir, name) != BL_OK || bl_fs_join(to, sizeof to, c->to_dir, name) != BL_OK) {
        c->rc = bl_error_set(c->err, BL_ETOOBIG, "install path too long");
        return c->rc;
    }
    if (bl_fs_exists(to))
        return 0;
    bl_log(BL_LOG_INFO, "selfupdate", "copying the module %s beside the launcher", name);
    snprintf(tmp, sizeof tmp, "%s.new", to);
    if ((c->rc = copy_durably(from, tmp, c->err)) != BL_OK ||
        (c->rc = bl_plat_replace_file(tmp, to, c->err)) != BL_OK) {
        remove(tmp);
        return c->rc;
    }
    return 0;
}

/* Copies the version's modules and its launcher (candidate) beside the
 * running launcher, the launcher as bomiot-launcher.new. */
static int stage(const bl_layout *layout, const char *version, const char *candidate, bl_error *err)
{
    char dir[BL_PATH_MAX];
    module_copy c = {dir, layout->root, BL_OK, err};
    int rc;
    if ((rc = bl_layout_version_dir(layout, version, dir, sizeof dir, err)) != BL_OK ||
        (rc = bl_fs_list_dir(dir, copy_module, &c, err)) != BL_OK)
        return rc;
    return copy_durably(candidate, layout->staged_launcher, err);
}

typedef struct {
    int exited, code, signal;
    uv_timer_t timer;
    uv_process_t process;
} smoke;

static void smoke_exit(uv_process_t *proc, int64_t status, int signal)
{
    smoke *s = proc->data;
    s->exited = 1;
    s->code = (int)status;
    s->signal = signal;
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)proc, NULL);
    uv_close((uv_handle_t *)&s->timer, NULL);
}

static void smoke_timeout(uv_timer_t *timer)
{
    smoke *s = timer->data;
    uv_process_kill(&s->process, SIGKILL);
}

/* The new launcher must at least load, link, find modules that fit it and
 * say so (--self-check). */
static int smoke_test(const char *exe, bl_error *err)
{
    char *args[] = {(char *)exe, "--self-check", NULL};
    uv_loop_t loop;
    uv_process_options_t options;
    smoke s;
    int rc;

    memset(&options, 0, sizeof options);
    memset(&s, 0, sizeof s);
    if ((rc = uv_loop_init(&loop)) != 0)
        return bl_error_set(err, BL_EIO, "cannot start the event loop: %s", uv_strerror(rc));
    options.file = exe;
    options.args = args;
    options.exit_cb = smoke_exit;
    s.process.data = s.timer.data = &s;
    uv_timer_init(&loop, &s.timer);
    rc = uv_spawn(&loop, &s.process, &options);
    if (rc != 0) {
        uv_close((uv_handle_t *)&s.process, NULL);
        uv_close((uv_handle_t *)&s.timer, NULL);
    } else {
        uv_timer_start(&s.timer, smoke_timeout, SMOKE_TEST_MS, 0);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (rc != 0)
        return bl_error_set(err, BL_EIO, "the new launcher cannot be started: %s", uv_strerror(rc));
    if (s.signal || s.code != 0)
        return bl_error_set(err, BL_ECORRUPT, "the new launcher failed its check (--self-check %s %d)",
                            s.signal ? "died of signal" : "exited with", s.signal ? s.signal : s.code);
    return BL_OK;
}

/* Modules of another launcher version than this one: what a self-update
 * left of the launcher it replaced. */
static int remove_stale_module(void *ctx, const char *name, int is_dir)
{
    const bl_layout *layout = ctx;
    char path[BL_PATH_MAX], update[128], splash[128];
    bl_error err;
    bl_module_file_name("update", update, sizeof update);
    bl_module_file_name("splash", splash, sizeof splash);
    if (!is_dir && bl_module_is_file(name) && strcmp(name, update) != 0 && strcmp(name, splash) != 0 &&
        bl_fs_join(path, sizeof path, layout->root, name) == BL_OK && bl_fs_remove_tree(path, &err) == BL_OK)
        bl_log(BL_LOG_INFO, "selfupdate", "removed %s, a module of the launcher this one replaced", name);
    return 0;
}

void bl_selfupdate_cleanup(const bl_layout *layout)
{
    bl_error err;
    bl_fs_list_dir(layout->root, remove_stale_module, (void *)layout, &err);
    bl_fs_remove_tree(layout->old_launcher, &err);
    bl_fs_remove_tree(layout->staged_launcher, &err);
}

int bl_selfupdate_apply(const bl_layout *layout, const char *exe, const char *version, char **argv,
                        int *handed_over, bl_error *err)
{
    char candidate[BL_PATH_MAX]; /* the version's own launcher */
    int rc;

    *handed_over = 0;
    if ((rc = bl_layout_app_path(layout, BL_LAYOUT_LAUNCHER, version, candidate, sizeof candidate, err)) != BL_OK)
        return rc;
    if (!bl_fs_exists(candidate) || same_content(candidate, exe))
        return BL_OK;
    bl_log(BL_LOG_INFO, "selfupdate", "version %s carries a new launcher; installing it", version);
    if ((rc = stage(layout, version, candidate, err)) != BL_OK || (rc = smoke_test(layout->staged_launcher, err)) != BL_OK ||
        (rc = bl_plat_swap_running_exe(layout->staged_launcher, exe, layout->old_launcher, err)) != BL_OK) {
        bl_selfupdate_cleanup(layout);
        return rc;
    }
    bl_log(BL_LOG_INFO, "selfupdate", "launcher replaced; restarting into it");
    uv_os_setenv(BL_SELFUPDATE_ENV, version);
    rc = bl_plat_exec(exe, argv, err);
    if (rc == BL_EUNSUPPORTED) { /* Windows: the new launcher takes over in a new process */
        rc = bl_supervise_spawn_detached(exe, argv, err);
        if (rc == BL_OK) {
            *handed_over = 1;
            return BL_OK;
        }
    }
    /* exec failed: put the old launcher back and carry on with this one */
    uv_os_unsetenv(BL_SELFUPDATE_ENV);
    if (bl_plat_replace_file(layout->old_launcher, exe, NULL) != BL_OK)
        bl_log(BL_LOG_ERROR, "selfupdate", "could not restore the old launcher from %s", layout->old_launcher);
    return rc;
}
