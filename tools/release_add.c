/* SPDX-License-Identifier: Apache-2.0 */
/* bomiot-release add: a new version of the app. The folder is tarred
 * reproducibly and gzipped in one pass (the tar is kept aside, hashed, for
 * the patch); the patches from the previous version's tar (its archive
 * gunzipped) are made with the delta engine, one match search for both
 * formats: {app}-V.patch in BSDIFF40 (tufup's, read by tufup clients and
 * every launcher) and {app}-V.zpatch in the zstd format (faster to apply;
 * launchers that read it take it, the others skip it), either or both as
 * --patch-format says; the targets are listed with tufup's custom
 * fields and targets, snapshot and timestamp are re-signed.
 * Everything is made in a scratch folder beside the keys and moved into
 * targets/ at the end, so the published folder never holds a half-written
 * file; nothing in the repository or the keys folder changes unless every
 * step succeeded (a full disk while the metadata is written aside). */
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
#include "start/version.h"
#include "update/tarball.h"

#define ARCHIVE_SUFFIX RELEASE_ARCHIVE_SUFFIX
#define PATCH_SUFFIX RELEASE_PATCH_SUFFIX
#define ZPATCH_SUFFIX RELEASE_ZPATCH_SUFFIX

/* --patch-format: which patches add writes, a set of bits. */
enum { WRITE_BSDIFF40 = 1, WRITE_ZSTD = 2, WRITE_BOTH = 3 };

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
        (rc = bl_tarball_write(app_dir, NULL, write_tar, &p, stats, err)) != BL_OK ||
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

/* The newest listed version of app, into previous ("" when this is the first
 * release): the patch's base. BL_EINVAL if version, or an equal one spelt
 * differently, is listed already, or if version is below the newest: a
 * release slipped in below it would break the patch chain (the newer one's
 * patch was made from another tar) for clients on the versions before it. */
static int find_previous(const release_repo *r, const bl_version *version, const char *text_of_version,
                         char *previous, size_t size, bl_error *err)
{
    const cJSON *targets = cJSON_GetObjectItemCaseSensitive(release_repo_signed(r, BL_TRUST_TARGETS), "targets");
    const cJSON *t;
    bl_version best, v;
    int have = 0, kind;

    previous[0] = '\0';
    cJSON_ArrayForEach(t, targets)
    {
        const char *name = t->string;
        char text[BL_VERSION_MAX_TEXT];
        if (!release_repo_target_version(r, name, text, sizeof text, &kind) || kind ||
            bl_version_parse(text, &v, NULL) != BL_OK)
            continue;
        if (bl_version_compare(&v, version) == 0)
            return bl_error_set(err, BL_EINVAL, "version %s is published already (%s)", text_of_version, name);
        if (!have || bl_version_compare(&v, &best) > 0) {
            best = v;
            have = 1;
            snprintf(previous, size, "%s", text);
        }
    }
    if (have && bl_version_compare(&best, version) > 0)
        return bl_error_set(err, BL_EINVAL,
                            "version %s is below the newest published version, %s: publish a version above it "
                            "(clients only move up, and patches chain from each version to the next)",
                            text_of_version, previous);
    return BL_OK;
}

/* custom as tufup (0.6 and later) writes it: exactly the keys "user" and
 * "tufup", user null when there is nothing for it. tufup's client reads the
 * nested form only when those two keys are all there is; with "tufup" alone
 * it takes the whole dict as its old flat form, skips a required release and
 * cannot check a patch. */
static cJSON *tufup_custom(cJSON *user /* taken */, cJSON **tufup)
{
    cJSON *custom = cJSON_CreateObject();
    if (!user)
        user = cJSON_CreateNull();
    if (!cJSON_AddItemToObject(custom, "user", user))
        cJSON_Delete(user);
    *tufup = cJSON_AddObjectToObject(custom, "tufup");
    return custom;
}

/* The tar's size and SHA-256, as tufup states them on a patch. */
static void add_tar_digest(cJSON *tufup, uint64_t tar_size, const unsigned char tar_sha256[32])
{
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, tar_sha256, 32);
    cJSON_AddNumberToObject(tufup, "tar_size", (double)tar_size);
    cJSON_AddStringToObject(tufup, "tar_hash", hex);
    cJSON_AddStringToObject(tufup, "tar_hash_algorithm", "sha256");
}

/* The archive states its tar's digest too (tufup's clients read only
 * "required" there): a launcher installed from this archive, which no patch
 * leads to, rebuilds the tar from its folder and checks it against these
 * before it patches from it (update.c). */
static cJSON *archive_custom(int rollout, int required, uint64_t tar_size, const unsigned char tar_sha256[32])
{
    cJSON *user = NULL, *tufup, *custom;
    if (rollout >= 0) {
        user = cJSON_CreateObject();
        cJSON_AddNumberToObject(user, "rollout", rollout);
    }
    custom = tufup_custom(user, &tufup);
    cJSON_AddBoolToObject(tufup, "required", required);
    add_tar_digest(tufup, tar_size, tar_sha256);
    return custom;
}

static cJSON *patch_custom(uint64_t tar_size, const unsigned char tar_sha256[32])
{
    cJSON *tufup, *custom = tufup_custom(NULL, &tufup);
    add_tar_digest(tufup, tar_size, tar_sha256);
    return custom;
}

typedef struct {
    const char *app_dir, *version;
    int rollout, required, no_patch;
    int formats; /* WRITE_BSDIFF40 | WRITE_ZSTD */
} add_request;

/* One run of add: its files and how far it got, so that a failure removes
 * exactly what this run put in the repository. */
typedef struct {
    char work[BL_PATH_MAX]; /* scratch folder beside the keys */
    char new_tar[BL_PATH_MAX], old_tar[BL_PATH_MAX];
    char archive_name[160], patch_name[160], zpatch_name[160];
    char archive_path[BL_PATH_MAX], patch_path[BL_PATH_MAX], zpatch_path[BL_PATH_MAX];
    /* in the scratch folder */
    char archive_tmp[BL_PATH_MAX], patch_tmp[BL_PATH_MAX], zpatch_tmp[BL_PATH_MAX];
    char previous[BL_VERSION_MAX_TEXT]; /* the patches' base, "" for the first release */
    unsigned char tar_sha256[32];
    uint64_t tar_size, archive_size, patch_size, zpatch_size;
    bl_tarball_stats stats;
    uint64_t started, packed, diffed; /* uv_hrtime() */
    int made_patch, made_zpatch;         /* .patch (BSDIFF40), .zpatch (zstd) */
    int moved_archive, moved_patch, moved_zpatch; /* in targets/: a failure removes them */
} add_run;

/* Names the targets of version and their paths in targets/, and makes the
 * scratch folder where they are made: with the keys, never in the published
 * folder. Fills run; err on a path too long or a folder not made. */
static int prepare_files(const release_env *env, const release_repo *repo, const char *version, add_run *run,
                         bl_error *err)
{
    int rc;

    snprintf(run->archive_name, sizeof run->archive_name, "%s-%s%s", repo->settings.app, version, ARCHIVE_SUFFIX);
    snprintf(run->patch_name, sizeof run->patch_name, "%s-%s%s", repo->settings.app, version, PATCH_SUFFIX);
    snprintf(run->zpatch_name, sizeof run->zpatch_name, "%s-%s%s", repo->settings.app, version, ZPATCH_SUFFIX);
    if ((rc = release_repo_target_path(repo, run->archive_name, run->archive_path, sizeof run->archive_path, err)) !=
            BL_OK ||
        (rc = release_repo_target_path(repo, run->patch_name, run->patch_path, sizeof run->patch_path, err)) != BL_OK ||
        (rc = release_repo_target_path(repo, run->zpatch_name, run->zpatch_path, sizeof run->zpatch_path, err)) !=
            BL_OK)
        return rc;
    if ((rc = release_util_work_dir(env, run->work, sizeof run->work, err)) != BL_OK)
        return rc;
    /* the whole scratch folder goes at the end: a cut path is only an error */
    if (snprintf(run->new_tar, sizeof run->new_tar, "%s/new.tar", run->work) >= (int)sizeof run->new_tar ||
        snprintf(run->old_tar, sizeof run->old_tar, "%s/old.tar", run->work) >= (int)sizeof run->old_tar ||
        snprintf(run->archive_tmp, sizeof run->archive_tmp, "%s/%s", run->work, run->archive_name) >=
            (int)sizeof run->archive_tmp ||
        snprintf(run->patch_tmp, sizeof run->patch_tmp, "%s/%s", run->work, run->patch_name) >=
            (int)sizeof run->patch_tmp ||
        snprintf(run->zpatch_tmp, sizeof run->zpatch_tmp, "%s/%s", run->work, run->zpatch_name) >=
            (int)sizeof run->zpatch_tmp)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", run->work);
    return BL_OK;
}

/* A patch file being written in the scratch folder, counted. */
typedef struct {
    FILE *f;
    const char *path;
    uint64_t size;
} patch_out;

static int write_patch(void *ctx, const void *buf, size_t len, bl_error *err)
{
    patch_out *out = ctx;
    if (fwrite(buf, 1, len, out->f) != len)
        return bl_error_set(err, BL_EIO, "cannot write %s (disk full?)", out->path);
    out->size += len;
    return BL_OK;
}

static int close_patch(patch_out *out, int rc, bl_error *err)
{
    if (!out->f)
        return rc;
    if (fclose(out->f) != 0 && rc == BL_OK)
        rc = bl_error_set(err, BL_EIO, "cannot write %s (disk full?)", out->path);
    out->f = NULL;
    return rc;
}

/* old_tar read whole (the engine indexes it), into *old. */
static int load_old(const char *old_tar, uint8_t **old, uint64_t *size, bl_error *err)
{
    bl_delta_file *file = NULL;
    bl_delta_source src;
    int rc;

    *old = NULL;
    if ((rc = bl_delta_file_open(old_tar, &file, &src, err)) != BL_OK)
        return rc;
    if (src.size > SIZE_MAX) {
        rc = bl_error_set(err, BL_ETOOBIG, "%s is too large for this system's memory", old_tar);
    } else if (!(*old = malloc(src.size ? (size_t)src.size : 1))) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory reading %s (%llu bytes)", old_tar,
                          (unsigned long long)src.size);
    } else if (src.size && (rc = src.read_at(src.ctx, 0, *old, (size_t)src.size, err)) != BL_OK) {
        free(*old);
        *old = NULL;
    }
    *size = src.size;
    bl_delta_file_close(file);
    return rc;
}

/* The patches from run->previous: its archive gunzipped into old_tar, one
 * match search against new_tar written as patch_tmp (BSDIFF40) and/or
 * zpatch_tmp (zstd), as req->formats says; their sizes set, and made_patch
 * and made_zpatch on success. */
static int make_patches(const release_repo *repo, const add_request *req, add_run *run, bl_error *err)
{
    char previous_name[160], previous_archive[BL_PATH_MAX];
    patch_out bsdiff40 = {NULL, run->patch_tmp, 0}, zstd = {NULL, run->zpatch_tmp, 0};
    bl_delta_sink bsdiff40_sink = {&bsdiff40, write_patch}, zstd_sink = {&zstd, write_patch};
    bl_delta_file *new_file = NULL;
    bl_delta_source new_src;
    uint8_t *old = NULL;
    uint64_t old_size = 0;
    int rc;

    snprintf(previous_name, sizeof previous_name, "%s-%s%s", repo->settings.app, run->previous, ARCHIVE_SUFFIX);
    fprintf(stderr, "making the %s from %s ...\n",
            req->formats == WRITE_BOTH  ? "patches (bsdiff40 and zstd)"
            : req->formats == WRITE_ZSTD ? "patch (zstd)"
                                         : "patch (bsdiff40)",
            run->previous);
    if ((rc = release_repo_target_path(repo, previous_name, previous_archive, sizeof previous_archive, err)) !=
            BL_OK ||
        (rc = bl_gzip_decompress_file(previous_archive, run->old_tar, err)) != BL_OK ||
        (rc = load_old(run->old_tar, &old, &old_size, err)) != BL_OK ||
        (rc = bl_delta_file_open(run->new_tar, &new_file, &new_src, err)) != BL_OK)
        goto cleanup;
    if ((req->formats & WRITE_BSDIFF40) && !(bsdiff40.f = fopen(run->patch_tmp, "wb"))) {
        rc = bl_error_set(err, BL_EIO, "cannot create %s", run->patch_tmp);
        goto cleanup;
    }
    if ((req->formats & WRITE_ZSTD) && !(zstd.f = fopen(run->zpatch_tmp, "wb"))) {
        rc = bl_error_set(err, BL_EIO, "cannot create %s", run->zpatch_tmp);
        goto cleanup;
    }
    rc = bl_delta_diff_both(old, old_size, &new_src, bsdiff40.f ? &bsdiff40_sink : NULL, zstd.f ? &zstd_sink : NULL,
                            NULL, err);

cleanup:
    rc = close_patch(&bsdiff40, rc, err);
    rc = close_patch(&zstd, rc, err);
    bl_delta_file_close(new_file);
    free(old);
    if (rc != BL_OK)
        return rc; /* the scratch folder goes whole */
    run->made_patch = (req->formats & WRITE_BSDIFF40) != 0;
    run->made_zpatch = (req->formats & WRITE_ZSTD) != 0;
    run->patch_size = bsdiff40.size;
    run->zpatch_size = zstd.size;
    return BL_OK;
}

/* Moves the finished files into targets/ under their names, marking in run
 * what a failure must remove. */
static int move_into_targets(add_run *run, bl_error *err)
{
    int rc;

    if ((rc = release_util_move(run->archive_tmp, run->archive_path, err)) != BL_OK)
        return rc;
    run->moved_archive = 1;
    if (run->made_patch) {
        if ((rc = release_util_move(run->patch_tmp, run->patch_path, err)) != BL_OK)
            return rc;
        run->moved_patch = 1;
    }
    if (run->made_zpatch) {
        if ((rc = release_util_move(run->zpatch_tmp, run->zpatch_path, err)) != BL_OK)
            return rc;
        run->moved_zpatch = 1;
    }
    return BL_OK;
}

/* Lists the archive (rollout, required, its tar's size and hash) and the
 * patches (the new tar's size and hash, which tufup checks after patching;
 * the .zpatch the same) in targets, in memory. */
static int list_targets(release_repo *repo, const add_request *req, const add_run *run, bl_error *err)
{
    cJSON *custom = archive_custom(req->rollout, req->required, run->tar_size, run->tar_sha256);
    int rc;

    if ((rc = release_repo_add_target(repo, run->archive_name, custom, err)) != BL_OK)
        return rc;
    if (run->made_patch &&
        (rc = release_repo_add_target(repo, run->patch_name, patch_custom(run->tar_size, run->tar_sha256), err)) !=
            BL_OK)
        return rc;
    if (run->made_zpatch &&
        (rc = release_repo_add_target(repo, run->zpatch_name, patch_custom(run->tar_size, run->tar_sha256), err)) !=
            BL_OK)
        return rc;
    return BL_OK;
}

/* What clients on run->previous save by a patch of patch_size bytes in
 * format, or that they take the archive: a patch of at most 80% of the
 * archive by default (tufup's MAX_SIZE_RATIO, launcher.json's
 * patch_max_percent). */
static void print_saving(const char *format, uint64_t patch_size, const add_run *run)
{
    const char *who = strcmp(format, "zstd") == 0 ? "current launchers" : "tufup clients, older launchers";
    if ((double)patch_size <= 0.8 * (double)run->archive_size)
        printf("  saving   %.2f%% of the download for installations on %s (%s: %s)\n",
               100.0 * (double)(run->archive_size - patch_size) / (double)run->archive_size, run->previous, format,
               who);
    else
        printf("  saving   none (%s): the patch is more than 80%% of the archive, so %s take the archive\n", format,
               who);
}

/* What was published, with sizes and times, on stdout. */
static void print_summary(const release_repo *repo, const char *version, const add_request *req,
                          const add_run *run)
{
    char size_text[3][32];

    printf("added %s %s (%llu file%s, %llu folder%s, %llu link%s)\n", repo->settings.app, version,
           (unsigned long long)run->stats.files, release_util_plural(run->stats.files),
           (unsigned long long)run->stats.folders, release_util_plural(run->stats.folders),
           (unsigned long long)run->stats.links, release_util_plural(run->stats.links));
    release_util_size(run->archive_size, size_text[0], sizeof size_text[0]);
    release_util_size(run->tar_size, size_text[1], sizeof size_text[1]);
    printf("  archive  targets/%s  %s (tar %s), %.1f s\n", run->archive_name, size_text[0], size_text[1],
           (double)(run->packed - run->started) / 1e9);
    if (run->made_patch || run->made_zpatch) {
        /* one match search made both: its time once */
        const double seconds = (double)(run->diffed - run->packed) / 1e9;
        if (run->made_patch) {
            release_util_size(run->patch_size, size_text[2], sizeof size_text[2]);
            printf("  patch    targets/%s  %s from %s, bsdiff40, %.1f s\n", run->patch_name, size_text[2],
                   run->previous, seconds);
            print_saving("bsdiff40", run->patch_size, run);
        }
        if (run->made_zpatch) {
            release_util_size(run->zpatch_size, size_text[2], sizeof size_text[2]);
            if (run->made_patch)
                printf("  patch    targets/%s  %s from %s, zstd, the same match search\n", run->zpatch_name,
                       size_text[2], run->previous);
            else
                printf("  patch    targets/%s  %s from %s, zstd, %.1f s\n", run->zpatch_name, size_text[2],
                       run->previous, seconds);
            print_saving("zstd", run->zpatch_size, run);
        }
        if (!run->made_patch)
            printf("  note     no BSDIFF40 patch (--patch-format zstd): tufup clients and older launchers, which "
                   "do not read the zstd format, will update by the archive\n");
    } else {
        printf("  patch    none (%s)\n", req->no_patch ? "--no-patch" : "the first release");
    }
    if (req->rollout >= 0)
        printf("  rollout  %d%% of installations\n", req->rollout);
    if (req->required)
        printf("  required yes\n");
}

/* Removes the scratch folder; after a failure (rc != BL_OK) also what this
 * run put in targets/, unless the commit had begun writing metadata that
 * lists it. */
static void remove_files(release_repo *repo, const add_run *run, int rc)
{
    if (rc != BL_OK && !repo->written) {
        if (run->moved_archive)
            remove(run->archive_path);
        if (run->moved_patch)
            remove(run->patch_path);
        if (run->moved_zpatch)
            remove(run->zpatch_path);
        release_repo_discard_links(repo);
    }
    if (run->work[0])
        release_util_remove_work_dir(run->work);
}

/* Publishes req->app_dir as req->version: pack, patches from the previous
 * version, move into targets/, list, sign. err says which step failed; the
 * repository is left as it was unless the commit had begun writing. */
static int add(const release_env *env, const add_request *req, bl_error *err)
{
    add_run run;
    bl_version version;
    release_repo repo;
    char canonical[BL_VERSION_MAX_TEXT];
    int rc;

    memset(&repo, 0, sizeof repo);
    memset(&run, 0, sizeof run);
    run.started = uv_hrtime();
    /* one spelling per version (PEP 440's normal form), so that v0.30 and
     * 0.30 can never be two releases */
    if ((rc = bl_version_parse(req->version, &version, err)) != BL_OK)
        return rc;
    if (bl_version_format(&version, canonical, sizeof canonical) != BL_OK || !bl_version_is_safe_name(canonical))
        return bl_error_set(err, BL_EINVAL, "'%s' cannot be a version name (at most %d characters)", req->version,
                            BL_VERSION_MAX_TEXT - 1);
    if (strcmp(canonical, req->version) != 0)
        fprintf(stderr, "publishing '%s' as %s, its PEP 440 normal form\n", req->version, canonical);
    if ((rc = release_repo_open(env, &repo, err)) != BL_OK ||
        (rc = find_previous(&repo, &version, canonical, run.previous, sizeof run.previous, err)) != BL_OK ||
        (rc = prepare_files(env, &repo, canonical, &run, err)) != BL_OK)
        goto cleanup;

    fprintf(stderr, "packing %s ...\n", req->app_dir);
    if ((rc = pack(req->app_dir, run.new_tar, run.archive_tmp, &run.tar_size, run.tar_sha256, &run.archive_size,
                   &run.stats, err)) != BL_OK)
        goto cleanup;
    run.packed = uv_hrtime();
    if (run.previous[0] && !req->no_patch) {
        if ((rc = make_patches(&repo, req, &run, err)) != BL_OK)
            goto cleanup;
        run.diffed = uv_hrtime();
    }
    if ((rc = move_into_targets(&run, err)) != BL_OK || (rc = list_targets(&repo, req, &run, err)) != BL_OK)
        goto cleanup;
    if ((rc = release_repo_commit(&repo, err)) != BL_OK) /* signs, then writes the metadata */
        goto cleanup;
    print_summary(&repo, canonical, req, &run);

cleanup:
    remove_files(&repo, &run, rc);
    release_repo_close(&repo);
    return rc;
}

static int run_add(const release_env *env, int argc, char **argv)
{
    add_request req = {NULL, NULL, -1, 0, 0, WRITE_BOTH};
    bl_error err;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--required") == 0)
            req.required = 1;
        else if (strcmp(argv[i], "--no-patch") == 0)
            req.no_patch = 1;
        else if (strcmp(argv[i], "--patch-format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "both") == 0)
                req.formats = WRITE_BOTH;
            else if (strcmp(f, "bsdiff40") == 0)
                req.formats = WRITE_BSDIFF40;
            else if (strcmp(f, "zstd") == 0)
                req.formats = WRITE_ZSTD;
            else {
                fprintf(stderr, "bomiot-release add: --patch-format takes bsdiff40, zstd or both, not '%s'\n", f);
                return RELEASE_USAGE;
            }
        }
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
    "add", "APP_DIR VERSION [--rollout PCT] [--required] [--no-patch] [--patch-format bsdiff40|zstd|both]",
    "publish APP_DIR as VERSION (PEP 440, in its normal form, above the newest): archive, patches (default both "
    "formats), signed metadata",
    run_add};
