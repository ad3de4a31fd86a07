#include "release_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"

int release_util_work_dir(const release_env *env, char *out, size_t size, bl_error *err)
{
    char base[BL_PATH_MAX];
    uv_fs_t req;
    int r, rc;

    if (bl_fs_join(base, sizeof base, env->keys_dir, "work") != BL_OK ||
        snprintf(out, size, "%s/run-XXXXXX", base) >= (int)size)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", env->keys_dir);
    if ((rc = bl_fs_mkdir_p(base, err)) != BL_OK)
        return rc;
    r = uv_fs_mkdtemp(NULL, &req, out, NULL);
    if (r == 0)
        snprintf(out, size, "%s", req.path);
    uv_fs_req_cleanup(&req);
    if (r < 0)
        return bl_error_set(err, BL_EIO, "cannot create a scratch folder in %s: %s", base, uv_strerror(r));
    return BL_OK;
}

void release_util_remove_dir(const char *path)
{
    bl_error err;
    bl_fs_remove_tree(path, &err);
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

int release_util_rename(const char *from, const char *to, bl_error *err)
{
    uv_fs_t req;
    int r = uv_fs_rename(NULL, &req, from, to, NULL);
    uv_fs_req_cleanup(&req);
    if (r < 0)
        return bl_error_set(err, BL_EIO, "cannot rename %s to %s: %s", from, to, uv_strerror(r));
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
