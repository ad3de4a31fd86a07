/* SPDX-License-Identifier: Apache-2.0 */
#include "release_repo.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "platform.h"
#include "release_keys.h"
#include "release_util.h"
#include "update/digest.h"

#define SPEC_VERSION "1.0.31"
#define METADATA_MAX (8u * 1024 * 1024)

const char *const release_role_names[RELEASE_ROLES] = {"root", "timestamp", "snapshot", "targets"};

int release_role(const char *name)
{
    int i;
    for (i = 0; i < RELEASE_ROLES; i++)
        if (strcmp(name, release_role_names[i]) == 0)
            return i;
    return -1;
}

void release_settings_default(release_settings *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->key_type, sizeof s->key_type, "%s", RELEASE_KEY_TYPE_DEFAULT);
    s->expires_days[BL_TRUST_ROOT] = 365;
    s->expires_days[BL_TRUST_TARGETS] = 90;
    s->expires_days[BL_TRUST_SNAPSHOT] = 7;
    s->expires_days[BL_TRUST_TIMESTAMP] = 1;
}

/* ---- folders ---- */

/* An absolute path with "." and ".." resolved lexically (links are checked
 * separately with realpath once the folders exist). */
static int absolute(const char *path, char *out, size_t size, bl_error *err)
{
    char joined[BL_PATH_MAX], *parts[512], *save = NULL, *p;
    size_t cwd_len = sizeof joined, n = 0, i, len = 0;
    int r;

    if (path[0] == '/') {
        snprintf(joined, sizeof joined, "%s", path);
    } else {
        if ((r = uv_cwd(joined, &cwd_len)) < 0)
            return bl_error_set(err, BL_EIO, "cannot read the current folder: %s", uv_strerror(r));
        if (snprintf(joined + cwd_len, sizeof joined - cwd_len, "/%s", path) >= (int)(sizeof joined - cwd_len))
            return bl_error_set(err, BL_ETOOBIG, "path too long: %s", path);
    }
    for (p = strtok_r(joined, "/\\", &save); p; p = strtok_r(NULL, "/\\", &save)) {
        if (strcmp(p, ".") == 0)
            continue;
        if (strcmp(p, "..") == 0) {
            if (n)
                n--;
            continue;
        }
        if (n == sizeof parts / sizeof parts[0])
            return bl_error_set(err, BL_ETOOBIG, "path too deep: %s", path);
        parts[n++] = p;
    }
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        int w = snprintf(out + len, size - len, "/%s", parts[i]);
        if (w < 0 || (size_t)w >= size - len)
            return bl_error_set(err, BL_ETOOBIG, "path too long: %s", path);
        len += (size_t)w;
    }
    if (n == 0)
        snprintf(out, size, "/");
    return BL_OK;
}

static int inside(const char *child, const char *parent)
{
    size_t n = strlen(parent);
    if (strcmp(parent, "/") == 0)
        return 1;
    return strncmp(child, parent, n) == 0 && (child[n] == '\0' || child[n] == '/');
}

int release_repo_check_dirs(const release_env *env, bl_error *err)
{
    char repo[BL_PATH_MAX], keys[BL_PATH_MAX];
    uv_fs_t req;
    int rc;

    if ((rc = absolute(env->repo_dir, repo, sizeof repo, err)) != BL_OK ||
        (rc = absolute(env->keys_dir, keys, sizeof keys, err)) != BL_OK)
        return rc;
    /* and through links, for folders that exist already */
    if (uv_fs_realpath(NULL, &req, env->repo_dir, NULL) == 0)
        snprintf(repo, sizeof repo, "%s", (const char *)req.ptr);
    uv_fs_req_cleanup(&req);
    if (uv_fs_realpath(NULL, &req, env->keys_dir, NULL) == 0)
        snprintf(keys, sizeof keys, "%s", (const char *)req.ptr);
    uv_fs_req_cleanup(&req);
    if (inside(keys, repo))
        return bl_error_set(err, BL_EINVAL,
                            "the keys folder %s is inside the repository folder %s, which gets published: "
                            "keep the keys elsewhere (--keys DIR)",
                            env->keys_dir, env->repo_dir);
    return BL_OK;
}

static int set_dirs(const release_env *env, release_repo *r, bl_error *err)
{
    if (bl_fs_join(r->metadata_dir, sizeof r->metadata_dir, env->repo_dir, "metadata") != BL_OK ||
        bl_fs_join(r->targets_dir, sizeof r->targets_dir, env->repo_dir, "targets") != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", env->repo_dir);
    return release_repo_check_dirs(env, err);
}

/* ---- settings ---- */

static int settings_path(const release_env *env, char *out, size_t size, bl_error *err)
{
    if (bl_fs_join(out, size, env->keys_dir, "settings.json") != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", env->keys_dir);
    return BL_OK;
}

static int settings_save(const release_env *env, const release_settings *s, bl_error *err)
{
    char path[BL_PATH_MAX], *text = NULL;
    cJSON *doc = cJSON_CreateObject(), *days;
    int rc, i;

    if ((rc = settings_path(env, path, sizeof path, err)) != BL_OK)
        goto cleanup;
    cJSON_AddStringToObject(doc, "app", s->app);
    cJSON_AddStringToObject(doc, "key_type", s->key_type);
    days = cJSON_AddObjectToObject(doc, "expires_days");
    for (i = 0; i < RELEASE_ROLES; i++)
        cJSON_AddNumberToObject(days, release_role_names[i], s->expires_days[i]);
    if (!(text = cJSON_Print(doc))) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto cleanup;
    }
    rc = bl_plat_write_file_atomic(path, text, strlen(text), err);
cleanup:
    free(text);
    cJSON_Delete(doc);
    return rc;
}

static int settings_load(const release_env *env, release_settings *s, bl_error *err)
{
    char path[BL_PATH_MAX], *text = NULL;
    size_t len;
    cJSON *doc = NULL;
    const cJSON *app, *key_type, *days, *day;
    int rc, i;

    release_settings_default(s);
    if ((rc = settings_path(env, path, sizeof path, err)) != BL_OK)
        return rc;
    if ((rc = bl_fs_read_all(path, 64 * 1024, &text, &len, err)) != BL_OK) {
        if (rc == BL_ENOTFOUND)
            bl_error_set(err, rc, "%s is missing: is %s the keys folder of this repository (--keys DIR)?", path,
                         env->keys_dir);
        return rc;
    }
    doc = cJSON_ParseWithLength(text, len);
    app = cJSON_GetObjectItemCaseSensitive(doc, "app");
    if (!cJSON_IsString(app) || !app->valuestring[0] || strlen(app->valuestring) >= sizeof s->app) {
        rc = bl_error_set(err, BL_ECORRUPT, "%s: no valid \"app\" name", path);
        goto cleanup;
    }
    snprintf(s->app, sizeof s->app, "%s", app->valuestring);
    /* keys folders made before issue 22 have none: their keys are ed25519 */
    key_type = cJSON_GetObjectItemCaseSensitive(doc, "key_type");
    if (cJSON_IsString(key_type) && strlen(key_type->valuestring) < sizeof s->key_type)
        snprintf(s->key_type, sizeof s->key_type, "%s", key_type->valuestring);
    days = cJSON_GetObjectItemCaseSensitive(doc, "expires_days");
    for (i = 0; i < RELEASE_ROLES; i++) {
        day = cJSON_GetObjectItemCaseSensitive(days, release_role_names[i]);
        if (cJSON_IsNumber(day) && day->valuedouble >= 1 && day->valuedouble <= 36500)
            s->expires_days[i] = (int)day->valuedouble;
    }
    rc = BL_OK;
cleanup:
    free(text);
    cJSON_Delete(doc);
    return rc;
}

/* ---- documents ---- */

cJSON *release_repo_signed(const release_repo *r, int role)
{
    return cJSON_GetObjectItemCaseSensitive(r->doc[role], "signed");
}

static const cJSON *keyids_of(const cJSON *root_signed, int role)
{
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(root_signed, "roles");
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(roles, release_role_names[role]),
                                            "keyids");
}

const cJSON *release_repo_keyids(const release_repo *r, int role)
{
    return keyids_of(release_repo_signed(r, BL_TRUST_ROOT), role);
}

int release_repo_target_version(const release_repo *r, const char *name, char *version, size_t size, int *kind)
{
    /* indexed by enum release_target_kind */
    static const char *const suffixes[] = {RELEASE_ARCHIVE_SUFFIX, RELEASE_PATCH_SUFFIX, RELEASE_ZPATCH_SUFFIX};
    size_t app_len = strlen(r->settings.app), len = strlen(name), rest_len, i;
    const char *rest = name + app_len + 1; /* after "{app}-" */

    if (len <= app_len + 1 || strncmp(name, r->settings.app, app_len) != 0 || name[app_len] != '-')
        return 0;
    rest_len = len - app_len - 1;
    for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t suffix_len = strlen(suffixes[i]);
        if (rest_len <= suffix_len || strcmp(rest + rest_len - suffix_len, suffixes[i]) != 0 ||
            rest_len - suffix_len >= size)
            continue;
        memcpy(version, rest, rest_len - suffix_len);
        version[rest_len - suffix_len] = '\0';
        *kind = (int)i;
        return 1;
    }
    return 0;
}

int release_target_split(const char *name, char *app, size_t app_size, char *version, size_t version_size,
                         int *kind)
{
    size_t len = strlen(name), run, dash, rest;

    if (len > 7 && strcmp(name + len - 7, RELEASE_ARCHIVE_SUFFIX) == 0) {
        *kind = RELEASE_ARCHIVE;
        len -= 7;
    } else if (len > 7 && strcmp(name + len - 7, RELEASE_ZPATCH_SUFFIX) == 0) {
        *kind = RELEASE_ZPATCH;
        len -= 7;
    } else if (len > 6 && strcmp(name + len - 6, RELEASE_PATCH_SUFFIX) == 0) {
        *kind = RELEASE_PATCH;
        len -= 6;
    } else {
        return 0;
    }
    run = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
    if (run > len)
        run = len;
    /* the last '-' of that run with at least one character after it */
    for (dash = run; dash > 0 && (name[dash - 1] != '-' || dash == len); dash--)
        ;
    if (dash < 2) /* no '-', or nothing before it */
        return 0;
    rest = len - dash;
    if (dash - 1 >= app_size || rest >= version_size)
        return 0;
    memcpy(app, name, dash - 1);
    app[dash - 1] = '\0';
    memcpy(version, name + dash, rest);
    version[rest] = '\0';
    return 1;
}

static cJSON *new_document(int role)
{
    static const char *const types[RELEASE_ROLES] = {"root", "timestamp", "snapshot", "targets"};
    cJSON *doc = cJSON_CreateObject(), *s = cJSON_AddObjectToObject(doc, "signed");

    cJSON_AddStringToObject(s, "_type", types[role]);
    cJSON_AddStringToObject(s, "spec_version", SPEC_VERSION);
    cJSON_AddNumberToObject(s, "version", 0); /* the first commit makes it 1 */
    cJSON_AddStringToObject(s, "expires", "1970-01-01T00:00:00Z");
    if (role == BL_TRUST_TARGETS)
        cJSON_AddObjectToObject(s, "targets");
    if (role == BL_TRUST_SNAPSHOT || role == BL_TRUST_TIMESTAMP)
        cJSON_AddObjectToObject(s, "meta");
    cJSON_AddArrayToObject(doc, "signatures");
    return doc;
}

void release_repo_touch(release_repo *r, int role)
{
    if (role == BL_TRUST_ROOT && !r->touched[BL_TRUST_ROOT] && !r->old_root && release_repo_signed(r, role))
        r->old_root = cJSON_Duplicate(release_repo_signed(r, role), 1);
    r->touched[role] = 1;
    if (role == BL_TRUST_TARGETS)
        r->touched[BL_TRUST_SNAPSHOT] = 1;
    if (role == BL_TRUST_TARGETS || role == BL_TRUST_SNAPSHOT)
        r->touched[BL_TRUST_TIMESTAMP] = 1;
}

int release_repo_create(const release_env *env, const release_settings *settings, const int count[RELEASE_ROLES],
                        const int threshold[RELEASE_ROLES], int consistent_snapshot, release_repo *r,
                        bl_error *err)
{
    char path[BL_PATH_MAX], keyid[RELEASE_KEYID_SIZE];
    cJSON *root, *keys, *roles, *entry, *ids, *public_key;
    int rc, role, i;

    memset(r, 0, sizeof *r);
    r->env = env;
    r->settings = *settings;
    if ((rc = set_dirs(env, r, err)) != BL_OK)
        return rc;
    if (bl_fs_join(path, sizeof path, r->metadata_dir, "root.json") == BL_OK && bl_fs_exists(path))
        return bl_error_set(err, BL_EINVAL, "%s already holds a repository (%s exists)", env->repo_dir, path);
    if ((rc = bl_fs_mkdir_p(r->metadata_dir, err)) != BL_OK || (rc = bl_fs_mkdir_p(r->targets_dir, err)) != BL_OK ||
        (rc = release_keys_prepare(env->keys_dir, err)) != BL_OK || (rc = release_repo_check_dirs(env, err)) != BL_OK ||
        (rc = settings_save(env, settings, err)) != BL_OK)
        return rc;
    for (role = 0; role < RELEASE_ROLES; role++)
        r->doc[role] = new_document(role);
    root = release_repo_signed(r, BL_TRUST_ROOT);
    cJSON_AddBoolToObject(root, "consistent_snapshot", consistent_snapshot);
    keys = cJSON_AddObjectToObject(root, "keys");
    roles = cJSON_AddObjectToObject(root, "roles");
    for (role = 0; role < RELEASE_ROLES; role++) {
        entry = cJSON_AddObjectToObject(roles, release_role_names[role]);
        ids = cJSON_AddArrayToObject(entry, "keyids");
        cJSON_AddNumberToObject(entry, "threshold", threshold[role]);
        for (i = 0; i < count[role]; i++) {
            if ((rc = release_keys_generate(env->keys_dir, release_role_names[role], settings->key_type, keyid,
                                            err)) != BL_OK ||
                (rc = release_keys_public_json(env->keys_dir, keyid, &public_key, err)) != BL_OK)
                return rc;
            cJSON_AddItemToObject(keys, keyid, public_key);
            cJSON_AddItemToArray(ids, cJSON_CreateString(keyid));
        }
    }
    for (role = 0; role < RELEASE_ROLES; role++)
        release_repo_touch(r, role);
    return BL_OK;
}

static int load_document(release_repo *r, int role, bl_error *err)
{
    char path[BL_PATH_MAX], name[64], *text = NULL;
    size_t len;
    int rc;

    snprintf(name, sizeof name, "%s.json", release_role_names[role]);
    if (bl_fs_join(path, sizeof path, r->metadata_dir, name) != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", r->metadata_dir);
    if ((rc = bl_fs_read_all(path, METADATA_MAX, &text, &len, err)) != BL_OK) {
        if (rc == BL_ENOTFOUND)
            bl_error_set(err, rc, "%s is missing: is %s a repository (made by bomiot-release init)?", path,
                         r->env->repo_dir);
        return rc;
    }
    r->doc[role] = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(release_repo_signed(r, role)) ||
        !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(release_repo_signed(r, role), "version")))
        return bl_error_set(err, BL_ECORRUPT, "%s is not TUF metadata (no signed.version)", path);
    return BL_OK;
}

int release_repo_open(const release_env *env, release_repo *r, bl_error *err)
{
    int rc, role;

    memset(r, 0, sizeof *r);
    r->env = env;
    if ((rc = set_dirs(env, r, err)) != BL_OK || (rc = settings_load(env, &r->settings, err)) != BL_OK)
        return rc;
    for (role = 0; role < RELEASE_ROLES; role++)
        if ((rc = load_document(r, role, err)) != BL_OK)
            return rc;
    if (!cJSON_IsArray(release_repo_keyids(r, BL_TRUST_TARGETS)))
        return bl_error_set(err, BL_ECORRUPT, "%s/root.json lists no roles", r->metadata_dir);
    return BL_OK;
}

void release_repo_close(release_repo *r)
{
    int role;
    for (role = 0; role < RELEASE_ROLES; role++)
        cJSON_Delete(r->doc[role]);
    cJSON_Delete(r->old_root);
    memset(r, 0, sizeof *r);
}

/* ---- signing ---- */

static uint64_t threshold_of(const cJSON *root_signed, int role)
{
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(root_signed, "roles");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(roles, release_role_names[role]), "threshold");
    return cJSON_IsNumber(t) && t->valuedouble >= 1 ? (uint64_t)t->valuedouble : 1;
}

/* Signs doc with every key of role (per root_signed) the keys folder holds,
 * each key once across calls (signed_ids); fails below the threshold. */
static int sign_as(release_repo *r, cJSON *doc, const cJSON *root_signed, int role, cJSON *signed_ids,
                   const char *what, bl_error *err)
{
    const cJSON *id, *done;
    uint64_t count = 0, threshold = threshold_of(root_signed, role);
    int rc;

    cJSON_ArrayForEach(id, keyids_of(root_signed, role))
    {
        int already = 0;
        if (!cJSON_IsString(id))
            continue;
        cJSON_ArrayForEach(done, signed_ids) already |= strcmp(done->valuestring, id->valuestring) == 0;
        if (already) {
            count++;
            continue;
        }
        rc = release_keys_sign(r->env->keys_dir, id->valuestring, doc, err);
        if (rc == BL_ENOTFOUND)
            continue; /* held by another publisher, or offline */
        if (rc != BL_OK)
            return rc;
        cJSON_AddItemToArray(signed_ids, cJSON_CreateString(id->valuestring));
        count++;
    }
    if (count < threshold)
        return bl_error_set(err, BL_ESIGNATURE,
                            "%s needs %llu signature%s by %s keys, and the keys folder %s holds %s%llu of them",
                            what, (unsigned long long)threshold, release_util_plural(threshold),
                            release_role_names[role], r->env->keys_dir, count ? "only " : "",
                            (unsigned long long)count);
    return BL_OK;
}

static int write_json(const char *dir, const char *name, const cJSON *doc, bl_error *err)
{
    char path[BL_PATH_MAX], *text = cJSON_Print(doc);
    int rc;

    if (!text)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if (bl_fs_join(path, sizeof path, dir, name) != BL_OK)
        rc = bl_error_set(err, BL_ETOOBIG, "path too long: %s", dir);
    else
        rc = bl_plat_write_file_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

static uint64_t version_of(const cJSON *signed_part)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(signed_part, "version");
    return cJSON_IsNumber(v) && v->valuedouble > 0 ? (uint64_t)v->valuedouble : 0;
}

static void set_number(cJSON *obj, const char *name, double value)
{
    cJSON *item = cJSON_CreateNumber(value);
    if (cJSON_GetObjectItemCaseSensitive(obj, name))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, name, item);
    else
        cJSON_AddItemToObject(obj, name, item);
}

static void set_string(cJSON *obj, const char *name, const char *value)
{
    cJSON *item = cJSON_CreateString(value);
    if (cJSON_GetObjectItemCaseSensitive(obj, name))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, name, item);
    else
        cJSON_AddItemToObject(obj, name, item);
}

/* The parent's "meta" entry for a child file: version, and for the
 * snapshot (fetched without any other bound) its length and sha256 too. */
static cJSON *meta_entry(uint64_t version, const char *text)
{
    cJSON *entry = cJSON_CreateObject(), *hashes;
    unsigned char sha256[32];
    char hex[65];

    cJSON_AddNumberToObject(entry, "version", (double)version);
    if (text) {
        crypto_hash_sha256(sha256, (const unsigned char *)text, strlen(text));
        sodium_bin2hex(hex, sizeof hex, sha256, sizeof sha256);
        cJSON_AddNumberToObject(entry, "length", (double)strlen(text));
        hashes = cJSON_AddObjectToObject(entry, "hashes");
        cJSON_AddStringToObject(hashes, "sha256", hex);
    }
    return entry;
}

/* Gives role's document its next version, expiry and, for snapshot and
 * timestamp, the meta of the role they list (child_text: the snapshot as it
 * will be written, for the timestamp's length and hash), then signs it.
 * Writes nothing. */
static int sign_role(release_repo *r, int role, const char *child_text, bl_error *err)
{
    cJSON *doc = r->doc[role], *s = release_repo_signed(r, role), *signed_ids = cJSON_CreateArray(), *meta;
    const cJSON *root_now = release_repo_signed(r, BL_TRUST_ROOT);
    char expires[32], what[64];
    uint64_t version = version_of(s) + 1;
    int rc;

    set_number(s, "version", (double)version);
    bl_trust_format_time(r->env->now + (int64_t)r->settings.expires_days[role] * 86400, expires, sizeof expires);
    set_string(s, "expires", expires);
    if (role == BL_TRUST_SNAPSHOT || role == BL_TRUST_TIMESTAMP) {
        meta = cJSON_CreateObject();
        if (role == BL_TRUST_SNAPSHOT)
            cJSON_AddItemToObject(meta, "targets.json",
                                  meta_entry(version_of(release_repo_signed(r, BL_TRUST_TARGETS)), NULL));
        else
            cJSON_AddItemToObject(meta, "snapshot.json",
                                  meta_entry(version_of(release_repo_signed(r, BL_TRUST_SNAPSHOT)), child_text));
        cJSON_ReplaceItemInObjectCaseSensitive(s, "meta", meta);
    }
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "signatures", cJSON_CreateArray());
    snprintf(what, sizeof what, "%s.json version %llu", release_role_names[role], (unsigned long long)version);
    rc = sign_as(r, doc, root_now, role, signed_ids, what, err);
    /* a new root must also be accepted by clients that trust the old one */
    if (rc == BL_OK && role == BL_TRUST_ROOT && r->old_root)
        rc = sign_as(r, doc, r->old_root, role, signed_ids, what, err);
    cJSON_Delete(signed_ids);
    return rc;
}

/* Writes role's signed document as <role>.json, and as N.<role>.json for
 * root and, with consistent snapshots, snapshot and targets. */
static int write_role(release_repo *r, int role, bl_error *err)
{
    const cJSON *root_now = release_repo_signed(r, BL_TRUST_ROOT);
    char name[96];
    int rc, consistent = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root_now, "consistent_snapshot"));

    if (role == BL_TRUST_ROOT || (consistent && role != BL_TRUST_TIMESTAMP)) {
        snprintf(name, sizeof name, "%llu.%s.json", (unsigned long long)version_of(release_repo_signed(r, role)),
                 release_role_names[role]);
        if ((rc = write_json(r->metadata_dir, name, r->doc[role], err)) != BL_OK)
            return rc;
    }
    snprintf(name, sizeof name, "%s.json", release_role_names[role]);
    return write_json(r->metadata_dir, name, r->doc[role], err);
}

/* Every touched role is signed before any is written: a missing key or a
 * threshold not met (the commonest failure, an offline key) leaves every
 * file as it was. Writing then goes in the order that keeps the repository
 * readable; a write failing half way (a full disk) is the one case that
 * leaves some roles new and some old, and r->written says it began. */
int release_repo_commit(release_repo *r, bl_error *err)
{
    static const int order[] = {BL_TRUST_ROOT, BL_TRUST_TARGETS, BL_TRUST_SNAPSHOT, BL_TRUST_TIMESTAMP};
    char *snapshot_text = NULL;
    size_t i;
    int rc = BL_OK;

    for (i = 0; i < sizeof order / sizeof order[0] && rc == BL_OK; i++) {
        int role = order[i];
        if (r->touched[role]) {
            rc = sign_role(r, role, snapshot_text, err);
            if (rc == BL_OK && role == BL_TRUST_SNAPSHOT && !(snapshot_text = cJSON_Print(r->doc[role])))
                rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        } else if (role == BL_TRUST_SNAPSHOT && r->touched[BL_TRUST_TIMESTAMP]) {
            /* the timestamp lists the snapshot's length and hash: read it as published */
            char path[BL_PATH_MAX];
            size_t len;
            if (bl_fs_join(path, sizeof path, r->metadata_dir, "snapshot.json") != BL_OK)
                rc = bl_error_set(err, BL_ETOOBIG, "path too long: %s", r->metadata_dir);
            else
                rc = bl_fs_read_all(path, METADATA_MAX, &snapshot_text, &len, err);
        }
    }
    free(snapshot_text);
    for (i = 0; i < sizeof order / sizeof order[0] && rc == BL_OK; i++)
        if (r->touched[order[i]]) {
            r->written = 1;
            rc = write_role(r, order[i], err);
        }
    if (rc == BL_OK) {
        memset(r->touched, 0, sizeof r->touched);
        cJSON_Delete(r->old_root);
        r->old_root = NULL;
    }
    return rc;
}

/* ---- targets ---- */

int release_repo_target_path(const release_repo *r, const char *name, char *out, size_t size, bl_error *err)
{
    if (!bl_trust_target_path_is_safe(name) || strchr(name, '/'))
        return bl_error_set(err, BL_EINVAL, "'%s' cannot be a target name", name);
    if (bl_fs_join(out, size, r->targets_dir, name) != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", r->targets_dir);
    return BL_OK;
}

/* targets/<sha256>.<name>, for clients of a consistent-snapshot repository:
 * a hard link (no extra space), or a copy where links are not possible. */
static int link_hashed(release_repo *r, const char *path, const char *name, const char *hex, bl_error *err)
{
    char hashed[BL_PATH_MAX], base[160];
    uv_fs_t req;
    int rc;

    snprintf(base, sizeof base, "%s.%s", hex, name);
    if ((rc = release_repo_target_path(r, base, hashed, sizeof hashed, err)) != BL_OK)
        return rc;
    if (bl_fs_exists(hashed))
        return BL_OK;
    if (r->linked_count == RELEASE_LINKS_MAX)
        return bl_error_set(err, BL_ETOOBIG, "more than %d new targets in one run", RELEASE_LINKS_MAX);
    rc = uv_fs_link(NULL, &req, path, hashed, NULL);
    uv_fs_req_cleanup(&req);
    if (rc < 0) {
        rc = uv_fs_copyfile(NULL, &req, path, hashed, 0, NULL);
        uv_fs_req_cleanup(&req);
    }
    if (rc < 0)
        return bl_error_sys(err, rc, "cannot write %s", hashed);
    snprintf(r->linked[r->linked_count++], sizeof r->linked[0], "%s", hashed);
    return BL_OK;
}

void release_repo_discard_links(release_repo *r)
{
    uv_fs_t req;
    int i;

    for (i = 0; i < r->linked_count; i++) {
        uv_fs_unlink(NULL, &req, r->linked[i], NULL);
        uv_fs_req_cleanup(&req);
    }
    r->linked_count = 0;
}

int release_repo_add_target(release_repo *r, const char *name, cJSON *custom, bl_error *err)
{
    char path[BL_PATH_MAX], hex[65];
    cJSON *targets = cJSON_GetObjectItemCaseSensitive(release_repo_signed(r, BL_TRUST_TARGETS), "targets");
    cJSON *entry, *hashes;
    bl_digest digest;
    int rc;

    if ((rc = release_repo_target_path(r, name, path, sizeof path, err)) != BL_OK ||
        (rc = bl_digest_file(path, &digest, err)) != BL_OK) {
        cJSON_Delete(custom);
        return rc;
    }
    bl_digest_sha256_hex(digest.sha256, hex);
    entry = cJSON_CreateObject();
    cJSON_AddNumberToObject(entry, "length", (double)digest.size);
    hashes = cJSON_AddObjectToObject(entry, "hashes");
    cJSON_AddStringToObject(hashes, "sha256", hex);
    if (custom)
        cJSON_AddItemToObject(entry, "custom", custom);
    cJSON_DeleteItemFromObjectCaseSensitive(targets, name);
    cJSON_AddItemToObject(targets, name, entry);
    release_repo_touch(r, BL_TRUST_TARGETS);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(release_repo_signed(r, BL_TRUST_ROOT), "consistent_snapshot")))
        return link_hashed(r, path, name, hex, err);
    return BL_OK;
}
