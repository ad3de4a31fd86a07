/* bomiot-release verify and ls. verify reads the repository exactly as an
 * installed launcher would, through the launcher's own TUF client over
 * file:// (starting from 1.root.json, following every root rotation), then
 * checks each target's length and hashes, each patch's promised tar size, and
 * every entry of each archive against the launchers' unpack rules
 * (bl_unpack_check_archive: the same code the unpacker runs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "delta/delta.h"
#include "release.h"
#include "release_repo.h"
#include "release_util.h"
#include "start/log.h"
#include "start/version.h"
#include "update/digest.h"
#include "update/repo.h"
#include "update/unpack.h"

typedef struct {
    int problems, targets;
} tally;

static void problem(tally *t, const char *what, const bl_error *err)
{
    printf("FAIL %s: %s\n", what, err->msg);
    t->problems++;
}

static void check_patch_header(const char *path, const char *name, const bl_trust_tufup *info, tally *t)
{
    bl_delta_file *file = NULL;
    bl_delta_source src;
    uint64_t size = 0;
    bl_error err;

    if (bl_delta_file_open(path, &file, &src, &err) != BL_OK || bl_delta_patch_size(&src, &size, &err) != BL_OK) {
        problem(t, name, &err);
    } else if (size != info->tar_size) {
        bl_error_set(&err, BL_ECORRUPT, "the patch makes %llu bytes, its metadata promises a tar of %llu",
                     (unsigned long long)size, (unsigned long long)info->tar_size);
        problem(t, name, &err);
    }
    bl_delta_file_close(file);
}

static void check_target(const char *repo_dir, const bl_trust *trust, const bl_trust_target *target, tally *t)
{
    char file_name[512], path[BL_PATH_MAX];
    bl_trust_tufup info;
    bl_digest digest;
    bl_error err;

    t->targets++;
    if (bl_trust_target_file_name(trust, target, file_name, sizeof file_name, &err) != BL_OK ||
        snprintf(path, sizeof path, "%s/targets/%s", repo_dir, file_name) >= (int)sizeof path) {
        problem(t, target->path, &err);
        return;
    }
    if (bl_digest_file(path, &digest, &err) != BL_OK ||
        bl_trust_check_file(&target->file, target->path, digest.size, digest.sha256, digest.sha512, &err) != BL_OK ||
        bl_trust_tufup_info(target, &info, &err) != BL_OK) {
        problem(t, target->path, &err);
        return;
    }
    if (info.is_patch)
        check_patch_header(path, target->path, &info, t);
    else if (bl_unpack_check_archive(path, &err) != BL_OK) /* the launchers' unpack rules */
        problem(t, target->path, &err);
}

static int run_verify(const release_env *env, int argc, char **argv)
{
    char abs_repo[BL_PATH_MAX], url[BL_PATH_MAX + 16], shipped[BL_PATH_MAX], work[BL_PATH_MAX];
    const bl_trust_metadata *targets;
    bl_fetch_options fetch;
    bl_trust *trust = NULL;
    bl_repo repo;
    bl_error err;
    uv_fs_t req;
    tally t = {0, 0};
    size_t i;
    int r;

    (void)argv;
    if (argc != 1)
        return release_usage(&release_verb_verify);
    bl_error_clear(&err);
    work[0] = '\0';
    r = uv_fs_realpath(NULL, &req, env->repo_dir, NULL);
    if (r == 0)
        snprintf(abs_repo, sizeof abs_repo, "%s", (const char *)req.ptr);
    uv_fs_req_cleanup(&req);
    if (r < 0) {
        bl_error_set(&err, BL_ENOTFOUND, "no repository at %s: %s", env->repo_dir, uv_strerror(r));
        goto done;
    }
    if (snprintf(url, sizeof url, "file://%s", abs_repo) >= (int)sizeof url ||
        snprintf(shipped, sizeof shipped, "%s/metadata/1.root.json", abs_repo) >= (int)sizeof shipped) {
        bl_error_set(&err, BL_ETOOBIG, "path too long: %s", abs_repo);
        goto done;
    }
    bl_log_set_level(BL_LOG_WARN); /* the client's progress notes are not news here */
    /* a client that has never seen this repository: an empty metadata folder */
    if (bl_fetch_global_init(&err) != BL_OK || release_util_work_dir(env, work, sizeof work, &err) != BL_OK)
        goto done;
    bl_fetch_defaults(&fetch);
    memset(&repo, 0, sizeof repo);
    repo.metadata_dir = work;
    repo.base_url = url;
    repo.shipped_root = shipped;
    repo.now = env->now;
    repo.fetch = &fetch;
    if (bl_repo_refresh(&repo, &trust, &err) != BL_OK || bl_trust_targets(trust, &targets, &err) != BL_OK) {
        printf("FAIL metadata: %s\n", err.msg);
        t.problems++;
        goto done;
    }
    bl_error_clear(&err); /* "no 2.root.json" is how the rotation loop ends */
    printf("ok   metadata: root version %llu, timestamp, snapshot and targets signed and current\n",
           (unsigned long long)bl_trust_root_version(trust));
    for (i = 0; i < targets->target_count; i++)
        check_target(abs_repo, trust, &targets->targets[i], &t);
    printf("%s   targets: %d listed, %d problem%s\n", t.problems ? "FAIL" : "ok", t.targets, t.problems,
           t.problems == 1 ? "" : "s");

done:
    bl_trust_free(trust);
    if (work[0])
        release_util_remove_dir(work);
    bl_fetch_global_cleanup();
    if (err.code != BL_OK && t.problems == 0) {
        fprintf(stderr, "bomiot-release verify: %s\n", err.msg);
        return RELEASE_FAILED;
    }
    if (t.problems) {
        fprintf(stderr, "bomiot-release verify: %s is NOT fit to serve\n", env->repo_dir);
        return RELEASE_FAILED;
    }
    printf("the repository is good\n");
    return RELEASE_OK;
}

/* ---- ls ---- */

typedef struct {
    char version[BL_VERSION_MAX_TEXT];
    const cJSON *archive, *patch;
} listed;

static int by_version(const void *a, const void *b)
{
    return bl_version_compare_text(((const listed *)a)->version, ((const listed *)b)->version);
}

static uint64_t length_of(const cJSON *target)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(target, "length");
    return cJSON_IsNumber(l) ? (uint64_t)l->valuedouble : 0;
}

static int run_ls(const release_env *env, int argc, char **argv)
{
    release_repo repo;
    listed *rows = NULL;
    size_t count = 0, i;
    const cJSON *t;
    bl_error err;
    int rc = RELEASE_OK;

    (void)argv;
    if (argc != 1)
        return release_usage(&release_verb_ls);
    bl_error_clear(&err);
    if (release_repo_open(env, &repo, &err) != BL_OK) {
        fprintf(stderr, "bomiot-release ls: %s\n", err.msg);
        release_repo_close(&repo);
        return RELEASE_FAILED;
    }
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(release_repo_signed(&repo, BL_TRUST_TARGETS), "targets"))
    {
        char version[BL_VERSION_MAX_TEXT];
        int is_patch;
        if (!release_repo_target_version(&repo, t->string, version, sizeof version, &is_patch))
            continue;
        for (i = 0; i < count && strcmp(rows[i].version, version) != 0; i++)
            ;
        if (i == count) {
            listed *grown = realloc(rows, (count + 1) * sizeof *rows);
            if (!grown) {
                rc = RELEASE_FAILED;
                goto cleanup;
            }
            rows = grown;
            memset(&rows[count], 0, sizeof *rows);
            snprintf(rows[count].version, sizeof rows[count].version, "%s", version);
            count++;
        }
        if (is_patch)
            rows[i].patch = t;
        else
            rows[i].archive = t;
    }
    if (count)
        qsort(rows, count, sizeof *rows, by_version);
    printf("%-16s %12s %12s %8s %8s\n", "version", "archive", "patch", "rollout", "required");
    for (i = 0; i < count; i++) {
        const cJSON *custom = cJSON_GetObjectItemCaseSensitive(rows[i].archive, "custom");
        const cJSON *rollout = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(custom, "user"),
                                                                "rollout");
        const cJSON *required = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(custom, "tufup"),
                                                                 "required");
        char archive[32] = "-", patch[32] = "-", pct[16] = "100%";
        if (rows[i].archive)
            release_util_size(length_of(rows[i].archive), archive, sizeof archive);
        if (rows[i].patch)
            release_util_size(length_of(rows[i].patch), patch, sizeof patch);
        if (cJSON_IsNumber(rollout))
            snprintf(pct, sizeof pct, "%g%%", rollout->valuedouble);
        printf("%-16s %12s %12s %8s %8s\n", rows[i].version, archive, patch, pct,
               cJSON_IsTrue(required) ? "yes" : "no");
    }
    if (!count)
        printf("(no releases yet: bomiot-release add APP_DIR VERSION)\n");
cleanup:
    free(rows);
    release_repo_close(&repo);
    return rc;
}

const release_verb release_verb_verify = {
    "verify", "", "check the whole repository as a new client would; exit 0 only if all is good", run_verify};
const release_verb release_verb_ls = {"ls", "", "list the published versions, sizes, rollout and required",
                                      run_ls};
