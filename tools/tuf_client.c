/* SPDX-License-Identifier: Apache-2.0 */
/* bomiot-tuf: the launcher's TUF client behind the command line other TUF
 * test suites drive (the contract of python-tuf's conformance CLI):
 *
 *   bomiot-tuf --metadata-dir DIR init TRUSTED_ROOT_FILE
 *   bomiot-tuf --metadata-dir DIR --metadata-url URL refresh
 *   bomiot-tuf --metadata-dir DIR --metadata-url URL --target-name PATH [--target-name PATH ...]
 *              --target-base-url URL --target-dir DIR download
 *
 * download fetches the targets in the order given, after one refresh, and
 * stops at the first that fails. Exit 0 only when everything succeeded, 1
 * otherwise (the reason on stderr), 2 for usage. It is the launcher's own code (launcher/update/repo.c over trust.h
 * and fetch.h), so what a suite finds here holds for the launcher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
#include "start/log.h"
#include "update/digest.h"
#include "update/fetch.h"
#include "update/repo.h"

enum { OK = 0, FAILED = 1, USAGE = 2 };

typedef struct {
    const char *metadata_dir, *metadata_url, *target_base_url, *target_dir;
    const char *command, *root_file;
    const char **target_names; /* in argument order; points into argv */
    size_t target_count;
} options;

static int usage(void)
{
    fprintf(stderr, "usage: bomiot-tuf --metadata-dir DIR init TRUSTED_ROOT_FILE\n"
                    "       bomiot-tuf --metadata-dir DIR --metadata-url URL refresh\n"
                    "       bomiot-tuf --metadata-dir DIR --metadata-url URL --target-name PATH\n"
                    "                  [--target-name PATH ...] --target-base-url URL --target-dir DIR download\n");
    return USAGE;
}

/* 0 on a usage error. o->target_names has room for every argument; the
 * caller frees it. */
static int parse(int argc, char **argv, options *o)
{
    int i;
    memset(o, 0, sizeof *o);
    if (!(o->target_names = calloc((size_t)argc, sizeof *o->target_names)))
        return 0;
    for (i = 1; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--metadata-dir") == 0      ? &o->metadata_dir
                            : strcmp(argv[i], "--metadata-url") == 0    ? &o->metadata_url
                            : strcmp(argv[i], "--target-name") == 0     ? &o->target_names[o->target_count++]
                            : strcmp(argv[i], "--target-base-url") == 0 ? &o->target_base_url
                            : strcmp(argv[i], "--target-dir") == 0      ? &o->target_dir
                                                                        : NULL;
        if (slot) {
            if (i + 1 >= argc)
                return 0;
            *slot = argv[++i];
        } else if (!o->command) {
            o->command = argv[i];
        } else if (strcmp(o->command, "init") == 0 && !o->root_file) {
            o->root_file = argv[i];
        } else {
            return 0;
        }
    }
    if (!o->command || !o->metadata_dir)
        return 0;
    if (strcmp(o->command, "init") == 0)
        return o->root_file != NULL;
    if (strcmp(o->command, "refresh") == 0)
        return o->metadata_url != NULL;
    if (strcmp(o->command, "download") == 0)
        return o->metadata_url && o->target_count && o->target_base_url && o->target_dir;
    return 0;
}

/* The URL without a trailing '/', into out. */
static void trim(const char *url, char *out, size_t size)
{
    size_t n;
    snprintf(out, size, "%s", url);
    n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
}

/* One file name per target path, the same every time: the path
 * percent-encoded (so "a/b" is "a%2Fb", and no path can name anything
 * outside the target folder). */
static int local_name(const char *path, char *out, size_t size)
{
    /* "." and ".." would be folders, not files */
    return path[0] && bl_repo_url_encode(path, out, size) && strcmp(out, ".") != 0 && strcmp(out, "..") != 0;
}

static int download(const bl_repo *repo, bl_trust *trust, const options *o, const char *target_name, bl_error *err)
{
    char name[2048], path[BL_PATH_MAX];
    const bl_trust_target *target;
    bl_digest d;
    int rc;

    if ((rc = bl_repo_find_target(repo, trust, target_name, &target, err)) != BL_OK)
        return rc;
    if (!local_name(target_name, name, sizeof name) || bl_fs_join(path, sizeof path, o->target_dir, name) != BL_OK)
        return bl_error_set(err, BL_EINVAL, "target name '%.200s' cannot become a file name", target_name);
    /* already there and matching: nothing to fetch */
    if (bl_fs_exists(path) && bl_digest_file(path, &d, err) == BL_OK &&
        bl_trust_check_file(&target->file, target->path, d.size, d.sha256, d.sha512, err) == BL_OK)
        return BL_OK;
    remove(path); /* a stale or damaged copy is not a resumable prefix */
    if ((rc = bl_fs_mkdir_p(o->target_dir, err)) != BL_OK)
        return rc;
    rc = bl_repo_download_target(repo, trust, target, path, err);
    /* the contract: a file under the target's name is a verified one; a
     * partial download (network failure, slow server) is not kept */
    if (rc != BL_OK)
        remove(path);
    return rc;
}

int main(int argc, char **argv)
{
    char metadata_url[4096], targets_url[4096];
    bl_fetch_options fetch;
    bl_trust *trust = NULL;
    uv_timeval64_t now;
    bl_repo repo;
    bl_error err;
    options o;
    size_t i;
    int rc;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage();
        return OK;
    }
    if (!parse(argc, argv, &o)) {
        free(o.target_names);
        return usage();
    }
    bl_error_clear(&err);
    bl_log_set_level(BL_LOG_WARN);
    uv_gettimeofday(&now);
    if (strcmp(o.command, "init") == 0) {
        if ((rc = bl_fs_mkdir_p(o.metadata_dir, &err)) == BL_OK)
            rc = bl_repo_init(o.metadata_dir, o.root_file, now.tv_sec, &err);
        goto done;
    }
    if ((rc = bl_fetch_global_init(&err)) != BL_OK)
        goto done;
    bl_fetch_defaults(&fetch);
    /* one retry: a suite's slow or broken server gets its answer in about a
     * minute; the launcher keeps more, bounded by its own deadline */
    fetch.retries = 1;
    trim(o.metadata_url, metadata_url, sizeof metadata_url);
    memset(&repo, 0, sizeof repo);
    repo.metadata_dir = o.metadata_dir;
    repo.metadata_url = metadata_url;
    repo.base_url = metadata_url;
    repo.now = now.tv_sec;
    repo.fetch = &fetch;
    if (o.target_base_url) {
        trim(o.target_base_url, targets_url, sizeof targets_url);
        repo.targets_url = targets_url;
    }
    rc = bl_repo_refresh(&repo, &trust, &err);
    /* one client for every target, as the contract asks: delegated roles
     * fetched for one are trusted for the next */
    for (i = 0; rc == BL_OK && strcmp(o.command, "download") == 0 && i < o.target_count; i++)
        rc = download(&repo, trust, &o, o.target_names[i], &err);
    bl_trust_free(trust);
    bl_fetch_global_cleanup();
done:
    free(o.target_names);
    if (rc != BL_OK) { /* the message may quote the server: escaped as the log does */
        char text[4 * sizeof err.msg];
        bl_log_escape(err.msg, text, sizeof text);
        fprintf(stderr, "bomiot-tuf %s: %s\n", o.command, text);
        return FAILED;
    }
    return OK;
}
