/* SPDX-License-Identifier: Apache-2.0 */
#include "release_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <uv.h>

#include "base/fsutil.h"

/* A scratch folder run-<pid>-XXXXXX whose process is gone is what a run that
 * died (killed, crashed) left: removed by the next run. */
static int remove_if_stale(void *ctx, const char *name, int is_dir)
{
    const char *base = ctx;
    char path[BL_PATH_MAX], *end;
    long pid;
    bl_error err;

    if (!is_dir || strncmp(name, "run-", 4) != 0)
        return 0;
    pid = strtol(name + 4, &end, 10);
    if (end == name + 4 || *end != '-' || pid <= 0 || uv_kill((int)pid, 0) != UV_ESRCH)
        return 0;
    if (bl_fs_join(path, sizeof path, base, name) == BL_OK)
        bl_fs_remove_tree(path, &err);
    return 0;
}

/* Makes the folder named by the template in out (ending in XXXXXX, inside
 * parent) and leaves its real name there; "" on failure. */
static int make_temp_dir(char *out, size_t size, const char *parent, bl_error *err)
{
    uv_fs_t req;
    int r = uv_fs_mkdtemp(NULL, &req, out, NULL);
    if (r == 0)
        snprintf(out, size, "%s", req.path);
    uv_fs_req_cleanup(&req);
    if (r < 0) {
        out[0] = '\0';
        return bl_error_sys(err, r, "cannot create a scratch folder in %s", parent);
    }
    return BL_OK;
}

int release_util_work_dir(const release_env *env, char *out, size_t size, bl_error *err)
{
    char base[BL_PATH_MAX];
    int rc;

    if (bl_fs_join(base, sizeof base, env->keys_dir, "work") != BL_OK ||
        snprintf(out, size, "%s/run-%d-XXXXXX", base, (int)uv_os_getpid()) >= (int)size)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", env->keys_dir);
    if ((rc = bl_fs_mkdir_p(base, err)) != BL_OK)
        return rc;
    bl_fs_list_dir(base, remove_if_stale, base, err);
    return make_temp_dir(out, size, base, err);
}

int release_util_temp_dir(const char *prefix, char *out, size_t size, bl_error *err)
{
    char tmp[BL_PATH_MAX];
    size_t len = sizeof tmp;
    int r;

    out[0] = '\0';
    if ((r = uv_os_tmpdir(tmp, &len)) < 0)
        return bl_error_sys(err, r, "cannot find the temporary folder");
    if (snprintf(out, size, "%s/%s-XXXXXX", tmp, prefix) >= (int)size) {
        out[0] = '\0';
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", tmp);
    }
    return make_temp_dir(out, size, tmp, err);
}

void release_util_remove_work_dir(const char *path)
{
    char parent[BL_PATH_MAX];
    uv_fs_t req;
    bl_error err;

    bl_fs_remove_tree(path, &err);
    /* work/ itself too, unless another run is using it */
    if (bl_fs_dirname(path, parent, sizeof parent) == BL_OK) {
        uv_fs_rmdir(NULL, &req, parent, NULL);
        uv_fs_req_cleanup(&req);
    }
}

int release_util_file_size(const char *path, uint64_t *size, bl_error *err)
{
    uv_fs_t req;
    int r = uv_fs_stat(NULL, &req, path, NULL);
    if (r == 0)
        *size = req.statbuf.st_size;
    uv_fs_req_cleanup(&req);
    if (r < 0)
        return bl_error_sys(err, r, "cannot read %s", path);
    return BL_OK;
}

int release_util_move(const char *from, const char *to, bl_error *err)
{
    char partial[BL_PATH_MAX];
    uv_fs_t req;
    int r = uv_fs_rename(NULL, &req, from, to, NULL);

    uv_fs_req_cleanup(&req);
    if (r != UV_EXDEV) {
        if (r < 0)
            return bl_error_sys(err, r, "cannot move %s to %s", from, to);
        return BL_OK;
    }
    /* another file system: a copy beside to, renamed over it once whole */
    if (snprintf(partial, sizeof partial, "%s.partial", to) >= (int)sizeof partial)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", to);
    r = uv_fs_copyfile(NULL, &req, from, partial, 0, NULL);
    uv_fs_req_cleanup(&req);
    if (r == 0) {
        r = uv_fs_rename(NULL, &req, partial, to, NULL);
        uv_fs_req_cleanup(&req);
    }
    if (r < 0) {
        uv_fs_unlink(NULL, &req, partial, NULL);
        uv_fs_req_cleanup(&req);
        return bl_error_sys(err, r, "cannot copy %s to %s", from, to);
    }
    return BL_OK;
}

void release_util_size(uint64_t bytes, char *out, size_t size)
{
    if (bytes >= 1000000000u)
        snprintf(out, size, "%.2f GB", (double)bytes / 1e9);
    else if (bytes >= 1000000u)
        snprintf(out, size, "%.1f MB", (double)bytes / 1e6);
    else if (bytes >= 10000u)
        snprintf(out, size, "%.0f KB", (double)bytes / 1e3);
    else
        snprintf(out, size, "%llu byte%s", (unsigned long long)bytes, release_util_plural(bytes));
}

const char *release_util_plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

int release_util_percent(const char *text, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || (*end && strcmp(end, "%") != 0) || v < 0 || v > 100)
        return 0;
    *out = (int)v;
    return 1;
}

int release_util_file_url(const char *path, char *out, size_t size, bl_error *err)
{
    char slashed[BL_PATH_MAX + 1], *url = NULL, *c;
    CURLU *u = curl_url();
    int rc = BL_OK;

    /* a Windows path, C:\x, is the URL path /C:/x */
    if (snprintf(slashed, sizeof slashed, "%s%s", path[0] == '/' ? "" : "/", path) >= (int)sizeof slashed)
        rc = bl_error_set(err, BL_ETOOBIG, "path too long: %s", path);
    for (c = slashed; rc == BL_OK && *c; c++)
        if (*c == '\\')
            *c = '/';
    if (rc == BL_OK &&
        (!u || curl_url_set(u, CURLUPART_SCHEME, "file", 0) != CURLUE_OK ||
         curl_url_set(u, CURLUPART_PATH, slashed, CURLU_URLENCODE) != CURLUE_OK ||
         curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK))
        rc = bl_error_set(err, BL_EINVAL, "%s: cannot be written as a file:// URL", path);
    if (rc == BL_OK && snprintf(out, size, "%s", url) >= (int)size)
        rc = bl_error_set(err, BL_ETOOBIG, "path too long: %s", path);
    curl_free(url);
    curl_url_cleanup(u);
    return rc;
}
