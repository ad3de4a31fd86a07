/* SPDX-License-Identifier: Apache-2.0 */
/* The TUF client workflow (spec section 5) as steps over trusted state; see
 * trust.h for the order a driver calls them in. Each step checks everything
 * first and changes the state last, so a failed step leaves it untouched. */
#include "trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[BL_TRUST_NAME_MAX + 1];
    char delegator[BL_TRUST_NAME_MAX + 1];
    uint64_t delegator_version; /* the delegator's version whose keys verified it */
    bl_trust_metadata *md;
} delegated_role;

struct bl_trust {
    int64_t now;                    /* 5.1: the fixed update start time */
    bl_trust_metadata *initial_root; /* as loaded, to see rotated keys (5.3.11) */
    bl_trust_metadata *top[4];       /* trusted metadata by enum bl_trust_type */
    int root_final;                  /* bl_trust_finish_root passed */
    int refuse_cached;               /* 5.3.11: timestamp or snapshot keys changed */
    delegated_role *delegated;
    size_t delegated_count;
};

static const char *const role_names[] = {"root", "timestamp", "snapshot", "targets"};

static int expired(const bl_trust *t, const bl_trust_metadata *md, const char *what, bl_error *err)
{
    char when[32];
    if (t->now < md->expires)
        return BL_OK;
    bl_trust_format_time(md->expires, when, sizeof when);
    return bl_error_set(err, BL_EEXPIRED, "%s v%llu: expired at %s", what, (unsigned long long)md->version, when);
}

int bl_trust_new(const char *root, size_t len, int64_t now, bl_trust **out, bl_error *err)
{
    bl_trust_metadata *md = NULL;
    bl_trust *t = NULL;
    char what[48];
    int rc;

    *out = NULL;
    if ((rc = bl_trust_init(err)) != BL_OK ||
        (rc = bl_trust_parse(root, len, BL_TRUST_ROOT_MAX, BL_TRUST_ROOT, "trusted root", &md, err)) != BL_OK)
        goto cleanup;
    /* 5.2 trusts this file out of band; a self-signature still catches a damaged copy. */
    snprintf(what, sizeof what, "trusted root v%llu", (unsigned long long)md->version);
    if ((rc = bl_trust_verify(md, md->keys, &md->roles[BL_TRUST_ROOT], what, "its own root keys", err)) != BL_OK)
        goto cleanup;
    if (!(t = calloc(1, sizeof *t))) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto cleanup;
    }
    t->now = now;
    t->initial_root = t->top[BL_TRUST_ROOT] = md;
    md = NULL;
    *out = t;

cleanup:
    bl_trust_metadata_free(md);
    return rc;
}

static void drop_delegated(bl_trust *t)
{
    size_t i;
    for (i = 0; i < t->delegated_count; i++)
        bl_trust_metadata_free(t->delegated[i].md);
    free(t->delegated);
    t->delegated = NULL;
    t->delegated_count = 0;
}

void bl_trust_free(bl_trust *t)
{
    int i;
    if (!t)
        return;
    if (t->initial_root != t->top[BL_TRUST_ROOT])
        bl_trust_metadata_free(t->initial_root);
    for (i = 0; i < 4; i++)
        bl_trust_metadata_free(t->top[i]);
    drop_delegated(t);
    free(t);
}

uint64_t bl_trust_root_version(const bl_trust *t)
{
    return t->top[BL_TRUST_ROOT]->version;
}

int bl_trust_consistent_snapshot(const bl_trust *t)
{
    return t->top[BL_TRUST_ROOT]->consistent_snapshot;
}

const bl_trust_metadata *bl_trust_get(const bl_trust *t, int type)
{
    return type >= BL_TRUST_ROOT && type <= BL_TRUST_TARGETS ? t->top[type] : NULL;
}

/* Replaces trusted metadata of a top-level role, keeping the initial root. */
static void set_top(bl_trust *t, int type, bl_trust_metadata *md)
{
    if (t->top[type] != t->initial_root)
        bl_trust_metadata_free(t->top[type]);
    t->top[type] = md;
}

int bl_trust_update_root(bl_trust *t, const char *buf, size_t len, bl_error *err)
{
    bl_trust_metadata *trusted = t->top[BL_TRUST_ROOT], *md = NULL;
    unsigned long long n = trusted->version;
    char what[48], signers[48];
    int rc;

    snprintf(what, sizeof what, "root v%llu", n + 1);
    if (t->root_final) {
        rc = bl_error_set(err, BL_EINVAL, "%s: the root update already finished", what);
        goto cleanup;
    }
    if ((rc = bl_trust_parse(buf, len, BL_TRUST_ROOT_MAX, BL_TRUST_ROOT, what, &md, err)) != BL_OK)
        goto cleanup;
    /* 5.3.4: signed by a threshold of the trusted root keys and of its own. */
    snprintf(signers, sizeof signers, "root keys of v%llu", n);
    if ((rc = bl_trust_verify(md, trusted->keys, &trusted->roles[BL_TRUST_ROOT], what, signers, err)) != BL_OK)
        goto cleanup;
    snprintf(signers, sizeof signers, "its own root keys");
    if ((rc = bl_trust_verify(md, md->keys, &md->roles[BL_TRUST_ROOT], what, signers, err)) != BL_OK)
        goto cleanup;
    /* 5.3.5: exactly N+1. 5.3.6: its expiry does not matter yet. */
    if (md->version <= n) {
        rc = bl_error_set(err, BL_EROLLBACK, "root: version %llu is not newer than trusted version %llu (rollback)",
                          (unsigned long long)md->version, n);
        goto cleanup;
    }
    if (md->version != n + 1) {
        rc = bl_error_set(err, BL_ECORRUPT, "root: %llu.root.json holds version %llu (versions must not be skipped)",
                          n + 1, (unsigned long long)md->version);
        goto cleanup;
    }
    set_top(t, BL_TRUST_ROOT, md); /* 5.3.7 */
    md = NULL;

cleanup:
    bl_trust_metadata_free(md);
    return rc;
}

/* Whether every key of role type in root a is also one in root b. */
static int role_keys_within(const bl_trust_metadata *a, const bl_trust_metadata *b, int type)
{
    const bl_trust_role *ra = &a->roles[type], *rb = &b->roles[type];
    int i, j;
    for (i = 0; i < ra->count; i++) {
        const bl_trust_key *key = &a->keys->key[ra->key[i]];
        for (j = 0; j < rb->count; j++) {
            const bl_trust_key *other = &b->keys->key[rb->key[j]];
            if (bl_sig_key_equal(&other->key, &key->key) && strcmp(other->keyid, key->keyid) == 0)
                break;
        }
        if (j == rb->count)
            return 0;
    }
    return 1;
}

static int same_keys(const bl_trust_metadata *a, const bl_trust_metadata *b, int type)
{
    return role_keys_within(a, b, type) && role_keys_within(b, a, type);
}

int bl_trust_finish_root(bl_trust *t, bl_error *err)
{
    const bl_trust_metadata *root = t->top[BL_TRUST_ROOT];
    int rc;
    /* 5.3.10: freeze attack */
    if ((rc = expired(t, root, "root", err)) != BL_OK)
        return rc;
    /* 5.3.11: after rotated timestamp or snapshot keys, forget both, so a
     * version fast-forwarded with the old keys cannot block new metadata. */
    if (!same_keys(t->initial_root, root, BL_TRUST_TIMESTAMP) || !same_keys(t->initial_root, root, BL_TRUST_SNAPSHOT)) {
        t->refuse_cached = 1;
        set_top(t, BL_TRUST_TIMESTAMP, NULL);
        set_top(t, BL_TRUST_SNAPSHOT, NULL);
    }
    t->root_final = 1; /* 5.3.12: bl_trust_consistent_snapshot() reads the final root */
    return BL_OK;
}

static int verify_top(const bl_trust *t, const bl_trust_metadata *md, int type, const char *what, bl_error *err)
{
    const bl_trust_metadata *root = t->top[BL_TRUST_ROOT];
    char signers[64];
    snprintf(signers, sizeof signers, "%s keys of root v%llu", role_names[type], (unsigned long long)root->version);
    return bl_trust_verify(md, root->keys, &root->roles[type], what, signers, err);
}

/* Parses and verifies a top-level role against the final root. */
static int parse_top(const bl_trust *t, int type, const char *buf, size_t len, size_t max_len,
                     bl_trust_metadata **out, bl_error *err)
{
    char what[48];
    int rc;
    *out = NULL;
    if (!t->root_final)
        return bl_error_set(err, BL_EINVAL, "%s: the root update has not finished", role_names[type]);
    if ((rc = bl_trust_parse(buf, len, max_len, type, role_names[type], out, err)) != BL_OK)
        return rc;
    snprintf(what, sizeof what, "%s v%llu", role_names[type], (unsigned long long)(*out)->version);
    if ((rc = verify_top(t, *out, type, what, err)) != BL_OK) {
        bl_trust_metadata_free(*out);
        *out = NULL;
    }
    return rc;
}

static const size_t top_caps[4] = {BL_TRUST_ROOT_MAX, BL_TRUST_TIMESTAMP_MAX, BL_TRUST_SNAPSHOT_MAX,
                                   BL_TRUST_TARGETS_MAX};

int bl_trust_load_cached(bl_trust *t, int type, const char *buf, size_t len, bl_error *err)
{
    bl_trust_metadata *md;
    int rc;
    if (type != BL_TRUST_TIMESTAMP && type != BL_TRUST_SNAPSHOT && type != BL_TRUST_TARGETS)
        return bl_error_set(err, BL_EINVAL, "only timestamp, snapshot and targets are cached this way");
    if (t->top[type])
        return bl_error_set(err, BL_EINVAL, "cached %s: a trusted copy is already loaded", role_names[type]);
    if (t->refuse_cached && type != BL_TRUST_TARGETS)
        return bl_error_set(err, BL_ESIGNATURE, "cached %s: dropped, timestamp or snapshot keys were rotated in root v%llu",
                            role_names[type], (unsigned long long)bl_trust_root_version(t));
    if ((rc = parse_top(t, type, buf, len, top_caps[type], &md, err)) != BL_OK)
        return bl_error_prefix(err, "cached ");
    t->top[type] = md;
    return BL_OK;
}

int bl_trust_update_timestamp(bl_trust *t, const char *buf, size_t len, int *unchanged, bl_error *err)
{
    const bl_trust_metadata *trusted = t->top[BL_TRUST_TIMESTAMP];
    bl_trust_metadata *md = NULL;
    int rc;

    *unchanged = 0;
    if ((rc = parse_top(t, BL_TRUST_TIMESTAMP, buf, len, BL_TRUST_TIMESTAMP_MAX, &md, err)) != BL_OK) /* 5.4.2 */
        goto cleanup;
    if (trusted) {
        /* 5.4.3.1: rollback; the same version means nothing changed. */
        unsigned long long old_snapshot = bl_trust_find_meta(trusted, "snapshot.json")->version;
        unsigned long long new_snapshot = bl_trust_find_meta(md, "snapshot.json")->version;
        if (md->version < trusted->version) {
            rc = bl_error_set(err, BL_EROLLBACK, "timestamp: version %llu is older than trusted version %llu (rollback)",
                              (unsigned long long)md->version, (unsigned long long)trusted->version);
            goto cleanup;
        }
        if (md->version == trusted->version) {
            *unchanged = 1;
            rc = expired(t, trusted, "timestamp", err);
            goto cleanup;
        }
        /* 5.4.3.2 */
        if (new_snapshot < old_snapshot) {
            rc = bl_error_set(err, BL_EROLLBACK,
                              "timestamp v%llu: snapshot version %llu is older than %llu in trusted timestamp (rollback)",
                              (unsigned long long)md->version, new_snapshot, old_snapshot);
            goto cleanup;
        }
    }
    if ((rc = expired(t, md, "timestamp", err)) != BL_OK) /* 5.4.4 */
        goto cleanup;
    set_top(t, BL_TRUST_TIMESTAMP, md);
    md = NULL;

cleanup:
    bl_trust_metadata_free(md);
    return rc;
}

/* The meta entry that describes role's file in its parent (timestamp for
 * snapshot, snapshot for every targets role). */
static const bl_trust_meta *parent_meta(const bl_trust *t, const char *role)
{
    char file[BL_TRUST_NAME_MAX + 8];
    int is_snapshot = strcmp(role, "snapshot") == 0;
    snprintf(file, sizeof file, "%s.json", role);
    return bl_trust_find_meta(t->top[is_snapshot ? BL_TRUST_TIMESTAMP : BL_TRUST_SNAPSHOT], file);
}

/* Whether trusted metadata md of role is the one its parent lists, unexpired:
 * what the next step may build on (python-tuf's "final" checks). */
static int check_current(const bl_trust *t, const char *role, const bl_trust_metadata *md, bl_error *err)
{
    const bl_trust_meta *meta = parent_meta(t, role);
    const char *parent = strcmp(role, "snapshot") == 0 ? "timestamp" : "snapshot";
    if (!t->top[strcmp(role, "snapshot") == 0 ? BL_TRUST_TIMESTAMP : BL_TRUST_SNAPSHOT])
        return bl_error_set(err, BL_ENOTFOUND, "%s: no trusted %s yet", role, parent);
    if (!meta)
        return bl_error_set(err, BL_ENOTFOUND, "%s: %s does not list %s.json", role, parent, role);
    if (!md)
        return bl_error_set(err, BL_ENOTFOUND, "%s: no trusted copy yet", role);
    if (md->version != meta->version)
        return bl_error_set(err, BL_ECORRUPT, "%s: version %llu does not match version %llu in %s (mix-and-match)",
                            role, (unsigned long long)md->version, (unsigned long long)meta->version, parent);
    return expired(t, md, role, err);
}

int bl_trust_needs(const bl_trust *t, int type)
{
    if (type == BL_TRUST_SNAPSHOT)
        return check_current(t, "snapshot", t->top[BL_TRUST_SNAPSHOT], NULL) != BL_OK;
    if (type == BL_TRUST_TARGETS)
        return check_current(t, "targets", t->top[BL_TRUST_TARGETS], NULL) != BL_OK;
    return 1;
}

/* The timestamp a snapshot update builds on: present and unexpired. */
static int timestamp_ready(const bl_trust *t, bl_error *err)
{
    if (!t->top[BL_TRUST_TIMESTAMP])
        return bl_error_set(err, BL_ENOTFOUND, "snapshot: no trusted timestamp yet");
    return expired(t, t->top[BL_TRUST_TIMESTAMP], "timestamp", err);
}

/* The snapshot a targets update builds on: current and unexpired, under an
 * unexpired timestamp. */
static int snapshot_ready(const bl_trust *t, bl_error *err)
{
    int rc = timestamp_ready(t, err);
    return rc != BL_OK ? rc : check_current(t, "snapshot", t->top[BL_TRUST_SNAPSHOT], err);
}

int bl_trust_next_file(const bl_trust *t, const char *role, char *name, size_t size, uint64_t *max_len,
                       bl_error *err)
{
    const bl_trust_meta *meta;
    int is_snapshot = strcmp(role, "snapshot") == 0, n;
    int rc = is_snapshot ? timestamp_ready(t, err) : snapshot_ready(t, err);
    if (rc != BL_OK)
        return rc;
    if (!(meta = parent_meta(t, role)))
        return bl_error_set(err, BL_ENOTFOUND, "%.128s: %s does not list %.128s.json", role,
                            is_snapshot ? "timestamp" : "snapshot", role);
    *max_len = meta->file.has_length ? meta->file.length
               : is_snapshot         ? BL_TRUST_SNAPSHOT_MAX
                                     : BL_TRUST_TARGETS_MAX;
    n = bl_trust_consistent_snapshot(t) ? snprintf(name, size, "%llu.%s", (unsigned long long)meta->version, meta->name)
                                        : snprintf(name, size, "%s", meta->name);
    if (n < 0 || (size_t)n >= size)
        return bl_error_set(err, BL_EINVAL, "%.128s: file name too long", role);
    return BL_OK;
}

/* 5.5.2/5.6.2: length and hashes the parent lists, before parsing. */
static int check_against_parent(const bl_trust_meta *meta, const char *role, const char *buf, size_t len,
                                size_t cap, bl_error *err)
{
    if (!meta->file.has_length && len > cap)
        return bl_error_set(err, BL_ELENGTH, "%s: %zu bytes is more than the %zu allowed", role, len, cap);
    return bl_trust_check_buffer(&meta->file, role, buf, len, err);
}

int bl_trust_update_snapshot(bl_trust *t, const char *buf, size_t len, bl_error *err)
{
    const bl_trust_metadata *trusted = t->top[BL_TRUST_SNAPSHOT];
    const bl_trust_meta *meta;
    bl_trust_metadata *md = NULL;
    size_t i;
    int rc;

    if ((rc = timestamp_ready(t, err)) != BL_OK)
        goto cleanup;
    meta = parent_meta(t, "snapshot");
    if ((rc = check_against_parent(meta, "snapshot", buf, len, BL_TRUST_SNAPSHOT_MAX, err)) != BL_OK || /* 5.5.2 */
        (rc = parse_top(t, BL_TRUST_SNAPSHOT, buf, len, SIZE_MAX, &md, err)) != BL_OK)                  /* 5.5.3 */
        goto cleanup;
    if (md->version != meta->version) { /* 5.5.4 */
        rc = bl_error_set(err, BL_ECORRUPT, "snapshot: version %llu does not match version %llu in timestamp (mix-and-match)",
                          (unsigned long long)md->version, (unsigned long long)meta->version);
        goto cleanup;
    }
    /* 5.5.5: no targets metadata disappears or goes back. */
    for (i = 0; trusted && i < trusted->meta_count; i++) {
        const bl_trust_meta *old = &trusted->meta[i], *now = bl_trust_find_meta(md, old->name);
        if (!now) {
            rc = bl_error_set(err, BL_EROLLBACK, "snapshot v%llu: %.64s, listed in trusted v%llu, is missing (rollback)",
                              (unsigned long long)md->version, old->name, (unsigned long long)trusted->version);
            goto cleanup;
        }
        if (now->version < old->version) {
            rc = bl_error_set(err, BL_EROLLBACK,
                              "snapshot v%llu: %.64s version %llu is older than %llu in trusted snapshot (rollback)",
                              (unsigned long long)md->version, old->name, (unsigned long long)now->version,
                              (unsigned long long)old->version);
            goto cleanup;
        }
    }
    if ((rc = expired(t, md, "snapshot", err)) != BL_OK) /* 5.5.6 */
        goto cleanup;
    set_top(t, BL_TRUST_SNAPSHOT, md);
    md = NULL;

cleanup:
    bl_trust_metadata_free(md);
    return rc;
}

int bl_trust_update_targets(bl_trust *t, const char *buf, size_t len, bl_error *err)
{
    const bl_trust_meta *meta;
    bl_trust_metadata *md = NULL;
    int rc;

    if ((rc = snapshot_ready(t, err)) != BL_OK)
        goto cleanup;
    if (!(meta = parent_meta(t, "targets"))) {
        rc = bl_error_set(err, BL_ENOTFOUND, "targets: snapshot does not list targets.json");
        goto cleanup;
    }
    if ((rc = check_against_parent(meta, "targets", buf, len, BL_TRUST_TARGETS_MAX, err)) != BL_OK || /* 5.6.2 */
        (rc = parse_top(t, BL_TRUST_TARGETS, buf, len, SIZE_MAX, &md, err)) != BL_OK)                  /* 5.6.3 */
        goto cleanup;
    if (md->version != meta->version) { /* 5.6.4 */
        rc = bl_error_set(err, BL_ECORRUPT, "targets: version %llu does not match version %llu in snapshot (mix-and-match)",
                          (unsigned long long)md->version, (unsigned long long)meta->version);
        goto cleanup;
    }
    if ((rc = expired(t, md, "targets", err)) != BL_OK) /* 5.6.5 */
        goto cleanup;
    set_top(t, BL_TRUST_TARGETS, md);
    drop_delegated(t); /* verified with the old delegations' keys */
    md = NULL;

cleanup:
    bl_trust_metadata_free(md);
    return rc;
}

static delegated_role *find_delegated(const bl_trust *t, const char *name)
{
    size_t i;
    for (i = 0; i < t->delegated_count; i++) {
        if (strcmp(t->delegated[i].name, name) == 0)
            return &t->delegated[i];
    }
    return NULL;
}

/* The trusted metadata of a targets role by name. */
static const bl_trust_metadata *role_metadata(const bl_trust *t, const char *name)
{
    const delegated_role *d;
    if (strcmp(name, "targets") == 0)
        return t->top[BL_TRUST_TARGETS];
    d = find_delegated(t, name);
    return d ? d->md : NULL;
}

static const bl_trust_delegation *find_delegation(const bl_trust_metadata *md, const char *name)
{
    size_t i;
    for (i = 0; md && i < md->delegation_count; i++) {
        if (strcmp(md->delegations[i].name, name) == 0)
            return &md->delegations[i];
    }
    return NULL;
}

int bl_trust_update_delegated(bl_trust *t, const char *delegator, const char *role, const char *buf, size_t len,
                              bl_error *err)
{
    const bl_trust_metadata *parent = role_metadata(t, delegator);
    const bl_trust_delegation *delegation = find_delegation(parent, role);
    const bl_trust_meta *meta;
    bl_trust_metadata *md = NULL;
    delegated_role *slot;
    char what[BL_TRUST_NAME_MAX + 32], signers[BL_TRUST_NAME_MAX + 48];
    int rc;

    if ((rc = snapshot_ready(t, err)) != BL_OK)
        goto cleanup;
    if (!delegation) {
        rc = bl_error_set(err, BL_ENOTFOUND, "%.128s: not delegated by %.128s", role, delegator);
        goto cleanup;
    }
    if (!(meta = parent_meta(t, role))) {
        rc = bl_error_set(err, BL_ENOTFOUND, "%.128s: snapshot does not list %.128s.json", role, role);
        goto cleanup;
    }
    if ((rc = check_against_parent(meta, role, buf, len, BL_TRUST_TARGETS_MAX, err)) != BL_OK ||
        (rc = bl_trust_parse(buf, len, SIZE_MAX, BL_TRUST_TARGETS, role, &md, err)) != BL_OK)
        goto cleanup;
    snprintf(what, sizeof what, "%s v%llu", role, (unsigned long long)md->version);
    snprintf(signers, sizeof signers, "keys %s v%llu delegates", delegator, (unsigned long long)parent->version);
    if ((rc = bl_trust_verify(md, parent->keys, &delegation->role, what, signers, err)) != BL_OK)
        goto cleanup;
    if (md->version != meta->version) {
        rc = bl_error_set(err, BL_ECORRUPT, "%s: version %llu does not match version %llu in snapshot (mix-and-match)",
                          role, (unsigned long long)md->version, (unsigned long long)meta->version);
        goto cleanup;
    }
    if ((rc = expired(t, md, role, err)) != BL_OK)
        goto cleanup;
    if (!(slot = find_delegated(t, role))) {
        delegated_role *grown = realloc(t->delegated, (t->delegated_count + 1) * sizeof *grown);
        if (!grown) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory");
            goto cleanup;
        }
        t->delegated = grown;
        slot = &t->delegated[t->delegated_count++];
        memset(slot, 0, sizeof *slot);
        snprintf(slot->name, sizeof slot->name, "%s", role);
    }
    bl_trust_metadata_free(slot->md);
    slot->md = md;
    snprintf(slot->delegator, sizeof slot->delegator, "%s", delegator);
    slot->delegator_version = parent->version;
    md = NULL;

cleanup:
    bl_trust_metadata_free(md);
    return rc;
}

int bl_trust_targets(const bl_trust *t, const bl_trust_metadata **out, bl_error *err)
{
    int rc;
    *out = NULL;
    if ((rc = snapshot_ready(t, err)) != BL_OK ||
        (rc = check_current(t, "targets", t->top[BL_TRUST_TARGETS], err)) != BL_OK)
        return rc;
    *out = t->top[BL_TRUST_TARGETS];
    return BL_OK;
}

static const bl_trust_target *find_in(const bl_trust_metadata *md, const char *path)
{
    size_t i;
    for (i = 0; i < md->target_count; i++) {
        if (strcmp(md->targets[i].path, path) == 0)
            return &md->targets[i];
    }
    return NULL;
}

typedef struct {
    const char *role, *delegator;
} visit;

int bl_trust_find_target(const bl_trust *t, const char *path, bl_trust_lookup *out, bl_error *err)
{
    visit stack[BL_TRUST_MAX_VISITS * 4];
    const char *visited[BL_TRUST_MAX_VISITS];
    const bl_trust_metadata *top;
    size_t depth = 0, visits = 0, i;
    int rc;

    memset(out, 0, sizeof *out);
    out->status = BL_TRUST_NOT_FOUND;
    if ((rc = bl_trust_targets(t, &top, err)) != BL_OK)
        return rc;
    stack[depth++] = (visit){"targets", ""};
    while (depth > 0 && visits < BL_TRUST_MAX_VISITS) {
        visit v = stack[--depth];
        const bl_trust_metadata *md = role_metadata(t, v.role);
        const bl_trust_target *found;
        size_t first_child = depth;
        for (i = 0; i < visits && strcmp(visited[i], v.role) != 0; i++)
            ;
        if (i < visits)
            continue; /* 5.6.7.1: each role once, so cycles end */
        if (md != top) {
            const delegated_role *d = find_delegated(t, v.role);
            const bl_trust_metadata *parent = role_metadata(t, v.delegator);
            if (!d || strcmp(d->delegator, v.delegator) != 0 || d->delegator_version != parent->version ||
                check_current(t, v.role, md, NULL) != BL_OK) {
                out->status = BL_TRUST_NEED_ROLE;
                snprintf(out->role, sizeof out->role, "%s", v.role);
                snprintf(out->delegator, sizeof out->delegator, "%s", v.delegator);
                return BL_OK;
            }
        }
        if ((found = find_in(md, path))) {
            out->status = BL_TRUST_FOUND;
            out->target = found;
            snprintf(out->role, sizeof out->role, "%s", v.role);
            return BL_OK;
        }
        visited[visits++] = v.role;
        /* 5.6.7.2: delegations in order; a matching terminating one ends the
         * search after its own subtree. Pushed in reverse so the first pops first. */
        for (i = 0; i < md->delegation_count; i++) {
            const bl_trust_delegation *d = &md->delegations[i];
            if (!bl_trust_delegation_matches(d, path))
                continue;
            if (depth == sizeof stack / sizeof stack[0])
                return bl_error_set(err, BL_ECORRUPT, "%.128s: too many delegations to search", v.role);
            stack[depth++] = (visit){d->name, md == top ? "targets" : v.role};
            if (d->terminating) {
                memmove(stack, stack + first_child, (depth - first_child) * sizeof *stack);
                depth -= first_child;
                first_child = 0;
                break;
            }
        }
        for (i = 0; i < (depth - first_child) / 2; i++) {
            visit swap = stack[first_child + i];
            stack[first_child + i] = stack[depth - 1 - i];
            stack[depth - 1 - i] = swap;
        }
    }
    return BL_OK;
}

int bl_trust_target_file_name(const bl_trust *t, const bl_trust_target *target, char *out, size_t size,
                              bl_error *err)
{
    const char *base = strrchr(target->path, '/');
    char hex[129];
    size_t dir;
    int n;

    if (!bl_trust_target_path_is_safe(target->path))
        return bl_error_set(err, BL_ECORRUPT, "target '%.128s' is not a safe relative path", target->path);
    if (!bl_trust_consistent_snapshot(t)) {
        n = snprintf(out, size, "%s", target->path);
    } else {
        /* 5.7.3: HASH.FILENAME in the target's folder */
        const unsigned char *digest = target->file.has_sha256 ? target->file.sha256 : target->file.sha512;
        size_t digest_len = target->file.has_sha256 ? 32 : 64;
        if (!target->file.has_sha256 && !target->file.has_sha512)
            return bl_error_set(err, BL_EHASH, "%.128s: no sha256 or sha512 hash", target->path);
        for (n = 0; (size_t)n < digest_len; n++)
            snprintf(hex + 2 * n, 3, "%02x", digest[n]);
        base = base ? base + 1 : target->path;
        dir = (size_t)(base - target->path);
        n = snprintf(out, size, "%.*s%s.%s", (int)dir, target->path, hex, base);
    }
    if (n < 0 || (size_t)n >= size)
        return bl_error_set(err, BL_EINVAL, "%.128s: file name too long", target->path);
    return BL_OK;
}
