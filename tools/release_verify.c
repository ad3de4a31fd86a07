/* SPDX-License-Identifier: Apache-2.0 */
/* bomiot-release verify and ls. verify reads the repository exactly as an
 * installed launcher would, through the launcher's own TUF client over
 * file:// (starting from 1.root.json, following every root rotation), then
 * checks each target's length and hashes, each patch's promised tar size
 * (a .patch must be BSDIFF40 and a .zpatch the zstd format, as clients
 * choose them by name),
 * every entry of each archive against the launchers' unpack rules
 * (bl_unpack_check_archive: the same code the unpacker runs), and that the
 * folder holds no file the metadata does not list. Neither needs the keys
 * folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
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
    /* tufup and older launchers read a .patch as BSDIFF40 whatever it holds */
    size_t n = strlen(name);
    int want = n > 7 && strcmp(name + n - 7, RELEASE_ZPATCH_SUFFIX) == 0 ? BL_DELTA_ZSTD : BL_DELTA_BSDIFF40;
    bl_delta_file *file = NULL;
    bl_delta_source src;
    uint64_t size = 0;
    bl_error err;
    int format = -1;

    if (bl_delta_file_open(path, &file, &src, &err) != BL_OK || bl_delta_patch_format(&src, &format, &err) != BL_OK ||
        bl_delta_patch_size(&src, &size, &err) != BL_OK) {
        problem(t, name, &err);
    } else if (format != want) {
        bl_error_set(&err, BL_ECORRUPT, "a %s target must be a %s patch; this one is %s",
                     want == BL_DELTA_ZSTD ? RELEASE_ZPATCH_SUFFIX : RELEASE_PATCH_SUFFIX,
                     want == BL_DELTA_ZSTD ? "zstd-format" : "BSDIFF40", format == BL_DELTA_ZSTD ? "zstd" : "BSDIFF40");
        problem(t, name, &err);
    } else if (size != info->tar_size) {
        bl_error_set(&err, BL_ECORRUPT, "the patch makes %llu byte%s, its metadata promises a tar of %llu",
                     (unsigned long long)size, release_util_plural(size), (unsigned long long)info->tar_size);
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

/* ---- files the metadata does not list ---- */

typedef struct {
    const bl_trust *trust;
    const char *repo_dir, *folder; /* "metadata" or "targets" */
    tally *t;
} listing;

/* "N.<name>" with 1 <= N <= max: a version of name kept beside it. */
static int is_version_of(const char *file, const char *name, uint64_t max)
{
    char *end;
    unsigned long long n = strtoull(file, &end, 10);
    return end != file && file[0] != '0' && *end == '.' && strcmp(end + 1, name) == 0 && n >= 1 && n <= max;
}

static int metadata_listed(const bl_trust *trust, const char *file)
{
    const bl_trust_metadata *snapshot = bl_trust_get(trust, BL_TRUST_SNAPSHOT);
    int consistent = bl_trust_consistent_snapshot(trust);
    size_t i;

    if (strcmp(file, "root.json") == 0 || strcmp(file, "timestamp.json") == 0 ||
        strcmp(file, "snapshot.json") == 0 || is_version_of(file, "root.json", bl_trust_root_version(trust)))
        return 1;
    if (consistent && snapshot && is_version_of(file, "snapshot.json", snapshot->version))
        return 1;
    for (i = 0; snapshot && i < snapshot->meta_count; i++)
        if (strcmp(file, snapshot->meta[i].name) == 0 ||
            (consistent && is_version_of(file, snapshot->meta[i].name, snapshot->meta[i].version)))
            return 1;
    return 0;
}

static int targets_listed(const bl_trust *trust, const char *file, int is_dir)
{
    const bl_trust_metadata *targets = bl_trust_get(trust, BL_TRUST_TARGETS);
    char hashed[512];
    size_t i, n = strlen(file);
    bl_error err;

    for (i = 0; targets && i < targets->target_count; i++) {
        const bl_trust_target *target = &targets->targets[i];
        if (is_dir ? strncmp(target->path, file, n) == 0 && target->path[n] == '/'
                   : strcmp(target->path, file) == 0 ||
                         (bl_trust_target_file_name(trust, target, hashed, sizeof hashed, &err) == BL_OK &&
                          strcmp(hashed, file) == 0))
            return 1;
    }
    return 0;
}

static int check_entry(void *ctx, const char *name, int is_dir)
{
    listing *l = ctx;
    int listed;

    if (!l->folder)
        listed = is_dir && (strcmp(name, "metadata") == 0 || strcmp(name, "targets") == 0);
    else if (strcmp(l->folder, "metadata") == 0)
        listed = !is_dir && metadata_listed(l->trust, name);
    else
        listed = targets_listed(l->trust, name, is_dir);
    if (!listed) {
        printf("FAIL stray file %s%s%s%s: the metadata does not list it, so no client reads it; remove it "
               "before publishing\n",
               l->folder ? l->folder : "", l->folder ? "/" : "", name, is_dir ? "/" : "");
        l->t->problems++;
    }
    return 0;
}

/* Every file in the repository that the verified metadata does not list (a
 * .partial, a stray copy, a file of another repository) is a problem: the
 * folder is published whole. */
static void check_unlisted(const char *repo_dir, const bl_trust *trust, tally *t)
{
    static const char *const folders[] = {NULL, "metadata", "targets"};
    char path[BL_PATH_MAX];
    listing l;
    bl_error err;
    size_t i;

    for (i = 0; i < sizeof folders / sizeof folders[0]; i++) {
        l.trust = trust;
        l.repo_dir = repo_dir;
        l.folder = folders[i];
        l.t = t;
        if (snprintf(path, sizeof path, "%s%s%s", repo_dir, folders[i] ? "/" : "", folders[i] ? folders[i] : "") >=
                (int)sizeof path ||
            bl_fs_list_dir(path, check_entry, &l, &err) != BL_OK) {
            if (folders[i] && strcmp(folders[i], "targets") == 0 && !bl_fs_exists(path))
                continue; /* no targets yet */
            problem(t, path, &err);
        }
    }
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
    int listed_problems;
    bl_error err2;
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
    if (release_util_file_url(abs_repo, url, sizeof url, &err) != BL_OK)
        goto done;
    if (snprintf(shipped, sizeof shipped, "%s/metadata/1.root.json", abs_repo) >= (int)sizeof shipped) {
        bl_error_set(&err, BL_ETOOBIG, "path too long: %s", abs_repo);
        goto done;
    }
    bl_log_set_level(BL_LOG_WARN); /* the client's progress notes are not news here */
    /* a client that has never seen this repository: an empty metadata folder */
    if (bl_fetch_global_init(&err) != BL_OK || release_util_temp_dir("bomiot-verify", work, sizeof work, &err) != BL_OK)
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
    listed_problems = t.problems;
    check_unlisted(abs_repo, trust, &t);
    if (t.problems == listed_problems)
        printf("ok   files: every file in the repository is listed in the metadata\n");

done:
    bl_trust_free(trust);
    if (work[0])
        bl_fs_remove_tree(work, &err2);
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
    char app[RELEASE_APP_MAX];
    char version[BL_VERSION_MAX_TEXT];
    const cJSON *archive, *patch, *zpatch; /* .tar.gz, .patch (BSDIFF40), .zpatch (zstd) */
} listed;

static int by_app_and_version(const void *a, const void *b)
{
    const listed *x = a, *y = b;
    int c = strcmp(x->app, y->app);
    return c ? c : bl_version_compare_text(x->version, y->version);
}

static uint64_t length_of(const cJSON *target)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(target, "length");
    return cJSON_IsNumber(l) ? (uint64_t)l->valuedouble : 0;
}

/* repo/metadata/targets.json's "targets", as published (ls reads, it does
 * not verify: verify does). */
static int read_targets(const release_env *env, cJSON **doc, const cJSON **targets, bl_error *err)
{
    char path[BL_PATH_MAX], *text = NULL;
    size_t len;
    int rc;

    if (snprintf(path, sizeof path, "%s/metadata/targets.json", env->repo_dir) >= (int)sizeof path)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", env->repo_dir);
    if ((rc = bl_fs_read_all(path, 64u * 1024 * 1024, &text, &len, err)) != BL_OK) {
        if (rc == BL_ENOTFOUND)
            bl_error_set(err, rc, "%s is missing: is %s a repository (made by bomiot-release init)?", path,
                         env->repo_dir);
        return rc;
    }
    *doc = cJSON_ParseWithLength(text, len);
    free(text);
    *targets = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(*doc, "signed"), "targets");
    if (!cJSON_IsObject(*targets))
        return bl_error_set(err, BL_ECORRUPT, "%s is not TUF targets metadata (no signed.targets)", path);
    return BL_OK;
}

/* One row per release of each app found in the target names (the
 * repository alone says which: no keys folder needed). */
static int collect(const cJSON *targets, listed **rows_out, size_t *count_out)
{
    listed *rows = NULL;
    size_t count = 0, i;
    const cJSON *t;

    cJSON_ArrayForEach(t, targets)
    {
        char app[RELEASE_APP_MAX], version[BL_VERSION_MAX_TEXT];
        int kind;
        if (!release_target_split(t->string, app, sizeof app, version, sizeof version, &kind))
            continue;
        for (i = 0; i < count && (strcmp(rows[i].version, version) != 0 || strcmp(rows[i].app, app) != 0); i++)
            ;
        if (i == count) {
            listed *grown = realloc(rows, (count + 1) * sizeof *rows);
            if (!grown) {
                free(rows);
                return 0;
            }
            rows = grown;
            memset(&rows[count], 0, sizeof *rows);
            snprintf(rows[count].app, sizeof rows[count].app, "%s", app);
            snprintf(rows[count].version, sizeof rows[count].version, "%s", version);
            count++;
        }
        if (kind == RELEASE_ZPATCH)
            rows[i].zpatch = t;
        else if (kind == RELEASE_PATCH)
            rows[i].patch = t;
        else
            rows[i].archive = t;
    }
    if (count)
        qsort(rows, count, sizeof *rows, by_app_and_version);
    *rows_out = rows;
    *count_out = count;
    return 1;
}

static void print_row(const listed *row)
{
    const cJSON *custom = cJSON_GetObjectItemCaseSensitive(row->archive, "custom");
    const cJSON *rollout = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(custom, "user"),
                                                            "rollout");
    const cJSON *required = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(custom, "tufup"),
                                                             "required");
    char archive[32] = "-", patch[32] = "-", zpatch[32] = "-", pct[16] = "100%";
    const char *channel = "?";
    bl_version v;

    if (row->archive)
        release_util_size(length_of(row->archive), archive, sizeof archive);
    if (row->patch)
        release_util_size(length_of(row->patch), patch, sizeof patch);
    if (row->zpatch)
        release_util_size(length_of(row->zpatch), zpatch, sizeof zpatch);
    if (cJSON_IsNumber(rollout))
        snprintf(pct, sizeof pct, "%g%%", rollout->valuedouble);
    /* pre-releases (a, b, rc, dev) reach only launchers on the beta channel */
    if (bl_version_parse(row->version, &v, NULL) == BL_OK)
        channel = bl_version_is_prerelease(&v) ? "beta" : "all";
    printf("%-16s %12s %12s %12s %8s %8s %8s\n", row->version, archive, patch, zpatch, pct,
           cJSON_IsTrue(required) ? "yes" : "no", channel);
}

static int run_ls(const release_env *env, int argc, char **argv)
{
    listed *rows = NULL;
    size_t count = 0, i;
    const cJSON *targets;
    cJSON *doc = NULL;
    bl_error err;
    int beta = 0, patches = 0;

    (void)argv;
    if (argc != 1)
        return release_usage(&release_verb_ls);
    bl_error_clear(&err);
    if (read_targets(env, &doc, &targets, &err) != BL_OK) {
        fprintf(stderr, "bomiot-release ls: %s\n", err.msg);
        cJSON_Delete(doc);
        return RELEASE_FAILED;
    }
    if (!collect(targets, &rows, &count)) {
        fprintf(stderr, "bomiot-release ls: out of memory\n");
        cJSON_Delete(doc);
        return RELEASE_FAILED;
    }
    for (i = 0; i < count; i++) {
        bl_version v;
        if (i == 0 || strcmp(rows[i].app, rows[i - 1].app) != 0)
            printf("%sapp: %s\n%-16s %12s %12s %12s %8s %8s %8s\n", i ? "\n" : "", rows[i].app, "version", "archive",
                   "bsdiff40", "zstd", "rollout", "required", "channel");
        print_row(&rows[i]);
        patches |= rows[i].patch || rows[i].zpatch;
        beta |= bl_version_parse(rows[i].version, &v, NULL) == BL_OK && bl_version_is_prerelease(&v);
    }
    if (!count)
        printf("(no releases yet: bomiot-release add APP_DIR VERSION)\n");
    if (patches)
        printf("\npatches: bsdiff40 is {app}-V.patch, read by tufup clients and every launcher; zstd is "
               "{app}-V.zpatch, taken by launchers that read it unless its size outweighs its faster apply (tufup and "
               "older launchers skip it)\n");
    if (count && beta)
        printf("\nchannel beta: a pre-release, offered only to launchers whose channel is beta; all: every launcher\n");
    free(rows);
    cJSON_Delete(doc);
    return RELEASE_OK;
}

const release_verb release_verb_verify = {
    "verify", "", "check the repository as a new client would, and for unlisted files; exit 0 only if all is good",
    run_verify};
const release_verb release_verb_ls = {
    "ls", "", "list the published versions: sizes of the archive and each patch format, rollout, required, channel (reads "
    "only the repository)", run_ls};
