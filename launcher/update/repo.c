/* SPDX-License-Identifier: Apache-2.0 */
#include "repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
#include "digest.h"
#include "platform.h"
#include "start/log.h"

#define URL_MAX 4096

static const char *role_names[] = {"root", "timestamp", "snapshot", "targets"};

static int metadata_path(const bl_repo *repo, const char *file, char *out, size_t size, bl_error *err)
{
    if (bl_fs_join(out, size, repo->metadata_dir, file) != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s/%s", repo->metadata_dir, file);
    return BL_OK;
}

static int metadata_url(const bl_repo *repo, const char *file, char *url, size_t size, bl_error *err)
{
    int n = repo->metadata_url ? snprintf(url, size, "%s/%s", repo->metadata_url, file)
                               : snprintf(url, size, "%s/metadata/%s", repo->base_url, file);
    if (n < 0 || (size_t)n >= size)
        return bl_error_set(err, BL_ETOOBIG, "URL too long for %s", file);
    return BL_OK;
}

static int fetch_metadata(const bl_repo *repo, const char *file, uint64_t max, char **buf, size_t *len,
                          bl_error *err)
{
    char url[URL_MAX];
    int rc = metadata_url(repo, file, url, sizeof url, err);
    return rc == BL_OK ? bl_fetch_memory(repo->fetch, url, max, buf, len, err) : rc;
}

/* The first request of the root chain (5.3.2) and timestamp.json (5.4.1),
 * asked for at once: in the usual case, no newer root, the timestamp is
 * there when the chain ends, a round trip sooner. Nothing is trusted from
 * the timestamp here: it waits, unread, for the chain to be settled. */
static int fetch_root_and_timestamp(const bl_repo *repo, const char *root_file, char **buf, size_t *len,
                                    bl_fetch_request *timestamp, bl_error *err)
{
    char root_url[URL_MAX], timestamp_url[URL_MAX];
    bl_fetch_request reqs[2];
    int rc;

    if ((rc = metadata_url(repo, root_file, root_url, sizeof root_url, err)) != BL_OK ||
        (rc = metadata_url(repo, "timestamp.json", timestamp_url, sizeof timestamp_url, err)) != BL_OK)
        return rc;
    memset(reqs, 0, sizeof reqs);
    reqs[0].url = root_url;
    reqs[0].max = BL_TRUST_ROOT_MAX;
    reqs[1].url = timestamp_url;
    reqs[1].max = BL_TRUST_TIMESTAMP_MAX;
    if ((rc = bl_fetch_memory_many(repo->fetch, reqs, 2, err)) != BL_OK)
        return rc;
    *timestamp = reqs[1];
    timestamp->url = NULL; /* its buffer is gone with this frame */
    *buf = reqs[0].buf;
    *len = reqs[0].len;
    if (reqs[0].rc != BL_OK)
        *err = reqs[0].err;
    return reqs[0].rc;
}

/* Only https can offer HTTP/2 (ALPN): over http:// and file:// the two
 * requests would take turns anyway, so they are made in the spec's plain
 * order, one when it is due, and nothing is asked for that a rotated root
 * makes useless. */
static int can_ask_at_once(const bl_repo *repo)
{
    const char *url = repo->metadata_url ? repo->metadata_url : repo->base_url;
    return url && strncmp(url, "https://", 8) == 0;
}

static void drop_fetched(bl_fetch_request *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
    r->rc = -1;
}

/* TUF 5.3.8 and friends: a verified file replaces the trusted copy atomically. */
static int persist(const bl_repo *repo, const char *file, const char *buf, size_t len, bl_error *err)
{
    char path[BL_PATH_MAX];
    int rc = metadata_path(repo, file, path, sizeof path, err);
    if (rc == BL_OK)
        rc = bl_plat_write_file_atomic(path, buf, len, err);
    return rc;
}

static int read_trusted(const bl_repo *repo, const char *file, size_t max, char **buf, size_t *len, bl_error *err)
{
    char path[BL_PATH_MAX];
    int rc = metadata_path(repo, file, path, sizeof path, err);
    return rc == BL_OK ? bl_fs_read_all(path, max, buf, len, err) : rc;
}

int bl_repo_init(const char *metadata_dir, const char *root_file, int64_t now, bl_error *err)
{
    bl_repo repo;
    bl_trust *t = NULL;
    char *buf = NULL;
    size_t len;
    int rc;

    memset(&repo, 0, sizeof repo);
    repo.metadata_dir = metadata_dir;
    if ((rc = bl_fs_read_all(root_file, BL_TRUST_ROOT_MAX, &buf, &len, err)) != BL_OK ||
        (rc = bl_trust_new(buf, len, now, &t, err)) != BL_OK || (rc = bl_fs_mkdir_p(metadata_dir, err)) != BL_OK)
        goto cleanup;
    rc = persist(&repo, "root.json", buf, len, err);

cleanup:
    bl_trust_free(t);
    free(buf);
    return rc;
}

/* 5.2: the trusted root, from the cache or else the one shipped with the app. */
static int load_root(const bl_repo *repo, bl_trust **t, bl_error *err)
{
    char *buf = NULL;
    size_t len;
    int rc = read_trusted(repo, "root.json", BL_TRUST_ROOT_MAX, &buf, &len, err);
    if (rc == BL_ENOTFOUND && repo->shipped_root) {
        rc = bl_fs_read_all(repo->shipped_root, BL_TRUST_ROOT_MAX, &buf, &len, err);
        if (rc == BL_ENOTFOUND)
            bl_error_set(err, BL_ENOTFOUND, "no trusted root: %s is missing (reinstall Bomiot)", repo->shipped_root);
    }
    if (rc == BL_OK)
        rc = bl_trust_new(buf, len, repo->now, t, err);
    free(buf);
    return rc;
}

/* 5.3.2-5.3.9: N+1.root.json until the server has no newer one. Over https
 * timestamp.json goes with the first request (fetch_root_and_timestamp);
 * when no root came it is left in *timestamp (rc -1: not fetched) for 5.4,
 * to be verified under the settled chain. A rotated root drops it: it was asked
 * for before the new root was trusted, so it is fetched again afterwards,
 * in the spec's order (rotations are rare; the round trip is spent then). */
static int update_root(const bl_repo *repo, bl_trust *t, bl_fetch_request *timestamp, bl_error *err)
{
    int i, rc;
    memset(timestamp, 0, sizeof *timestamp);
    timestamp->rc = -1;
    for (i = 0; i < BL_TRUST_MAX_ROOT_ROTATIONS; i++) {
        char file[64];
        char *buf = NULL;
        size_t len;
        snprintf(file, sizeof file, "%llu.root.json", (unsigned long long)bl_trust_root_version(t) + 1);
        if (i == 0 && can_ask_at_once(repo))
            rc = fetch_root_and_timestamp(repo, file, &buf, &len, timestamp, err);
        else
            rc = fetch_metadata(repo, file, BL_TRUST_ROOT_MAX, &buf, &len, err);
        if (rc == BL_ENOTFOUND)
            break; /* no newer root: the usual case */
        drop_fetched(timestamp);
        if (rc == BL_OK && (rc = bl_trust_update_root(t, buf, len, err)) == BL_OK)
            rc = persist(repo, "root.json", buf, len, err);
        free(buf);
        if (rc != BL_OK)
            return rc;
        bl_log(BL_LOG_INFO, "trust", "root rotated to version %llu", (unsigned long long)bl_trust_root_version(t));
    }
    if ((rc = bl_trust_finish_root(t, err)) != BL_OK)
        drop_fetched(timestamp);
    return rc;
}

/* 5.3.11: earlier copies are the baseline for rollback checks; one that no
 * longer verifies (keys rotated away) is dropped. */
static void load_cached(const bl_repo *repo, bl_trust *t)
{
    int type;
    for (type = BL_TRUST_TIMESTAMP; type <= BL_TRUST_TARGETS; type++) {
        char file[32], path[BL_PATH_MAX];
        char *buf = NULL;
        size_t len;
        bl_error err;
        snprintf(file, sizeof file, "%s.json", role_names[type]);
        if (read_trusted(repo, file, BL_TRUST_SNAPSHOT_MAX * 4, &buf, &len, &err) == BL_OK &&
            bl_trust_load_cached(t, type, buf, len, &err) != BL_OK) {
            bl_log(BL_LOG_WARN, "trust", "dropping the cached %s: %s", file, err.msg);
            if (metadata_path(repo, file, path, sizeof path, &err) == BL_OK)
                bl_fs_remove_tree(path, &err);
        }
        free(buf);
    }
}

/* 5.5 and 5.6: snapshot or targets when the trusted copy is not current. */
static int update_role(const bl_repo *repo, bl_trust *t, int type, bl_error *err)
{
    char name[BL_TRUST_NAME_MAX + 32], file[BL_TRUST_NAME_MAX + 8];
    uint64_t max = 0;
    char *buf = NULL;
    size_t len;
    int rc;

    if (!bl_trust_needs(t, type))
        return BL_OK;
    if ((rc = bl_trust_next_file(t, role_names[type], name, sizeof name, &max, err)) != BL_OK ||
        (rc = fetch_metadata(repo, name, max, &buf, &len, err)) != BL_OK)
        goto cleanup;
    rc = type == BL_TRUST_SNAPSHOT ? bl_trust_update_snapshot(t, buf, len, err)
                                   : bl_trust_update_targets(t, buf, len, err);
    snprintf(file, sizeof file, "%s.json", role_names[type]);
    if (rc == BL_OK)
        rc = persist(repo, file, buf, len, err);

cleanup:
    free(buf);
    return rc;
}

int bl_repo_refresh(const bl_repo *repo, bl_trust **out, bl_error *err)
{
    bl_trust *t = NULL;
    const bl_trust_metadata *targets;
    bl_fetch_request timestamp;
    char *buf = NULL;
    size_t len = 0;
    int rc, unchanged = 0;

    *out = NULL;
    memset(&timestamp, 0, sizeof timestamp);
    if ((rc = bl_trust_init(err)) != BL_OK || (rc = bl_fs_mkdir_p(repo->metadata_dir, err)) != BL_OK ||
        (rc = load_root(repo, &t, err)) != BL_OK || (rc = update_root(repo, t, &timestamp, err)) != BL_OK)
        goto cleanup;
    load_cached(repo, t);
    /* 5.4: timestamp, fetched with the root chain's first request unless a
     * root rotated (update_root) */
    if (timestamp.rc == -1) {
        rc = fetch_metadata(repo, "timestamp.json", BL_TRUST_TIMESTAMP_MAX, &buf, &len, err);
    } else {
        buf = timestamp.buf; /* now freed as buf */
        len = timestamp.len;
        if ((rc = timestamp.rc) != BL_OK)
            *err = timestamp.err;
    }
    if (rc != BL_OK || (rc = bl_trust_update_timestamp(t, buf, len, &unchanged, err)) != BL_OK)
        goto cleanup;
    if (!unchanged && (rc = persist(repo, "timestamp.json", buf, len, err)) != BL_OK)
        goto cleanup;
    if ((rc = update_role(repo, t, BL_TRUST_SNAPSHOT, err)) != BL_OK ||
        (rc = update_role(repo, t, BL_TRUST_TARGETS, err)) != BL_OK ||
        (rc = bl_trust_targets(t, &targets, err)) != BL_OK)
        goto cleanup;
    *out = t;
    t = NULL;

cleanup:
    free(buf);
    bl_trust_free(t);
    return rc;
}

int bl_repo_url_encode(const char *in, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t used = 0;
    if (size == 0)
        return 0;
    for (; *in && used + 4 < size; in++) {
        unsigned char c = (unsigned char)*in;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
            c == '-') {
            out[used++] = (char)c;
        } else {
            out[used++] = '%';
            out[used++] = hex[c >> 4];
            out[used++] = hex[c & 15];
        }
    }
    out[used] = '\0';
    return *in == '\0';
}

int bl_repo_find_target(const bl_repo *repo, bl_trust *t, const char *target_path, const bl_trust_target **out,
                        bl_error *err)
{
    bl_trust_lookup lookup;
    int rc, fetched = 0;

    *out = NULL;
    for (;;) {
        char name[BL_TRUST_NAME_MAX + 32], encoded[3 * sizeof name], file[3 * BL_TRUST_NAME_MAX + 8];
        uint64_t max = 0;
        char *buf = NULL;
        size_t len;

        if ((rc = bl_trust_find_target(t, target_path, &lookup, err)) != BL_OK)
            return rc;
        if (lookup.status == BL_TRUST_FOUND) {
            *out = lookup.target;
            return BL_OK;
        }
        if (lookup.status == BL_TRUST_NOT_FOUND || fetched++ > BL_TRUST_MAX_VISITS)
            return bl_error_set(err, BL_ENOTFOUND, "target %s is not listed by any trusted targets role",
                                target_path);
        if ((rc = bl_trust_next_file(t, lookup.role, name, sizeof name, &max, err)) != BL_OK)
            return rc;
        /* 5.6.7: the role name is URL-encoded in the request ("a/b" is a%2Fb.json) */
        bl_repo_url_encode(name, encoded, sizeof encoded); /* sized to fit any role name */
        if ((rc = fetch_metadata(repo, encoded, max, &buf, &len, err)) != BL_OK ||
            (rc = bl_trust_update_delegated(t, lookup.delegator, lookup.role, buf, len, err)) != BL_OK) {
            free(buf);
            return rc;
        }
        bl_repo_url_encode(lookup.role, file, sizeof file - 5);
        strcat(file, ".json");
        rc = persist(repo, file, buf, len, err);
        free(buf);
        if (rc != BL_OK)
            return rc;
    }
}

/* Downloads (resuming what path holds) and checks length and hashes; bytes
 * that fail the check are removed, never resumed from. */
static int fetch_and_check(const bl_repo *repo, const char *url, const bl_trust_target *target,
                           const char *path, bl_error *err)
{
    bl_digest d;
    int rc = bl_fetch_file(repo->fetch, url, path, target->file.length, err);
    if (rc == BL_OK)
        rc = bl_digest_file(path, &d, err);
    if (rc == BL_OK)
        rc = bl_trust_check_file(&target->file, target->path, d.size, d.sha256, d.sha512, err);
    if (rc == BL_EHASH || rc == BL_ELENGTH) {
        bl_error ignored;
        bl_fs_remove_tree(path, &ignored);
    }
    return rc;
}

int bl_repo_download_target(const bl_repo *repo, const bl_trust *t, const bl_trust_target *target,
                            const char *path, bl_error *err)
{
    char name[1024], url[URL_MAX];
    int rc, n, resumed;

    if (!bl_trust_target_path_is_safe(target->path))
        return bl_error_set(err, BL_ECORRUPT, "target path '%.200s' is not a safe file name", target->path);
    if ((rc = bl_trust_target_file_name(t, target, name, sizeof name, err)) != BL_OK)
        return rc;
    n = repo->targets_url ? snprintf(url, sizeof url, "%s/%s", repo->targets_url, name)
                          : snprintf(url, sizeof url, "%s/targets/%s", repo->base_url, name);
    if (n < 0 || (size_t)n >= sizeof url)
        return bl_error_set(err, BL_ETOOBIG, "URL too long for %s", name);
    resumed = bl_fs_file_size(path) > 0;
    rc = fetch_and_check(repo, url, target, path, err);
    if (resumed && (rc == BL_EHASH || rc == BL_ELENGTH)) {
        /* The bytes kept from an earlier, interrupted start can be what was
         * wrong (a power cut, a disk error): one fresh download, now. */
        bl_log(BL_LOG_WARN, "update", "%s; downloading %s again from the start", err->msg, target->path);
        rc = fetch_and_check(repo, url, target, path, err);
    }
    return rc;
}
