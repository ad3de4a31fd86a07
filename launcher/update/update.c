/* SPDX-License-Identifier: Apache-2.0 */
#include "update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "apply.h"
#include "base/fsutil.h"
#include "plan.h"
#include "platform.h"
#include "repo.h"
#include "start/config.h"
#include "start/install.h"
#include "start/log.h"
#include "unpack.h"

/* Room kept free beyond what an update needs, so it never fills the disk. */
#define DISK_MARGIN (64ull * 1024 * 1024)

/* Where an update's time goes, logged with its result (and read by
 * bench/update). */
/* PHASE_INSTALL is the one pass that makes the new version: gunzip or the
 * chain's last patch, hashed, cached and unpacked as it comes. PHASE_PATCH
 * is the patches before it in a chain, PHASE_VERIFY the check of each
 * patched tar's hash. */
enum { PHASE_CHECK, PHASE_DOWNLOAD, PHASE_PATCH, PHASE_VERIFY, PHASE_INSTALL, PHASE_COMMIT, PHASE_COUNT };
static const char *const phase_names[PHASE_COUNT] = {"metadata", "download", "patch", "verify", "install", "commit"};

/* One run of bl_update_run: the request, the trusted metadata and the
 * releases it lists, and where the time went. */
typedef struct {
    const bl_update_request *req;
    uint64_t spent_ns[PHASE_COUNT];
    bl_repo repo;
    bl_fetch_options fetch;
    bl_trust *trust;
    bl_release releases[BL_PLAN_MAX_RELEASES];
    const bl_trust_target *archive_of[BL_PLAN_MAX_RELEASES];
    const bl_trust_target *patch_of[BL_PLAN_MAX_RELEASES];  /* .patch, BSDIFF40 */
    const bl_trust_target *zpatch_of[BL_PLAN_MAX_RELEASES]; /* .zpatch, the zstd format */
    int count;
    int out_of_time; /* a download stopped at req->download_deadline */
    bl_unpack_options unpack; /* its max_bytes: set by check_disk */
    char ca_file[BL_PATH_MAX]; /* the config's, under the install root */
    bl_proxy_inputs proxy;     /* the config's proxy, the environment's, the system's */
} update_job;

/* Adds the time since *start to a phase and restarts the clock. */
static void spent(update_job *u, int phase, uint64_t *start)
{
    uint64_t now = uv_hrtime();
    u->spent_ns[phase] += now - *start;
    *start = now;
}

static void describe_time(const update_job *u, char *out, size_t size)
{
    uint64_t total = 0;
    const char *sep = "";
    size_t used;
    int i;
    for (i = 0; i < PHASE_COUNT; i++)
        total += u->spent_ns[i];
    used = (size_t)snprintf(out, size, "%.2f s:", (double)total / 1e9);
    for (i = 0; i < PHASE_COUNT && used < size; i++) {
        if (!u->spent_ns[i])
            continue; /* a phase this update did not go through is not named */
        used += (size_t)snprintf(out + used, size - used, "%s %s %.2f", sep, phase_names[i],
                                 (double)u->spent_ns[i] / 1e9);
        sep = ",";
    }
}

/* Which way the check goes, once per update (redacted: update.log never
 * holds a proxy's password). */
static void log_proxy(update_job *u)
{
    bl_proxy_choice choice;
    char url[BL_PATH_MAX + 32];
    snprintf(url, sizeof url, "%s/", u->req->cfg->update_url);
    bl_proxy_choose(&u->proxy, url, &choice);
    if (choice.url[0])
        bl_log(BL_LOG_INFO, "update", "through the proxy %s (%s)", choice.shown, choice.source);
    else if (choice.origin != BL_PROXY_NONE)
        bl_log(BL_LOG_INFO, "update", "no proxy for %s (%s)", u->req->cfg->update_url, choice.source);
}

static int setup(update_job *u, bl_error *err)
{
    const bl_layout *l = u->req->layout;
    int rc;
    if ((rc = bl_fs_mkdir_p(l->downloads_dir, err)) != BL_OK || (rc = bl_fs_mkdir_p(l->tars_dir, err)) != BL_OK)
        return rc;
    bl_fetch_defaults(&u->fetch);
    /* One connection for the whole update: metadata and downloads. */
    if ((rc = bl_fetch_session_new(&u->fetch.session, err)) != BL_OK)
        return rc;
    if (u->req->cfg->ca_file[0]) {
        if ((rc = bl_layout_resolve(l, u->req->cfg->ca_file, u->ca_file, sizeof u->ca_file, err)) != BL_OK)
            return rc;
        u->fetch.ca_file = u->ca_file;
    }
    u->fetch.progress = u->req->progress;
    bl_proxy_inputs_of_process(&u->proxy, u->req->cfg);
    u->fetch.proxy = &u->proxy;
    log_proxy(u);
    u->repo.metadata_dir = l->metadata_dir;
    u->repo.base_url = u->req->cfg->update_url;
    u->repo.shipped_root = l->shipped_root;
    u->repo.now = u->req->now;
    u->repo.fetch = &u->fetch;
    return BL_OK;
}

/* The publisher's staged rollout, {"user": {"rollout": 10}} in an archive's
 * custom metadata; 100 when absent. */
static double rollout_of(const bl_trust_tufup *info)
{
    const cJSON *r = info->user ? cJSON_GetObjectItemCaseSensitive(info->user, "rollout") : NULL;
    if (!cJSON_IsNumber(r) || r->valuedouble > 100.0)
        return 100.0;
    return r->valuedouble < 0.0 ? 0.0 : r->valuedouble;
}

static bl_release *release_for(update_job *u, const char *version, int *index)
{
    int i;
    for (i = 0; i < u->count; i++) {
        if (strcmp(u->releases[i].version, version) == 0)
            break;
    }
    if (i == u->count) {
        if (u->count == BL_PLAN_MAX_RELEASES)
            return NULL;
        memset(&u->releases[i], 0, sizeof u->releases[i]);
        snprintf(u->releases[i].version, sizeof u->releases[i].version, "%s", version);
        u->releases[i].rollout = 100.0;
        u->archive_of[i] = u->patch_of[i] = u->zpatch_of[i] = NULL;
        u->count++;
    }
    *index = i;
    return &u->releases[i];
}

/* Releases of this app from the trusted top-level targets (tufup lists them all there). */
static int collect_releases(update_job *u, bl_error *err)
{
    const bl_trust_metadata *targets;
    const char *old_patch = NULL; /* one of the patches of tufup 0.5 or older */
    size_t i, old_patches = 0;
    int rc = bl_trust_targets(u->trust, &targets, err);
    if (rc != BL_OK)
        return rc;
    for (i = 0; i < targets->target_count; i++) {
        const bl_trust_target *t = &targets->targets[i];
        char version[BL_VERSION_MAX_TEXT];
        bl_trust_tufup info;
        bl_release *r;
        bl_error why;
        int index, kind = bl_plan_parse_target_name(t->path, u->req->cfg->app_name, version, sizeof version);
        if (kind == BL_TARGET_OTHER)
            continue;
        if ((rc = bl_trust_tufup_info(t, &info, &why)) == BL_ENOTFOUND) {
            old_patch = old_patch ? old_patch : t->path;
            old_patches++;
            continue;
        }
        if (rc != BL_OK) { /* why names the target */
            bl_log(BL_LOG_WARN, "update", "ignoring target %s", why.msg);
            continue;
        }
        if (!(r = release_for(u, version, &index)))
            break;
        if (kind == BL_TARGET_ARCHIVE) {
            r->has_archive = 1;
            r->archive_length = t->file.length;
            r->required = info.required;
            r->rollout = rollout_of(&info);
            u->archive_of[index] = t;
        } else if (kind == BL_TARGET_PATCH) {
            r->has_patch = 1;
            r->patch_length = t->file.length;
            r->tar_size = info.tar_size;
            u->patch_of[index] = t;
        } else {
            r->has_zpatch = 1;
            r->zpatch_length = t->file.length;
            r->tar_size = info.tar_size;
            u->zpatch_of[index] = t;
        }
    }
    /* A repository from before tufup's custom metadata is not a fault: said
     * once a check, not once a patch. */
    if (old_patches > 0)
        bl_log(BL_LOG_INFO, "update",
               "%zu patch(es) without tar size and hash (tufup 0.5 or older), %s%s, not used: updates take "
               "the archive",
               old_patches, old_patch, old_patches > 1 ? " and others" : "");
    return BL_OK;
}

/* No release of the configured app: a repository with none yet is only
 * that; one that lists other apps' is a configuration to fix (app_name), so
 * it is an error naming the apps it lists. */
static int no_releases(update_job *u, bl_update_result *res, bl_error *err)
{
    const bl_trust_metadata *targets;
    char names[200] = "", app[64];
    size_t i, used = 0, apps = 0;

    if (bl_trust_targets(u->trust, &targets, NULL) != BL_OK)
        targets = NULL;
    for (i = 0; targets && i < targets->target_count; i++) {
        char needle[sizeof app + 2];
        if (!bl_plan_app_of_target(targets->targets[i].path, app, sizeof app))
            continue;
        snprintf(needle, sizeof needle, " %s,", app);
        if (strstr(names, needle))
            continue; /* each once */
        apps++;
        if (used + strlen(needle) < sizeof names - 1)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s", needle);
    }
    if (apps == 0) {
        snprintf(res->why, sizeof res->why, "the repository lists no releases yet");
        return BL_OK;
    }
    names[used - 1] = '\0'; /* the last comma */
    return bl_error_set(err, BL_ENOTFOUND,
                        "the repository lists no releases of %s (app_name in launcher.json); it lists:%s",
                        u->req->cfg->app_name, names);
}

/* plan.c sorts releases; the target pointers must follow. */
static void sort_releases(update_job *u)
{
    const bl_trust_target *archives[BL_PLAN_MAX_RELEASES], *patches[BL_PLAN_MAX_RELEASES];
    const bl_trust_target *zpatches[BL_PLAN_MAX_RELEASES];
    char versions[BL_PLAN_MAX_RELEASES][BL_VERSION_MAX_TEXT];
    int i, j, n = u->count;
    for (i = 0; i < n; i++) {
        strcpy(versions[i], u->releases[i].version);
        archives[i] = u->archive_of[i];
        patches[i] = u->patch_of[i];
        zpatches[i] = u->zpatch_of[i];
    }
    bl_plan_sort(u->releases, &u->count);
    for (i = 0; i < u->count; i++) {
        for (j = 0; j < n && strcmp(versions[j], u->releases[i].version) != 0; j++)
            ;
        u->archive_of[i] = j < n ? archives[j] : NULL;
        u->patch_of[i] = j < n ? patches[j] : NULL;
        u->zpatch_of[i] = j < n ? zpatches[j] : NULL;
    }
}

/* The patch target a chain takes to the release at index (plan.c's rule:
 * the .zpatch when listed, else the .patch), and its format; NULL if none. */
static const bl_trust_target *chosen_patch(const update_job *u, int index, int *format)
{
    uint64_t length;
    *format = bl_plan_step_format(&u->releases[index], &length);
    return *format == BL_PLAN_ZSTD ? u->zpatch_of[index] : *format == BL_PLAN_BSDIFF40 ? u->patch_of[index] : NULL;
}

/* what: "" for an archive, else how the log names the file ("a zstd-format patch"). */
static int download(update_job *u, const bl_trust_target *target, const char *what, char *path, size_t size,
                    bl_error *err)
{
    char detail[160];
    uint64_t t;
    int rc;
    if (bl_fs_join(path, size, u->req->layout->downloads_dir, target->path) != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long for %s", target->path);
    snprintf(detail, sizeof detail, "%s", target->path);
    bl_progress_stage(u->req->progress, BL_STAGE_DOWNLOADING, detail);
    t = uv_hrtime();
    bl_log(BL_LOG_INFO, "update", "downloading %s (%llu bytes%s%s)", target->path,
           (unsigned long long)target->file.length, what[0] ? ", " : "", what);
    rc = bl_repo_download_target(&u->repo, u->trust, target, path, err);
    spent(u, PHASE_DOWNLOAD, &t);
    if (rc == BL_ENOSPC)
        remove(path); /* a resume is no help on a full disk; the space is */
    /* A transfer the deadline ended keeps its bytes (fetch.c removes only
     * what failed a check), so the next attempt resumes with a Range. */
    if (rc == BL_ENETWORK && u->fetch.deadline && uv_hrtime() >= u->fetch.deadline)
        u->out_of_time = 1;
    return rc;
}

/* Bytes of target already in downloads/ (an interrupted download, resumed
 * from there): they need no new room. */
static uint64_t downloaded_part(const update_job *u, const bl_trust_target *target)
{
    char path[BL_PATH_MAX];
    uint64_t have;
    if (!target || bl_fs_join(path, sizeof path, u->req->layout->downloads_dir, target->path) != BL_OK)
        return 0;
    have = bl_fs_file_size(path);
    return have < target->file.length ? have : target->file.length;
}

/* The size of a release's tar as the signed metadata states it: the patch
 * to it gives it (tufup), or the archive's custom tar_size; 0 if neither. */
static uint64_t signed_tar_size(const update_job *u, int target)
{
    bl_trust_tufup info;
    int format;
    const bl_trust_target *patch = chosen_patch(u, target, &format);
    if (patch && bl_trust_tufup_info(patch, &info, NULL) == BL_OK && info.tar_size)
        return info.tar_size;
    if (u->archive_of[target] && bl_trust_tufup_info(u->archive_of[target], &info, NULL) == BL_OK)
        return info.tar_size;
    return 0;
}

/* Enough room for what is left to download, the new tar, and the unpacked
 * version (the tar's size again), plus a margin. The tar's size is the one
 * the signed metadata states, and the unpack is stopped there (u->unpack):
 * a small archive cannot hold more than it says. Where nothing states it,
 * the check estimates it from the archive, and the unpack is stopped at
 * what the disk holds with the margin kept, so it never fills the disk. */
static int check_disk(update_job *u, const bl_plan *plan, bl_error *err)
{
    uint64_t free_bytes, stated = signed_tar_size(u, plan->target), tar, need, left, have = 0;
    int i;
    tar = stated ? stated : u->releases[plan->target].archive_length * 4;
    if (plan->method == BL_PLAN_ARCHIVE)
        have = downloaded_part(u, u->archive_of[plan->target]);
    else
        for (i = plan->first_patch; i <= plan->last_patch; i++) {
            int format;
            have += downloaded_part(u, chosen_patch(u, i, &format));
        }
    left = plan->download_bytes - (have < plan->download_bytes ? have : plan->download_bytes);
    u->unpack.max_bytes = u->unpack.progress_total = stated;
    u->unpack.max_why = stated ? "the size of its tar the signed metadata states" : NULL;
    need = tar > (UINT64_MAX - left - DISK_MARGIN) / 2 ? UINT64_MAX : left + 2 * tar + DISK_MARGIN;
    if (bl_fs_free_bytes(u->req->layout->root, &free_bytes, err) != BL_OK)
        return BL_OK; /* cannot tell: let the writes report a full disk */
    if (free_bytes < need)
        return bl_error_set(err, BL_ENOSPC,
                            "not enough disk space for the update: it needs %llu MB, %llu MB are free in %s",
                            (unsigned long long)(need >> 20), (unsigned long long)(free_bytes >> 20),
                            u->req->layout->root);
    if (!stated) { /* the tar and the unpacked files, each at most half of the room */
        u->unpack.max_bytes = (free_bytes - left - DISK_MARGIN) / 2;
        u->unpack.max_why = "what the disk holds with 64 MB to spare; the signed metadata states no tar size";
    }
    if (u->unpack.max_bytes)
        bl_log(BL_LOG_INFO, "update", "unpacking at most %llu bytes: %s", (unsigned long long)u->unpack.max_bytes,
               u->unpack.max_why);
    return BL_OK;
}

static int apply_archive(update_job *u, int target, const char *partial, const char *tar_path, bl_error *err)
{
    char archive[BL_PATH_MAX], tmp[BL_PATH_MAX + 8];
    bl_unpack_options opt = u->unpack;
    bl_tar_digest digest;
    uint64_t t;
    int rc;

    if ((rc = download(u, u->archive_of[target], "", archive, sizeof archive, err)) != BL_OK)
        return rc;
    snprintf(tmp, sizeof tmp, "%s.tmp", tar_path);
    bl_progress_stage(u->req->progress, BL_STAGE_INSTALLING, u->releases[target].version);
    t = uv_hrtime();
    rc = bl_apply_archive(archive, tmp, partial, &opt, &digest, err);
    spent(u, PHASE_INSTALL, &t); /* one pass: gunzip, hash and unpack */
    if (rc == BL_OK)
        rc = bl_plat_replace_file(tmp, tar_path, err);
    else
        remove(tmp);
    remove(archive);
    return rc;
}

/* Each patch turns the tar of the release before it into its own, which the
 * patch target's custom metadata describes (size and sha256): every step is
 * checked, not only the last. The last step is one pass (bl_apply_patch):
 * the rebuilt tar is cached, hashed and unpacked into partial as it comes,
 * and only then compared with the trusted digest; on a mismatch partial is
 * removed here, so nothing unverified is ever committed. */
static int apply_patches(update_job *u, const bl_plan *plan, const char *partial, const char *tar_path,
                         bl_error *err)
{
    char old[BL_PATH_MAX], patch[BL_PATH_MAX], out[BL_PATH_MAX + 8];
    const char *app = u->req->cfg->app_name;
    bl_unpack_options opt = u->unpack;
    bl_error ignored;
    int i, rc;

    if ((rc = bl_layout_tar_path(u->req->layout, app, u->req->state->current, old, sizeof old, err)) != BL_OK)
        return rc;
    for (i = plan->first_patch; i <= plan->last_patch && rc == BL_OK; i++) {
        int format;
        const bl_trust_target *t = chosen_patch(u, i, &format);
        const int last = i == plan->last_patch;
        bl_trust_tufup info;
        bl_tar_digest digest;
        uint64_t clock;

        if ((rc = bl_trust_tufup_info(t, &info, err)) != BL_OK ||
            (rc = bl_layout_tar_path(u->req->layout, app, u->releases[i].version, out, sizeof out - 8, err)) != BL_OK ||
            (rc = download(u, t, format == BL_PLAN_ZSTD ? "a zstd-format patch" : "a bsdiff40-format patch", patch,
                           sizeof patch, err)) != BL_OK)
            break;
        bl_progress_stage(u->req->progress, last ? BL_STAGE_INSTALLING : BL_STAGE_APPLYING,
                          last ? u->releases[i].version : t->path);
        strcat(out, ".tmp");
        clock = uv_hrtime();
        /* A patch whose header names another size than the trusted one is
         * refused before anything is written. */
        rc = bl_apply_patch(old, patch, info.tar_size, out, last ? partial : NULL, &opt, &digest, err);
        /* One pass: patch, hash, cache and (last) unpack. */
        spent(u, last ? PHASE_INSTALL : PHASE_PATCH, &clock);
        remove(patch);
        if (rc == BL_OK) {
            bl_trust_file expected;
            memset(&expected, 0, sizeof expected);
            expected.has_length = expected.has_hashes = expected.has_sha256 = 1;
            expected.length = info.tar_size;
            memcpy(expected.sha256, info.tar_sha256, 32);
            rc = bl_trust_check_file(&expected, "the patched tar", digest.size, digest.sha256, NULL, err);
            spent(u, PHASE_VERIFY, &clock);
        }
        if (i > plan->first_patch)
            remove(old); /* an intermediate tar; the current version's stays until the end */
        if (rc != BL_OK) {
            remove(out);
            if (last)
                bl_fs_remove_tree(partial, &ignored);
            break;
        }
        snprintf(old, sizeof old, "%s", out);
    }
    if (rc == BL_OK) {
        rc = bl_plat_replace_file(old, tar_path, err);
        if (rc != BL_OK)
            remove(old);
    }
    return rc;
}

/* The signed size and SHA-256 of the tar of the release at index: the patch
 * to it states them (tufup), or its archive does (bomiot-release). 0 when
 * neither does. */
static int signed_tar_digest(const update_job *u, int index, bl_tar_digest *out)
{
    const bl_trust_target *from[3] = {u->zpatch_of[index], u->patch_of[index], u->archive_of[index]};
    bl_trust_tufup info;
    int i;
    for (i = 0; i < 3; i++) {
        if (from[i] && bl_trust_tufup_info(from[i], &info, NULL) == BL_OK && info.has_tar_sha256 && info.tar_size) {
            out->size = info.tar_size;
            memcpy(out->sha256, info.tar_sha256, 32);
            return 1;
        }
    }
    return 0;
}

static int index_of(const update_job *u, const char *version)
{
    int i;
    for (i = 0; i < u->count; i++) {
        if (bl_version_compare_text(u->releases[i].version, version) == 0)
            return i;
    }
    return -1;
}

/* A patch chain starts from the tar of the version this installation runs.
 * An update leaves that tar in cache/tars; an installer does not, so the
 * first update of an installation rebuilds it from the version's folder:
 * the publisher's tar is reproducible and the unpacker writes back all a
 * header says (tarball.h), so an untouched folder gives the published tar
 * byte for byte. It is kept only if it matches the signed size and SHA-256.
 * It goes to cache/tars like a downloaded one rather than straight into the
 * patcher: bsdiff reads its base at any offset (bl_delta_file), which a
 * stream gives only by holding the whole tar in memory, and apps run to
 * hundreds of MB; kept there, it is also the base of a patch that fails and
 * is retried. A folder that was changed, or a repository whose tars our
 * writer does not reproduce (tufup's carry mtimes and owners), does not
 * match: the update takes the archive, said at INFO, for it is no fault.
 * Returns 1 when tar is there and verified. */
static int rebuild_base_tar(update_job *u, const char *tar)
{
    const char *current = u->req->state->current;
    char dir[BL_PATH_MAX], tmp[BL_PATH_MAX + 8];
    int index = index_of(u, current);
    bl_tar_digest expected, got;
    bl_trust_file signed_file;
    uint64_t free_bytes, t = uv_hrtime();
    bl_error err;
    int rc;

    if (index < 0 || !signed_tar_digest(u, index, &expected)) {
        bl_log(BL_LOG_INFO, "update", "no cached tar of %s, and the repository states no hash of it to rebuild "
               "it against", current);
        return 0;
    }
    if (bl_fs_free_bytes(u->req->layout->root, &free_bytes, &err) == BL_OK &&
        (free_bytes < DISK_MARGIN || free_bytes - DISK_MARGIN < expected.size)) {
        bl_log(BL_LOG_INFO, "update", "no room to rebuild the tar of %s (%llu MB)", current,
               (unsigned long long)(expected.size >> 20));
        return 0;
    }
    if (bl_layout_version_dir(u->req->layout, current, dir, sizeof dir, &err) != BL_OK ||
        snprintf(tmp, sizeof tmp, "%s.tmp", tar) >= (int)sizeof tmp)
        return 0;
    bl_progress_stage(u->req->progress, BL_STAGE_APPLYING, current);
    rc = bl_apply_rebuild_tar(dir, BL_INSTALL_MARKER, expected.size, tmp, &got, &err);
    if (rc == BL_OK) {
        memset(&signed_file, 0, sizeof signed_file);
        signed_file.has_length = signed_file.has_hashes = signed_file.has_sha256 = 1;
        signed_file.length = expected.size;
        memcpy(signed_file.sha256, expected.sha256, 32);
        rc = bl_trust_check_file(&signed_file, "the rebuilt tar", got.size, got.sha256, NULL, &err);
    }
    if (rc == BL_OK)
        rc = bl_plat_replace_file(tmp, tar, &err);
    spent(u, PHASE_PATCH, &t);
    if (rc != BL_OK) {
        remove(tmp);
        bl_log(BL_LOG_INFO, "update",
               "the tar of %s rebuilt from its folder is not the published one (%s): the folder was changed, or "
               "the repository's tars are not reproducible; updating by the full archive", current, err.msg);
        return 0;
    }
    bl_log(BL_LOG_INFO, "update", "rebuilt the tar of %s from its folder (%llu bytes, the signed hash): patching "
           "from it", current, (unsigned long long)got.size);
    return 1;
}

static int install(update_job *u, const bl_plan *plan, bl_error *err)
{
    const char *version = u->releases[plan->target].version;
    char partial[BL_PATH_MAX], tar_path[BL_PATH_MAX];
    bl_error ignored;
    int rc;

    if ((rc = bl_layout_partial_dir(u->req->layout, version, partial, sizeof partial, err)) != BL_OK ||
        (rc = bl_layout_tar_path(u->req->layout, u->req->cfg->app_name, version, tar_path, sizeof tar_path, err)) != BL_OK)
        return rc;
    bl_fs_remove_tree(partial, &ignored); /* debris of an earlier attempt */
    if (plan->method == BL_PLAN_PATCHES) {
        rc = apply_patches(u, plan, partial, tar_path, err);
        if (rc != BL_OK && rc != BL_ECANCELED && rc != BL_ENOSPC && !u->out_of_time) {
            bl_log(BL_LOG_WARN, "update", "patching failed (%s); downloading the full archive instead", err->msg);
            bl_fs_remove_tree(partial, &ignored);
            rc = apply_archive(u, plan->target, partial, tar_path, err);
        }
    } else {
        rc = apply_archive(u, plan->target, partial, tar_path, err);
    }
    if (rc == BL_OK) {
        uint64_t t = uv_hrtime();
        rc = bl_install_commit(u->req->layout, version, err);
        spent(u, PHASE_COMMIT, &t);
    }
    if (rc != BL_OK) {
        bl_fs_remove_tree(partial, &ignored);
        return rc;
    }
    return BL_OK;
}

int bl_update_run(const bl_update_request *req, bl_update_result *res, bl_error *err)
{
    update_job *u = calloc(1, sizeof *u);
    char tar[BL_PATH_MAX], timing[160];
    bl_plan plan;
    uint64_t start;
    int rc, target, have_tar;

    memset(res, 0, sizeof *res);
    if (!u)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    u->req = req;
    u->unpack.progress = req->progress;
    if ((rc = setup(u, err)) != BL_OK)
        goto cleanup;
    bl_progress_release(req->progress, "");
    bl_progress_stage(req->progress, BL_STAGE_CHECKING, req->cfg->update_url);
    /* The check is time-boxed (check_seconds at launch) and retried once: a
     * dead server must not hold the user up. Downloads then show progress, retry more, and have their
     * own time box (none in the background); what has fully arrived by then
     * is installed, however long that local work takes. */
    /* A refused connection or a name that does not resolve is not retried:
     * known at once, the launch pays nothing for it (issue 23). */
    u->fetch.deadline = req->check_deadline;
    u->fetch.retries = 1;
    u->fetch.fail_fast = 1;
    start = uv_hrtime();
    rc = bl_repo_refresh(&u->repo, &u->trust, err);
    spent(u, PHASE_CHECK, &start);
    if (rc == BL_ENETWORK && req->check_deadline && uv_hrtime() >= req->check_deadline)
        res->check_cut = 1;
    u->fetch.deadline = req->download_deadline;
    u->fetch.retries = 3;
    u->fetch.fail_fast = 0;
    if (rc != BL_OK || (rc = collect_releases(u, err)) != BL_OK)
        goto cleanup;
    if (u->count == 0) {
        rc = no_releases(u, res, err);
        goto cleanup;
    }
    sort_releases(u);
    target = bl_plan_target_pinned(u->releases, u->count, req->state->current,
                                   strcmp(req->cfg->channel, "beta") == 0, req->state,
                                   req->cfg->target_version_prefix, res->why, sizeof res->why);
    if (target < 0)
        goto cleanup;
    snprintf(res->version, sizeof res->version, "%s", u->releases[target].version);
    bl_progress_release(req->progress, res->version);
    if (!req->install) {
        snprintf(res->why, sizeof res->why, "%s is available; automatic updates are off, so it is not installed",
                 res->version);
        goto cleanup;
    }
    if (bl_install_is_complete(req->layout, res->version)) {
        res->installed = 1; /* staged earlier, in the background */
        snprintf(res->why, sizeof res->why, "%s was already downloaded and installed", res->version);
        goto cleanup;
    }
    if ((rc = bl_layout_tar_path(req->layout, req->cfg->app_name, req->state->current, tar, sizeof tar, err)) != BL_OK)
        goto cleanup;
    /* Planned as if the current tar were there; a patch chain then needs it,
     * and without it in the cache it is rebuilt, or the plan is made again. */
    have_tar = bl_fs_exists(tar);
    bl_plan_path(u->releases, u->count, req->state->current, target, req->cfg->incremental_update, 1,
                 (int)req->cfg->patch_max_percent, &plan);
    if (plan.method == BL_PLAN_PATCHES && !have_tar && !rebuild_base_tar(u, tar))
        bl_plan_path(u->releases, u->count, req->state->current, target, req->cfg->incremental_update, 0,
                     (int)req->cfg->patch_max_percent, &plan);
    bl_log(BL_LOG_INFO, "update", "installing %s: %s", res->version, plan.why);
    if ((rc = check_disk(u, &plan, err)) != BL_OK || (rc = install(u, &plan, err)) != BL_OK) {
        if (u->out_of_time) { /* not a failure: the rest comes later */
            char box[32];
            bl_config_format_ms(req->cfg->check_ms + req->cfg->download_seconds * 1000, box, sizeof box);
            res->deferred = 1;
            snprintf(res->why, sizeof res->why,
                     "%s did not finish downloading in the time box at launch (check_seconds + download_seconds, "
                     "%s s); what came is kept in cache/downloads and the download resumes in the background "
                     "or at the next start", res->version, box);
            rc = BL_OK;
        }
        goto cleanup;
    }
    res->installed = 1;
    describe_time(u, timing, sizeof timing);
    snprintf(res->why, sizeof res->why, "installed %s in %s", res->version, timing);

cleanup:
    bl_trust_free(u->trust);
    bl_fetch_session_free(u->fetch.session);
    free(u);
    return rc;
}
