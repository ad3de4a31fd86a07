/* bomiot-release add: a new version of the app. The folder is tarred
 * reproducibly and gzipped in one pass (the tar is kept aside, hashed, for
 * the patch); the patch from the previous version's tar (its archive
 * gunzipped) is made with the delta engine; both targets are listed with
 * tufup's custom fields and targets, snapshot and timestamp are re-signed.
 * Nothing in the repository changes unless every step succeeded. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "delta/delta.h"
#include "gzip.h"
#include "release.h"
#include "release_repo.h"
#include "release_util.h"
#include "tarball.h"
#include "start/version.h"

#define ARCHIVE_SUFFIX RELEASE_ARCHIVE_SUFFIX
#define PATCH_SUFFIX RELEASE_PATCH_SUFFIX

typedef struct {
    FILE *tar, *archive;
    bl_gzip *gz;
    crypto_hash_sha256_state sha256;
    uint64_t tar_size, archive_size;
    const char *tar_path, *archive_path;
} packer;

static int write_archive(void *ctx, const void *buf, size_t len, bl_error *err)
{
    packer *p = ctx;
    if (fwrite(buf, 1, len, p->archive) != len)
        return bl_error_set(err, BL_EIO, "cannot write %s (disk full?)", p->archive_path);
    p->archive_size += len;
    return BL_OK;
}

static int write_tar(void *ctx, const void *buf, size_t len, bl_error *err)
{
    packer *p = ctx;
    if (fwrite(buf, 1, len, p->tar) != len)
        return bl_error_set(err, BL_EIO, "cannot write %s (disk full?)", p->tar_path);
    crypto_hash_sha256_update(&p->sha256, buf, len);
    p->tar_size += len;
    return bl_gzip_write(p->gz, buf, len, err);
}

/* APP_DIR -> tar_path (kept for the patch) and archive_path, one pass. */
static int pack(const char *app_dir, const char *tar_path, const char *archive_path, uint64_t *tar_size,
                unsigned char tar_sha256[32], uint64_t *archive_size, bl_tarball_stats *stats, bl_error *err)
{
    packer p;
    int rc;

    memset(&p, 0, sizeof p);
    p.tar_path = tar_path;
    p.archive_path = archive_path;
    crypto_hash_sha256_init(&p.sha256);
    if (!(p.tar = fopen(tar_path, "wb")) || !(p.archive = fopen(archive_path, "wb"))) {
        rc = bl_error_set(err, BL_EIO, "cannot create %s", p.tar ? archive_path : tar_path);
        goto cleanup;
    }
    if ((rc = bl_gzip_new(9, write_archive, &p, &p.gz, err)) != BL_OK ||
        (rc = bl_tarball_write(app_dir, write_tar, &p, stats, err)) != BL_OK ||
        (rc = bl_gzip_finish(p.gz, err)) != BL_OK)
        goto cleanup;
    if (fflush(p.tar) != 0 || fflush(p.archive) != 0) {
        rc = bl_error_set(err, BL_EIO, "cannot write %s (disk full?)", archive_path);
        goto cleanup;
    }
    crypto_hash_sha256_final(&p.sha256, tar_sha256);
    *tar_size = p.tar_size;
    *archive_size = p.archive_size;
cleanup:
    bl_gzip_free(p.gz);
    if (p.tar && fclose(p.tar) != 0 && rc == BL_OK)
        rc = bl_error_set(err, BL_EIO, "cannot write %s (disk full?)", tar_path);
    if (p.archive && fclose(p.archive) != 0 && rc == BL_OK)
        rc = bl_error_set(err, BL_EIO, "cannot write %s (disk full?)", archive_path);
    return rc;
}

/* The highest listed version of app below version (the patch's base), into
 * previous ("" when this is the first release); BL_EINVAL if version, or an
 * equal one spelt differently, is listed already. */
static int find_previous(const release_repo *r, const bl_version *version, char *previous, size_t size,
                         bl_error *err)
{
    const cJSON *targets = cJSON_GetObjectItemCaseSensitive(release_repo_signed(r, BL_TRUST_TARGETS), "targets");
    const cJSON *t;
    bl_version best, v;
    int have = 0, is_patch;

    previous[0] = '\0';
    cJSON_ArrayForEach(t, targets)
    {
        const char *name = t->string;
        char text[BL_VERSION_MAX_TEXT];
        if (!release_repo_target_version(r, name, text, sizeof text, &is_patch) || is_patch ||
            bl_version_parse(text, &v, NULL) != BL_OK)
            continue;
        if (bl_version_compare(&v, version) == 0)
            return bl_error_set(err, BL_EINVAL, "version %s is published already (%s)", text, name);
        if (bl_version_compare(&v, version) < 0 && (!have || bl_version_compare(&v, &best) > 0)) {
            best = v;
            have = 1;
            snprintf(previous, size, "%s", text);
        }
    }
    return BL_OK;
}

static cJSON *archive_custom(int rollout, int required)
{
    cJSON *custom = cJSON_CreateObject(), *tufup;
    if (rollout >= 0)
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(custom, "user"), "rollout", rollout);
    tufup = cJSON_AddObjectToObject(custom, "tufup");
    cJSON_AddBoolToObject(tufup, "required", required);
    return custom;
}

static cJSON *patch_custom(uint64_t tar_size, const unsigned char tar_sha256[32])
{
    cJSON *custom = cJSON_CreateObject(), *tufup = cJSON_AddObjectToObject(custom, "tufup");
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, tar_sha256, 32);
    cJSON_AddNumberToObject(tufup, "tar_size", (double)tar_size);
    cJSON_AddStringToObject(tufup, "tar_hash", hex);
    cJSON_AddStringToObject(tufup, "tar_hash_algorithm", "sha256");
    return custom;
}

typedef struct {
    const char *app_dir, *version;
    int rollout, required, no_patch;
} add_request;

static int add(const release_env *env, const add_request *req, bl_error *err)
{
    char work[BL_PATH_MAX], new_tar[BL_PATH_MAX], old_tar[BL_PATH_MAX];
    char archive_name[160], patch_name[160], archive_tmp[BL_PATH_MAX], patch_tmp[BL_PATH_MAX];
    char archive_path[BL_PATH_MAX], patch_path[BL_PATH_MAX], previous[BL_VERSION_MAX_TEXT];
    char previous_archive[BL_PATH_MAX], size_text[3][32];
    unsigned char tar_sha256[32];
    uint64_t tar_size = 0, archive_size = 0, patch_size = 0;
    bl_tarball_stats stats;
    bl_version version;
    release_repo repo;
    uint64_t started = uv_hrtime(), packed, diffed = 0;
    int rc, made_patch = 0, renamed = 0, committing = 0;

    memset(&repo, 0, sizeof repo);
    work[0] = new_tar[0] = old_tar[0] = archive_tmp[0] = patch_tmp[0] = '\0';
    if ((rc = bl_version_parse(req->version, &version, err)) != BL_OK || !bl_version_is_safe_name(req->version)) {
        if (rc == BL_OK)
            rc = bl_error_set(err, BL_EINVAL, "'%s' cannot be a version name", req->version);
        return rc;
    }
    if ((rc = release_repo_open(env, &repo, err)) != BL_OK ||
        (rc = find_previous(&repo, &version, previous, sizeof previous, err)) != BL_OK)
        goto cleanup;
    snprintf(archive_name, sizeof archive_name, "%s-%s%s", repo.settings.app, req->version, ARCHIVE_SUFFIX);
    snprintf(patch_name, sizeof patch_name, "%s-%s%s", repo.settings.app, req->version, PATCH_SUFFIX);
    if ((rc = release_repo_target_path(&repo, archive_name, archive_path, sizeof archive_path, err)) != BL_OK ||
        (rc = release_repo_target_path(&repo, patch_name, patch_path, sizeof patch_path, err)) != BL_OK)
        goto cleanup;

    /* scratch space with the keys, never in the published folder */
    if ((rc = release_util_work_dir(env, work, sizeof work, err)) != BL_OK)
        goto cleanup;
    snprintf(new_tar, sizeof new_tar, "%s/new.tar", work);
    snprintf(old_tar, sizeof old_tar, "%s/old.tar", work);
    if (snprintf(archive_tmp, sizeof archive_tmp, "%s.partial", archive_path) >= (int)sizeof archive_tmp ||
        snprintf(patch_tmp, sizeof patch_tmp, "%s.partial", patch_path) >= (int)sizeof patch_tmp) {
        rc = bl_error_set(err, BL_ETOOBIG, "path too long: %s", patch_path);
        goto cleanup;
    }

    fprintf(stderr, "packing %s ...\n", req->app_dir);
    if ((rc = pack(req->app_dir, new_tar, archive_tmp, &tar_size, tar_sha256, &archive_size, &stats, err)) != BL_OK)
        goto cleanup;
    packed = uv_hrtime();
    if (previous[0] && !req->no_patch) {
        char previous_name[160];
        snprintf(previous_name, sizeof previous_name, "%s-%s%s", repo.settings.app, previous, ARCHIVE_SUFFIX);
        fprintf(stderr, "making the patch from %s ...\n", previous);
        if ((rc = release_repo_target_path(&repo, previous_name, previous_archive, sizeof previous_archive, err)) !=
                BL_OK ||
            (rc = bl_gzip_decompress_file(previous_archive, old_tar, err)) != BL_OK ||
            (rc = bl_delta_diff_file(old_tar, new_tar, patch_tmp, NULL, err)) != BL_OK ||
            (rc = release_util_file_size(patch_tmp, &patch_size, err)) != BL_OK)
            goto cleanup;
        made_patch = 1;
        diffed = uv_hrtime();
    }

    if ((rc = release_util_rename(archive_tmp, archive_path, err)) != BL_OK)
        goto cleanup;
    renamed = 1;
    if (made_patch && (rc = release_util_rename(patch_tmp, patch_path, err)) != BL_OK)
        goto cleanup;
    renamed = 2;
    if ((rc = release_repo_add_target(&repo, archive_name, archive_custom(req->rollout, req->required), err)) !=
            BL_OK ||
        (made_patch &&
         (rc = release_repo_add_target(&repo, patch_name, patch_custom(tar_size, tar_sha256), err)) != BL_OK))
        goto cleanup;
    committing = 1;
    if ((rc = release_repo_commit(&repo, err)) != BL_OK)
        goto cleanup;

    printf("added %s %s (%llu files, %llu folders, %llu links)\n", repo.settings.app, req->version,
           (unsigned long long)stats.files, (unsigned long long)stats.folders, (unsigned long long)stats.links);
    release_util_size(archive_size, size_text[0], sizeof size_text[0]);
    release_util_size(tar_size, size_text[1], sizeof size_text[1]);
    printf("  archive  targets/%s  %s (tar %s), %.1f s\n", archive_name, size_text[0], size_text[1],
           (double)(packed - started) / 1e9);
    if (made_patch) {
        release_util_size(patch_size, size_text[2], sizeof size_text[2]);
        printf("  patch    targets/%s  %s from %s, %.1f s\n", patch_name, size_text[2], previous,
               (double)(diffed - packed) / 1e9);
        if (patch_size < archive_size)
            printf("  saving   %.2f%% of the download for installations on %s\n",
                   100.0 * (double)(archive_size - patch_size) / (double)archive_size, previous);
        else
            printf("  saving   none: the patch is not smaller than the archive, so clients take the archive\n");
    } else {
        printf("  patch    none (%s)\n", req->no_patch ? "--no-patch" : "the first release");
    }
    if (req->rollout >= 0)
        printf("  rollout  %d%% of installations\n", req->rollout);
    if (req->required)
        printf("  required yes\n");

cleanup:
    if (rc != BL_OK) {
        /* the targets were not listed: remove what this run put in the folder */
        if (archive_tmp[0])
            remove(archive_tmp);
        if (patch_tmp[0])
            remove(patch_tmp);
        if (!committing && renamed >= 1)
            remove(archive_path);
        if (!committing && renamed >= 2 && made_patch)
            remove(patch_path);
    }
    if (new_tar[0])
        remove(new_tar);
    if (old_tar[0])
        remove(old_tar);
    if (work[0])
        release_util_remove_dir(work);
    release_repo_close(&repo);
    return rc;
}

static int run_add(const release_env *env, int argc, char **argv)
{
    add_request req = {NULL, NULL, -1, 0, 0};
    bl_error err;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--required") == 0)
            req.required = 1;
        else if (strcmp(argv[i], "--no-patch") == 0)
            req.no_patch = 1;
        else if (strcmp(argv[i], "--rollout") == 0 && i + 1 < argc) {
            if (!release_util_percent(argv[++i], &req.rollout)) {
                fprintf(stderr, "bomiot-release add: --rollout takes a whole percentage 0..100, not '%s'\n", argv[i]);
                return RELEASE_USAGE;
            }
        } else if (argv[i][0] == '-' && argv[i][1])
            return release_usage(&release_verb_add);
        else if (!req.app_dir)
            req.app_dir = argv[i];
        else if (!req.version)
            req.version = argv[i];
        else
            return release_usage(&release_verb_add);
    }
    if (!req.app_dir || !req.version)
        return release_usage(&release_verb_add);
    bl_error_clear(&err);
    if (add(env, &req, &err) != BL_OK) {
        fprintf(stderr, "bomiot-release add: %s\n", err.msg);
        return RELEASE_FAILED;
    }
    return RELEASE_OK;
}

const release_verb release_verb_add = {
    "add", "APP_DIR VERSION [--rollout PCT] [--required] [--no-patch]",
    "publish APP_DIR as VERSION: archive, patch from the previous version, signed metadata", run_add};
