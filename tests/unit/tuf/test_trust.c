/* SPDX-License-Identifier: Apache-2.0 */
/* The TUF client steps against metadata built and signed here, with keys
 * from fixed seeds. Each check is exercised both ways. */
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>

#include "check.h"
#include "tuf/trust.h"

#define NOW 1748736000 /* 2025-06-01T00:00:00Z */
#define FUTURE "2030-01-01T00:00:00Z"
#define PAST "2025-05-31T23:59:59Z"

/* Key 0: root, 1: timestamp, 2: snapshot, 3: targets, 4-5: more root keys,
 * 6-7: delegated roles, 8: an attacker's. */
#define KEYS 9
static unsigned char pk[KEYS][32], sk[KEYS][64];
static char kid[KEYS][65];

static void make_keys(void)
{
    int i;
    for (i = 0; i < KEYS; i++) {
        unsigned char seed[32];
        memset(seed, i + 1, sizeof seed);
        crypto_sign_seed_keypair(pk[i], sk[i], seed);
        bl_trust_keyid(pk[i], kid[i], NULL);
    }
}

static cJSON *key_json(int i)
{
    char hex[65];
    cJSON *key = cJSON_CreateObject(), *keyval;
    sodium_bin2hex(hex, sizeof hex, pk[i], 32);
    cJSON_AddStringToObject(key, "keytype", "ed25519");
    cJSON_AddStringToObject(key, "scheme", "ed25519");
    keyval = cJSON_AddObjectToObject(key, "keyval");
    cJSON_AddStringToObject(keyval, "public", hex);
    return key;
}

static cJSON *envelope(const char *type, int version, const char *expires, cJSON **signed_part)
{
    cJSON *doc = cJSON_CreateObject();
    *signed_part = cJSON_AddObjectToObject(doc, "signed");
    cJSON_AddStringToObject(*signed_part, "_type", type);
    cJSON_AddStringToObject(*signed_part, "spec_version", "1.0.31");
    cJSON_AddNumberToObject(*signed_part, "version", version);
    cJSON_AddStringToObject(*signed_part, "expires", expires);
    cJSON_AddArrayToObject(doc, "signatures");
    return doc;
}

static void add_role(cJSON *roles, const char *name, int threshold, int k1, int k2)
{
    cJSON *role = cJSON_AddObjectToObject(roles, name), *ids = cJSON_AddArrayToObject(role, "keyids");
    cJSON_AddItemToArray(ids, cJSON_CreateString(kid[k1]));
    if (k2 >= 0)
        cJSON_AddItemToArray(ids, cJSON_CreateString(kid[k2]));
    cJSON_AddNumberToObject(role, "threshold", threshold);
}

/* A root whose root role is keys r1 (and r2 when >= 0) with threshold. */
static cJSON *root_doc(int version, const char *expires, int r1, int r2, int threshold, int timestamp_key)
{
    cJSON *s, *doc = envelope("root", version, expires, &s), *keys, *roles;
    int used[KEYS] = {0}, i;
    cJSON_AddBoolToObject(s, "consistent_snapshot", 0);
    keys = cJSON_AddObjectToObject(s, "keys");
    used[r1] = used[timestamp_key] = used[2] = used[3] = 1;
    if (r2 >= 0)
        used[r2] = 1;
    for (i = 0; i < KEYS; i++) {
        if (used[i])
            cJSON_AddItemToObject(keys, kid[i], key_json(i));
    }
    roles = cJSON_AddObjectToObject(s, "roles");
    add_role(roles, "root", threshold, r1, r2);
    add_role(roles, "timestamp", 1, timestamp_key, -1);
    add_role(roles, "snapshot", 1, 2, -1);
    add_role(roles, "targets", 1, 3, -1);
    return doc;
}

static void add_meta(cJSON *doc, const char *name, int version)
{
    cJSON *s = cJSON_GetObjectItem(doc, "signed"), *meta = cJSON_GetObjectItem(s, "meta");
    if (!meta)
        meta = cJSON_AddObjectToObject(s, "meta");
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(meta, name), "version", version);
}

static cJSON *meta_doc(const char *type, int version, const char *expires, const char *file, int file_version)
{
    cJSON *s, *doc = envelope(type, version, expires, &s);
    add_meta(doc, file, file_version);
    return doc;
}

static void add_target(cJSON *doc, const char *path, const char *content, cJSON *custom)
{
    unsigned char digest[32];
    char hex[65];
    cJSON *s = cJSON_GetObjectItem(doc, "signed"), *targets = cJSON_GetObjectItem(s, "targets"), *t, *hashes;
    if (!targets)
        targets = cJSON_AddObjectToObject(s, "targets");
    crypto_hash_sha256(digest, (const unsigned char *)content, strlen(content));
    sodium_bin2hex(hex, sizeof hex, digest, 32);
    t = cJSON_AddObjectToObject(targets, path);
    cJSON_AddNumberToObject(t, "length", (double)strlen(content));
    hashes = cJSON_AddObjectToObject(t, "hashes");
    cJSON_AddStringToObject(hashes, "sha256", hex);
    if (custom)
        cJSON_AddItemToObject(t, "custom", custom);
}

static cJSON *targets_doc(int version, const char *expires)
{
    cJSON *s, *doc = envelope("targets", version, expires, &s);
    cJSON_AddObjectToObject(s, "targets");
    return doc;
}

/* Signs doc with the keys listed (ending with -1), prints it, frees doc. */
static char *sign_with(cJSON *doc, ...)
{
    va_list ap;
    char *text;
    int k;
    va_start(ap, doc);
    while ((k = va_arg(ap, int)) >= 0)
        bl_trust_sign(doc, kid[k], sk[k], NULL);
    va_end(ap);
    text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return text;
}

/* Each step's result, freeing the text it was given. */
static int new_client(char *root, bl_trust **t, bl_error *err)
{
    int rc = bl_trust_new(root, strlen(root), NOW, t, err);
    free(root);
    return rc;
}

static int step(int (*fn)(bl_trust *, const char *, size_t, bl_error *), bl_trust *t, char *text, bl_error *err)
{
    int rc = fn(t, text, strlen(text), err);
    free(text);
    return rc;
}

static int timestamp_step(bl_trust *t, char *text, bl_error *err)
{
    int unchanged;
    int rc = bl_trust_update_timestamp(t, text, strlen(text), &unchanged, err);
    free(text);
    return rc;
}

static int cached(bl_trust *t, int type, char *text, bl_error *err)
{
    int rc = bl_trust_load_cached(t, type, text, strlen(text), err);
    free(text);
    return rc;
}

static char *good_root(void)
{
    return sign_with(root_doc(1, FUTURE, 0, -1, 1, 1), 0, -1);
}

/* A client that trusts root v1 and timestamp tv (listing snapshot sv). */
static bl_trust *client_at(int tv, int sv)
{
    bl_trust *t = NULL;
    bl_error err;
    if (new_client(good_root(), &t, &err) != BL_OK || bl_trust_finish_root(t, &err) != BL_OK ||
        timestamp_step(t, sign_with(meta_doc("timestamp", tv, FUTURE, "snapshot.json", sv), 1, -1), &err) != BL_OK)
        fprintf(stderr, "  fixture: %s\n", err.msg);
    return t;
}

static cJSON *snapshot_doc(int version, const char *expires, int targets_version)
{
    return meta_doc("snapshot", version, expires, "targets.json", targets_version);
}

static void test_keyid_is_sha256_of_the_canonical_key(void)
{
    unsigned char key[32];
    char id[65];
    int i;
    for (i = 0; i < 32; i++)
        key[i] = (unsigned char)(i + 1);
    CHECK_INT(bl_trust_keyid(key, id, NULL), BL_OK);
    CHECK_STR(id, "8dbd9a4245ccbacb6d40efc9a842516c0fd8286138f49e6281c8637cfb9ef333"); /* Python hashlib */
}

static void test_expiry_parses_strictly_as_utc(void)
{
    int64_t t = 0;
    char text[32];
    CHECK(bl_trust_parse_time("2025-06-01T00:00:00Z", &t));
    CHECK(t == 1748736000);
    CHECK(bl_trust_parse_time("2024-02-29T23:59:59Z", &t));
    CHECK(t == 1709251199);
    CHECK(bl_trust_parse_time("1969-12-31T00:00:00Z", &t));
    CHECK(t == -86400);
    bl_trust_format_time(-86400, text, sizeof text);
    CHECK_STR(text, "1969-12-31T00:00:00Z");
    bl_trust_format_time(1709251199, text, sizeof text);
    CHECK_STR(text, "2024-02-29T23:59:59Z");
    CHECK(!bl_trust_parse_time("2023-02-29T00:00:00Z", &t));
    CHECK(!bl_trust_parse_time("2025-06-01 00:00:00Z", &t));
    CHECK(!bl_trust_parse_time("2025-6-01T00:00:00Z", &t));
    CHECK(!bl_trust_parse_time("2025-06-01T24:00:00Z", &t));
    CHECK(!bl_trust_parse_time("2025-06-01T00:00:00+00:00", &t));
    CHECK(!bl_trust_parse_time("2025-06-01T00:00:00", &t));
}

static void test_accepts_good_metadata_in_spec_order(void)
{
    bl_trust *t = client_at(1, 1);
    const bl_trust_metadata *targets = NULL;
    bl_trust_lookup found;
    bl_error err = {0, ""};
    cJSON *doc = targets_doc(1, FUTURE);
    char name[64];
    uint64_t max = 0;

    add_target(doc, "app-1.0.tar.gz", "archive", NULL);
    CHECK(bl_trust_needs(t, BL_TRUST_SNAPSHOT));
    CHECK_INT(bl_trust_next_file(t, "snapshot", name, sizeof name, &max, &err), BL_OK);
    CHECK_STR(name, "snapshot.json");
    CHECK(max == BL_TRUST_SNAPSHOT_MAX);
    CHECK_INT(step(bl_trust_update_snapshot, t, sign_with(snapshot_doc(1, FUTURE, 1), 2, -1), &err), BL_OK);
    CHECK(!bl_trust_needs(t, BL_TRUST_SNAPSHOT));
    CHECK(bl_trust_needs(t, BL_TRUST_TARGETS));
    CHECK_INT(step(bl_trust_update_targets, t, sign_with(doc, 3, -1), &err), BL_OK);
    CHECK(!bl_trust_needs(t, BL_TRUST_TARGETS));
    CHECK_INT(bl_trust_targets(t, &targets, &err), BL_OK);
    CHECK(targets && targets->target_count == 1 && targets->targets[0].file.length == 7);
    CHECK_INT(bl_trust_find_target(t, "app-1.0.tar.gz", &found, &err), BL_OK);
    CHECK_INT(found.status, BL_TRUST_FOUND);
    CHECK_STR(found.role, "targets");
    CHECK_INT(bl_trust_check_buffer(&found.target->file, "app-1.0.tar.gz", "archive", 7, &err), BL_OK);
    CHECK_INT(bl_trust_check_buffer(&found.target->file, "app-1.0.tar.gz", "archivE", 7, &err), BL_EHASH);
    CHECK_INT(bl_trust_check_buffer(&found.target->file, "app-1.0.tar.gz", "archive!", 8, &err), BL_ELENGTH);
    CHECK_CONTAINS(err.msg, "app-1.0.tar.gz: 8 bytes where trusted metadata says 7");
    CHECK_INT(bl_trust_find_target(t, "app-2.0.tar.gz", &found, &err), BL_OK);
    CHECK_INT(found.status, BL_TRUST_NOT_FOUND);
    bl_trust_free(t);
}

/* tufup accepts any integer in custom metadata (Python reads it exactly):
 * a build time in nanoseconds, past 2^53, is signed over its own digits
 * (test_tuf_roundtrip signs one with Python's integers). */
static void test_accepts_integers_beyond_2_53_in_custom_metadata(void)
{
    bl_trust *t = client_at(1, 1);
    const bl_trust_metadata *targets = NULL;
    bl_error err = {0, ""};
    cJSON *doc = targets_doc(1, FUTURE), *custom = cJSON_CreateObject(), *user = cJSON_CreateObject();
    char *text;

    cJSON_AddItemToObject(user, "built_ns", cJSON_CreateRaw("1733350000123456789"));
    cJSON_AddItemToObject(custom, "user", user);
    add_target(doc, "app-1.0.tar.gz", "archive", custom);
    CHECK_INT(step(bl_trust_update_snapshot, t, sign_with(snapshot_doc(1, FUTURE, 1), 2, -1), &err), BL_OK);
    text = sign_with(doc, 3, -1);
    CHECK(strstr(text, "\"built_ns\":1733350000123456789") != NULL);
    CHECK_INT(step(bl_trust_update_targets, t, text, &err), BL_OK);
    if (err.code)
        fprintf(stderr, "  %s\n", err.msg);
    CHECK_INT(bl_trust_targets(t, &targets, &err), BL_OK);
    CHECK(targets && targets->target_count == 1);
    bl_trust_free(t);
}

static void test_signature_covers_the_canonical_form_not_the_bytes(void)
{
    bl_trust *t = client_at(1, 1);
    bl_error err;
    cJSON *doc = meta_doc("timestamp", 2, FUTURE, "snapshot.json", 1);
    char *pretty;
    bl_trust_sign(doc, kid[1], sk[1], NULL);
    pretty = cJSON_Print(doc); /* indented, as tufup writes its files */
    cJSON_Delete(doc);
    CHECK(strchr(pretty, '\n') != NULL);
    CHECK_INT(timestamp_step(t, pretty, &err), BL_OK);
    bl_trust_free(t);
}

static void test_rejects_tampered_signed_field(void)
{
    bl_trust *t = client_at(1, 1);
    bl_error err;
    cJSON *doc = meta_doc("timestamp", 2, FUTURE, "snapshot.json", 1);
    char *text;
    bl_trust_sign(doc, kid[1], sk[1], NULL);
    cJSON_SetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "signed"), "version"), 3);
    text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    CHECK_INT(timestamp_step(t, text, &err), BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "timestamp v3: 0 of 1 required signatures by timestamp keys of root v1");
    bl_trust_free(t);
}

static void test_rejects_signature_by_wrong_key(void)
{
    bl_trust *t = client_at(1, 1);
    bl_error err;
    cJSON *doc = meta_doc("timestamp", 2, FUTURE, "snapshot.json", 1);
    /* the attacker's signature under the timestamp key's id */
    bl_trust_sign(doc, kid[1], sk[8], NULL);
    CHECK_INT(timestamp_step(t, sign_with(doc, -1), &err), BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "0 of 1 required");
    /* the snapshot key is trusted, but not for timestamps */
    CHECK_INT(timestamp_step(t, sign_with(meta_doc("timestamp", 2, FUTURE, "snapshot.json", 1), 2, 8, -1), &err),
              BL_ESIGNATURE);
    CHECK_INT(bl_trust_get(t, BL_TRUST_TIMESTAMP)->version, 1);
    bl_trust_free(t);
}

static void test_ignores_unknown_key_ids_next_to_a_valid_signature(void)
{
    bl_trust *t = client_at(1, 1);
    bl_error err;
    cJSON *doc = meta_doc("timestamp", 2, FUTURE, "snapshot.json", 1);
    bl_trust_sign(doc, "not-a-known-key", sk[8], NULL);
    CHECK_INT(timestamp_step(t, sign_with(doc, 1, -1), &err), BL_OK);
    bl_trust_free(t);
}

static void test_rejects_root_below_threshold(void)
{
    bl_trust *t = NULL;
    bl_error err;
    CHECK_INT(new_client(sign_with(root_doc(1, FUTURE, 0, 4, 2, 1), 0, 4, -1), &t, &err), BL_OK);
    CHECK_INT(step(bl_trust_update_root, t, sign_with(root_doc(2, FUTURE, 0, 4, 2, 1), 0, -1), &err), BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "root v2: 1 of 2 required signatures by root keys of v1");
    CHECK_INT(step(bl_trust_update_root, t, sign_with(root_doc(2, FUTURE, 0, 4, 2, 1), 0, 4, -1), &err), BL_OK);
    bl_trust_free(t);
    /* The shipped root itself must carry its threshold. */
    CHECK_INT(new_client(sign_with(root_doc(1, FUTURE, 0, 4, 2, 1), 4, -1), &t, &err), BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "trusted root v1: 1 of 2 required signatures by its own root keys");
    CHECK(t == NULL);
}

static void test_counts_one_key_once_under_two_key_ids(void)
{
    bl_trust *t = NULL;
    bl_error err;
    cJSON *doc = root_doc(1, FUTURE, 0, -1, 2, 1), *s = cJSON_GetObjectItem(doc, "signed");
    cJSON *ids = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "roles"), "root"), "keyids");
    cJSON_AddItemToObject(cJSON_GetObjectItem(s, "keys"), "alias", key_json(0));
    cJSON_AddItemToArray(ids, cJSON_CreateString("alias"));
    cJSON_AddItemToArray(ids, cJSON_CreateString(kid[0])); /* listed twice in the role, too */
    bl_trust_sign(doc, "alias", sk[0], NULL);
    CHECK_INT(new_client(sign_with(doc, 0, -1), &t, &err), BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "1 of 2 required");
}

static void test_rejects_key_id_listed_twice_in_signatures(void)
{
    bl_trust *t = client_at(1, 1);
    bl_error err;
    cJSON *doc = meta_doc("timestamp", 2, FUTURE, "snapshot.json", 1), *sigs, *copy;
    bl_trust_sign(doc, kid[1], sk[1], NULL);
    sigs = cJSON_GetObjectItem(doc, "signatures");
    copy = cJSON_Duplicate(cJSON_GetArrayItem(sigs, 0), 1);
    cJSON_AddItemToArray(sigs, copy);
    CHECK_INT(timestamp_step(t, sign_with(doc, -1), &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "signs twice");
    bl_trust_free(t);
}

static void test_signatures_of_unknown_key_types_never_count(void)
{
    bl_trust *t = NULL;
    bl_error err;
    int threshold;
    for (threshold = 1; threshold <= 2; threshold++) {
        cJSON *doc = root_doc(1, FUTURE, 0, -1, threshold, 1), *s = cJSON_GetObjectItem(doc, "signed");
        cJSON *rsa = cJSON_CreateObject(), *sig;
        cJSON_AddStringToObject(rsa, "keytype", "rsa");
        cJSON_AddStringToObject(rsa, "scheme", "rsassa-pss-sha256");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(rsa, "keyval"), "public", "-----BEGIN PUBLIC KEY-----");
        cJSON_AddItemToObject(cJSON_GetObjectItem(s, "keys"), "rsakey", rsa);
        cJSON_AddItemToArray(
            cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "roles"), "root"), "keyids"),
            cJSON_CreateString("rsakey"));
        sig = cJSON_CreateObject();
        cJSON_AddStringToObject(sig, "keyid", "rsakey");
        cJSON_AddStringToObject(sig, "sig", "00ff");
        cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "signatures"), sig);
        CHECK_INT(new_client(sign_with(doc, 0, -1), &t, &err), threshold == 1 ? BL_OK : BL_ESIGNATURE);
        if (threshold == 2)
            CHECK_CONTAINS(err.msg, "1 of 2 required");
        bl_trust_free(t);
        t = NULL;
    }
}

static void test_accepts_root_rotation_signed_by_old_and_new_keys(void)
{
    bl_trust *t = NULL;
    bl_error err;
    CHECK_INT(new_client(good_root(), &t, &err), BL_OK);
    CHECK_INT(step(bl_trust_update_root, t, sign_with(root_doc(2, FUTURE, 4, -1, 1, 1), 0, 4, -1), &err), BL_OK);
    CHECK_INT(bl_trust_root_version(t), 2);
    /* v3 now needs key 4, no longer key 0 */
    CHECK_INT(step(bl_trust_update_root, t, sign_with(root_doc(3, FUTURE, 5, -1, 1, 1), 0, 5, -1), &err),
              BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "root v3: 0 of 1 required signatures by root keys of v2");
    CHECK_INT(step(bl_trust_update_root, t, sign_with(root_doc(3, FUTURE, 5, -1, 1, 1), 4, 5, -1), &err), BL_OK);
    CHECK_INT(bl_trust_finish_root(t, &err), BL_OK);
    bl_trust_free(t);
}

static void test_rejects_root_signed_only_by_old_or_only_by_new_keys(void)
{
    bl_trust *t = NULL;
    bl_error err;
    CHECK_INT(new_client(good_root(), &t, &err), BL_OK);
    CHECK_INT(step(bl_trust_update_root, t, sign_with(root_doc(2, FUTURE, 4, -1, 1, 1), 0, -1), &err),
              BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "root v2: 0 of 1 required signatures by its own root keys");
    CHECK_INT(step(bl_trust_update_root, t, sign_with(root_doc(2, FUTURE, 4, -1, 1, 1), 4, -1), &err),
              BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "root v2: 0 of 1 required signatures by root keys of v1");
    CHECK_INT(bl_trust_root_version(t), 1);
    bl_trust_free(t);
}

static void test_rejects_root_version_skip_and_rollback(void)
{
    bl_trust *t = NULL;
    bl_error err;
    CHECK_INT(new_client(good_root(), &t, &err), BL_OK);
    CHECK_INT(step(bl_trust_update_root, t, sign_with(root_doc(3, FUTURE, 0, -1, 1, 1), 0, -1), &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "2.root.json holds version 3 (versions must not be skipped)");
    CHECK_INT(step(bl_trust_update_root, t, good_root(), &err), BL_EROLLBACK);
    CHECK_CONTAINS(err.msg, "root: version 1 is not newer than trusted version 1 (rollback)");
    CHECK_INT(step(bl_trust_update_root, t, sign_with(meta_doc("timestamp", 2, FUTURE, "snapshot.json", 1), 0, -1),
                   &err),
              BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "is of type 'timestamp', expected 'root'");
    bl_trust_free(t);
}

static void test_root_expiry_counts_only_after_the_update_loop(void)
{
    bl_trust *t = NULL;
    bl_error err;
    CHECK_INT(new_client(sign_with(root_doc(1, PAST, 0, -1, 1, 1), 0, -1), &t, &err), BL_OK);
    CHECK_INT(step(bl_trust_update_root, t, sign_with(root_doc(2, PAST, 0, -1, 1, 1), 0, -1), &err), BL_OK);
    CHECK_INT(bl_trust_finish_root(t, &err), BL_EEXPIRED);
    CHECK_CONTAINS(err.msg, "root v2: expired at 2025-05-31T23:59:59Z");
    CHECK_INT(step(bl_trust_update_root, t, sign_with(root_doc(3, FUTURE, 0, -1, 1, 1), 0, -1), &err), BL_OK);
    CHECK_INT(bl_trust_finish_root(t, &err), BL_OK);
    bl_trust_free(t);
}

static void test_rotated_timestamp_keys_recover_from_fast_forward(void)
{
    bl_trust *t = NULL;
    bl_error err;
    /* The old timestamp key signed version 1000 (fast-forward); the rotation to key 8 undoes it. */
    CHECK_INT(new_client(good_root(), &t, &err), BL_OK);
    CHECK_INT(step(bl_trust_update_root, t, sign_with(root_doc(2, FUTURE, 0, -1, 1, 8), 0, -1), &err), BL_OK);
    CHECK_INT(bl_trust_finish_root(t, &err), BL_OK);
    CHECK_INT(cached(t, BL_TRUST_TIMESTAMP, sign_with(meta_doc("timestamp", 1000, FUTURE, "snapshot.json", 1), 1, -1),
                     &err),
              BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "rotated in root v2");
    CHECK_INT(timestamp_step(t, sign_with(meta_doc("timestamp", 2, FUTURE, "snapshot.json", 1), 8, -1), &err), BL_OK);
    bl_trust_free(t);
}

static void test_rejects_timestamp_rollback(void)
{
    bl_trust *t = NULL;
    bl_error err;
    int unchanged = 0;
    char *text;
    CHECK_INT(new_client(good_root(), &t, &err), BL_OK);
    CHECK_INT(bl_trust_finish_root(t, &err), BL_OK);
    CHECK_INT(cached(t, BL_TRUST_TIMESTAMP, sign_with(meta_doc("timestamp", 5, FUTURE, "snapshot.json", 4), 1, -1),
                     &err),
              BL_OK);
    CHECK_INT(timestamp_step(t, sign_with(meta_doc("timestamp", 3, FUTURE, "snapshot.json", 4), 1, -1), &err),
              BL_EROLLBACK);
    CHECK_CONTAINS(err.msg, "timestamp: version 3 is older than trusted version 5 (rollback)");
    CHECK_INT(timestamp_step(t, sign_with(meta_doc("timestamp", 6, FUTURE, "snapshot.json", 3), 1, -1), &err),
              BL_EROLLBACK);
    CHECK_CONTAINS(err.msg, "timestamp v6: snapshot version 3 is older than 4 in trusted timestamp (rollback)");
    text = sign_with(meta_doc("timestamp", 5, FUTURE, "snapshot.json", 4), 1, -1);
    CHECK_INT(bl_trust_update_timestamp(t, text, strlen(text), &unchanged, &err), BL_OK);
    CHECK_INT(unchanged, 1);
    free(text);
    bl_trust_free(t);
}

static void test_rejects_expired_timestamp(void)
{
    bl_trust *t = NULL;
    bl_error err;
    CHECK_INT(new_client(good_root(), &t, &err), BL_OK);
    CHECK_INT(timestamp_step(t, sign_with(meta_doc("timestamp", 1, FUTURE, "snapshot.json", 1), 1, -1), &err),
              BL_EINVAL); /* before the root update finished */
    CHECK_INT(bl_trust_finish_root(t, &err), BL_OK);
    CHECK_INT(timestamp_step(t, sign_with(meta_doc("timestamp", 1, PAST, "snapshot.json", 1), 1, -1), &err),
              BL_EEXPIRED);
    CHECK_CONTAINS(err.msg, "timestamp v1: expired at 2025-05-31T23:59:59Z");
    CHECK(bl_trust_get(t, BL_TRUST_TIMESTAMP) == NULL);
    /* an expired cached copy with the repository's same version is still expired */
    CHECK_INT(cached(t, BL_TRUST_TIMESTAMP, sign_with(meta_doc("timestamp", 1, PAST, "snapshot.json", 1), 1, -1), &err),
              BL_OK);
    CHECK_INT(timestamp_step(t, sign_with(meta_doc("timestamp", 1, PAST, "snapshot.json", 1), 1, -1), &err),
              BL_EEXPIRED);
    bl_trust_free(t);
}

static void test_rejects_snapshot_not_matching_timestamp_version(void)
{
    bl_trust *t = client_at(1, 2);
    bl_error err;
    CHECK_INT(step(bl_trust_update_snapshot, t, sign_with(snapshot_doc(1, FUTURE, 1), 2, -1), &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "snapshot: version 1 does not match version 2 in timestamp (mix-and-match)");
    CHECK_INT(step(bl_trust_update_snapshot, t, sign_with(snapshot_doc(2, FUTURE, 1), 3, -1), &err), BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "snapshot v2: 0 of 1 required signatures by snapshot keys of root v1");
    bl_trust_free(t);
}

static void test_rejects_snapshot_with_wrong_length_or_hash(void)
{
    bl_trust *t = NULL;
    bl_error err;
    char *snapshot = sign_with(snapshot_doc(1, FUTURE, 1), 2, -1), *other;
    unsigned char digest[32];
    char hex[65];
    cJSON *ts = meta_doc("timestamp", 1, FUTURE, "snapshot.json", 1), *entry;

    crypto_hash_sha256(digest, (unsigned char *)snapshot, strlen(snapshot));
    sodium_bin2hex(hex, sizeof hex, digest, 32);
    entry = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(ts, "signed"), "meta"), "snapshot.json");
    cJSON_AddNumberToObject(entry, "length", (double)strlen(snapshot));
    cJSON_AddStringToObject(cJSON_AddObjectToObject(entry, "hashes"), "sha256", hex);
    CHECK_INT(new_client(good_root(), &t, &err), BL_OK);
    CHECK_INT(bl_trust_finish_root(t, &err), BL_OK);
    CHECK_INT(timestamp_step(t, sign_with(ts, 1, -1), &err), BL_OK);

    other = sign_with(snapshot_doc(1, "2031-01-01T00:00:00Z", 1), 2, -1); /* same length, other bytes */
    CHECK_INT(step(bl_trust_update_snapshot, t, other, &err), BL_EHASH);
    CHECK_CONTAINS(err.msg, "snapshot: sha256 does not match trusted metadata");
    other = sign_with(snapshot_doc(1, FUTURE, 10), 2, -1);
    CHECK_INT(step(bl_trust_update_snapshot, t, other, &err), BL_ELENGTH);
    CHECK_INT(step(bl_trust_update_snapshot, t, snapshot, &err), BL_OK);
    bl_trust_free(t);
}

static void test_rejects_snapshot_rollback_of_a_targets_file(void)
{
    bl_trust *t = client_at(3, 3);
    bl_error err;
    cJSON *doc;
    CHECK_INT(cached(t, BL_TRUST_SNAPSHOT, sign_with(snapshot_doc(2, FUTURE, 5), 2, -1), &err), BL_OK);
    CHECK(bl_trust_needs(t, BL_TRUST_SNAPSHOT)); /* the timestamp lists v3 */
    CHECK_INT(step(bl_trust_update_snapshot, t, sign_with(snapshot_doc(3, FUTURE, 4), 2, -1), &err), BL_EROLLBACK);
    CHECK_CONTAINS(err.msg, "snapshot v3: targets.json version 4 is older than 5 in trusted snapshot (rollback)");
    doc = meta_doc("snapshot", 3, FUTURE, "other.json", 1);
    CHECK_INT(step(bl_trust_update_snapshot, t, sign_with(doc, 2, -1), &err), BL_EROLLBACK);
    CHECK_CONTAINS(err.msg, "snapshot v3: targets.json, listed in trusted v2, is missing (rollback)");
    CHECK_INT(step(bl_trust_update_snapshot, t, sign_with(snapshot_doc(3, FUTURE, 5), 2, -1), &err), BL_OK);
    bl_trust_free(t);
}

static void test_rejects_expired_snapshot_and_targets(void)
{
    bl_trust *t = client_at(1, 1);
    bl_error err;
    CHECK_INT(step(bl_trust_update_snapshot, t, sign_with(snapshot_doc(1, PAST, 1), 2, -1), &err), BL_EEXPIRED);
    CHECK_CONTAINS(err.msg, "snapshot v1: expired at 2025-05-31T23:59:59Z");
    CHECK_INT(step(bl_trust_update_targets, t, sign_with(targets_doc(1, FUTURE), 3, -1), &err), BL_ENOTFOUND);
    CHECK_INT(step(bl_trust_update_snapshot, t, sign_with(snapshot_doc(1, FUTURE, 1), 2, -1), &err), BL_OK);
    CHECK_INT(step(bl_trust_update_targets, t, sign_with(targets_doc(1, PAST), 3, -1), &err), BL_EEXPIRED);
    CHECK_CONTAINS(err.msg, "targets v1: expired at");
    bl_trust_free(t);
}

static void test_rejects_targets_not_matching_snapshot(void)
{
    bl_trust *t = client_at(1, 1);
    bl_error err;
    CHECK_INT(step(bl_trust_update_snapshot, t, sign_with(snapshot_doc(1, FUTURE, 2), 2, -1), &err), BL_OK);
    CHECK_INT(step(bl_trust_update_targets, t, sign_with(targets_doc(1, FUTURE), 3, -1), &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "targets: version 1 does not match version 2 in snapshot (mix-and-match)");
    CHECK_INT(step(bl_trust_update_targets, t, sign_with(targets_doc(2, FUTURE), 2, -1), &err), BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "targets v2: 0 of 1 required signatures by targets keys of root v1");
    CHECK_INT(step(bl_trust_update_targets, t, sign_with(targets_doc(2, FUTURE), 3, -1), &err), BL_OK);
    bl_trust_free(t);
}

static void test_cached_metadata_is_reused_only_while_current(void)
{
    bl_trust *t = client_at(1, 1);
    bl_error err;
    CHECK_INT(cached(t, BL_TRUST_SNAPSHOT, sign_with(snapshot_doc(1, FUTURE, 1), 2, -1), &err), BL_OK);
    CHECK_INT(cached(t, BL_TRUST_TARGETS, sign_with(targets_doc(1, FUTURE), 3, -1), &err), BL_OK);
    CHECK(!bl_trust_needs(t, BL_TRUST_SNAPSHOT));
    CHECK(!bl_trust_needs(t, BL_TRUST_TARGETS));
    CHECK_INT(timestamp_step(t, sign_with(meta_doc("timestamp", 2, FUTURE, "snapshot.json", 2), 1, -1), &err), BL_OK);
    CHECK(bl_trust_needs(t, BL_TRUST_SNAPSHOT));
    CHECK_INT(step(bl_trust_update_snapshot, t, sign_with(snapshot_doc(2, FUTURE, 2), 2, -1), &err), BL_OK);
    CHECK(bl_trust_needs(t, BL_TRUST_TARGETS));
    {
        const bl_trust_metadata *targets;
        CHECK_INT(bl_trust_targets(t, &targets, &err), BL_ECORRUPT);
        CHECK_CONTAINS(err.msg, "targets: version 1 does not match version 2 in snapshot");
    }
    /* a cached copy must carry the keys' signatures */
    bl_trust_free(t);
    t = client_at(1, 1);
    CHECK_INT(cached(t, BL_TRUST_SNAPSHOT, sign_with(snapshot_doc(1, FUTURE, 1), 8, -1), &err), BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "cached snapshot v1: 0 of 1");
    bl_trust_free(t);
}

/* targets delegates "a" then "b" (keys 6 and 7) for paths. */
static cJSON *delegating_targets(int a_terminating, const char *b_pattern)
{
    cJSON *doc = targets_doc(1, FUTURE), *s = cJSON_GetObjectItem(doc, "signed");
    cJSON *delegations = cJSON_AddObjectToObject(s, "delegations"), *keys, *roles;
    int i;
    keys = cJSON_AddObjectToObject(delegations, "keys");
    cJSON_AddItemToObject(keys, kid[6], key_json(6));
    cJSON_AddItemToObject(keys, kid[7], key_json(7));
    roles = cJSON_AddArrayToObject(delegations, "roles");
    for (i = 0; i < 2; i++) {
        cJSON *role = cJSON_CreateObject(), *paths;
        cJSON_AddStringToObject(role, "name", i == 0 ? "a" : "b");
        cJSON_AddItemToArray(cJSON_AddArrayToObject(role, "keyids"), cJSON_CreateString(kid[6 + i]));
        cJSON_AddNumberToObject(role, "threshold", 1);
        cJSON_AddBoolToObject(role, "terminating", i == 0 && a_terminating);
        paths = cJSON_AddArrayToObject(role, "paths");
        cJSON_AddItemToArray(paths, cJSON_CreateString(i == 0 ? "apps/*" : b_pattern));
        cJSON_AddItemToArray(roles, role);
    }
    return doc;
}

static bl_trust *delegating_client(int a_terminating, const char *b_pattern)
{
    bl_trust *t = client_at(1, 1);
    bl_error err;
    cJSON *snapshot = snapshot_doc(1, FUTURE, 1);
    add_meta(snapshot, "a.json", 1);
    add_meta(snapshot, "b.json", 1);
    if (step(bl_trust_update_snapshot, t, sign_with(snapshot, 2, -1), &err) != BL_OK ||
        step(bl_trust_update_targets, t, sign_with(delegating_targets(a_terminating, b_pattern), 3, -1), &err) != BL_OK)
        fprintf(stderr, "  fixture: %s\n", err.msg);
    return t;
}

static int load_role(bl_trust *t, const char *delegator, const char *role, int key, const char *path)
{
    bl_error err;
    cJSON *doc = targets_doc(1, FUTURE);
    char *text;
    int rc;
    add_target(doc, path, role, NULL);
    text = sign_with(doc, key, -1);
    rc = bl_trust_update_delegated(t, delegator, role, text, strlen(text), &err);
    free(text);
    return rc;
}

static void test_finds_targets_through_delegations_in_order(void)
{
    bl_trust *t = delegating_client(0, "*/*");
    bl_trust_lookup found;
    bl_error err;

    CHECK_INT(bl_trust_find_target(t, "apps/y.tgz", &found, &err), BL_OK);
    CHECK_INT(found.status, BL_TRUST_NEED_ROLE);
    CHECK_STR(found.role, "a");
    CHECK_STR(found.delegator, "targets");
    CHECK_INT(load_role(t, "targets", "a", 6, "apps/x.tgz"), BL_OK);
    CHECK_INT(bl_trust_find_target(t, "apps/x.tgz", &found, &err), BL_OK);
    CHECK_INT(found.status, BL_TRUST_FOUND);
    CHECK_STR(found.role, "a");
    CHECK_INT(bl_trust_find_target(t, "apps/y.tgz", &found, &err), BL_OK);
    CHECK_INT(found.status, BL_TRUST_NEED_ROLE); /* a does not list it: on to b */
    CHECK_STR(found.role, "b");
    CHECK_INT(load_role(t, "targets", "b", 6, "apps/y.tgz"), BL_ESIGNATURE); /* b's key is 7 */
    CHECK_INT(load_role(t, "targets", "b", 7, "apps/y.tgz"), BL_OK);
    CHECK_INT(bl_trust_find_target(t, "apps/y.tgz", &found, &err), BL_OK);
    CHECK_INT(found.status, BL_TRUST_FOUND);
    CHECK_STR(found.role, "b");
    CHECK_STR(found.target->path, "apps/y.tgz");
    CHECK_INT(bl_trust_find_target(t, "other/y.tgz", &found, &err), BL_OK);
    CHECK_INT(found.status, BL_TRUST_NOT_FOUND); /* b is trusted for any dir, but lists no such target */
    CHECK_INT(bl_trust_find_target(t, "y.tgz", &found, &err), BL_OK);
    CHECK_INT(found.status, BL_TRUST_NOT_FOUND); /* no delegation matches: neither is asked */
    bl_trust_free(t);
}

static void test_terminating_delegation_ends_the_search(void)
{
    bl_trust *t = delegating_client(1, "apps/*");
    bl_trust_lookup found;
    bl_error err;
    CHECK_INT(load_role(t, "targets", "a", 6, "apps/x.tgz"), BL_OK);
    CHECK_INT(load_role(t, "targets", "b", 7, "apps/y.tgz"), BL_OK);
    CHECK_INT(bl_trust_find_target(t, "apps/y.tgz", &found, &err), BL_OK);
    CHECK_INT(found.status, BL_TRUST_NOT_FOUND);
    bl_trust_free(t);
    t = delegating_client(0, "apps/*");
    CHECK_INT(load_role(t, "targets", "a", 6, "apps/x.tgz"), BL_OK);
    CHECK_INT(load_role(t, "targets", "b", 7, "apps/y.tgz"), BL_OK);
    CHECK_INT(bl_trust_find_target(t, "apps/y.tgz", &found, &err), BL_OK);
    CHECK_INT(found.status, BL_TRUST_FOUND);
    bl_trust_free(t);
}

static void test_rejects_delegated_role_not_in_snapshot_or_not_delegated(void)
{
    bl_trust *t = delegating_client(0, "*");
    bl_error err;
    char text[] = "{}";
    CHECK_INT(bl_trust_update_delegated(t, "targets", "c", text, 2, &err), BL_ENOTFOUND);
    CHECK_CONTAINS(err.msg, "c: not delegated by targets");
    CHECK_INT(bl_trust_update_delegated(t, "a", "b", text, 2, &err), BL_ENOTFOUND);
    bl_trust_free(t);
}

static void test_delegation_path_patterns(void)
{
    bl_trust_delegation d;
    char *paths[3] = {"targets/*.tgz", "foo-version-?.tgz", "[ab]*/x[!0-9]"};
    char *prefixes[1] = {"e5f7"}; /* sha256("apps/x.tgz") starts so */
    memset(&d, 0, sizeof d);
    d.paths = paths;
    d.path_count = 3;
    CHECK(bl_trust_delegation_matches(&d, "targets/foo.tgz"));
    CHECK(!bl_trust_delegation_matches(&d, "targets/foo.txt"));
    CHECK(!bl_trust_delegation_matches(&d, "targets/sub/foo.tgz")); /* '*' does not cross '/' */
    CHECK(bl_trust_delegation_matches(&d, "foo-version-2.tgz"));
    CHECK(!bl_trust_delegation_matches(&d, "foo-version-alpha.tgz"));
    CHECK(bl_trust_delegation_matches(&d, "beta/xy"));
    CHECK(!bl_trust_delegation_matches(&d, "beta/x1"));
    CHECK(!bl_trust_delegation_matches(&d, "cat/xy"));
    d.path_count = 0;
    d.hash_prefixes = prefixes;
    d.hash_prefix_count = 1;
    CHECK(bl_trust_delegation_matches(&d, "apps/x.tgz"));
    CHECK(!bl_trust_delegation_matches(&d, "apps/y.tgz"));
}

static int parse_fails(int type, const char *text, const char *why)
{
    bl_trust_metadata *md = NULL;
    bl_error err = {0, ""};
    int rc = bl_trust_parse(text, strlen(text), 1 << 20, type, "test", &md, &err);
    bl_trust_metadata_free(md);
    if (rc == BL_OK || !strstr(err.msg, why)) {
        fprintf(stderr, "  type %d: rc %d \"%s\", expected \"%s\"\n", type, rc, err.msg, why);
        return 0;
    }
    return 1;
}

static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    char *out = malloc(strlen(text) + strlen(to) + 1);
    if (!at) {
        strcpy(out, text);
        return out;
    }
    sprintf(out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return out;
}

static void test_rejects_malformed_metadata_of_each_role(void)
{
    char *good[4];
    int type;
    good[BL_TRUST_ROOT] = good_root();
    good[BL_TRUST_TIMESTAMP] = sign_with(meta_doc("timestamp", 1, FUTURE, "snapshot.json", 1), 1, -1);
    good[BL_TRUST_SNAPSHOT] = sign_with(snapshot_doc(1, FUTURE, 1), 2, -1);
    good[BL_TRUST_TARGETS] = sign_with(targets_doc(1, FUTURE), 3, -1);
    for (type = 0; type < 4; type++) {
        static const struct {
            const char *from, *to, *why;
        } cases[] = {
            {"\"version\":1,", "\"version\":1,\"version\":2,", "duplicate key \"version\""},
            {"\"version\":1,", "\"version\":1.5,", "non-integer number"},
            {"\"version\":1,", "\"version\":1.0,", "non-integer number"},
            {"\"version\":1,", "\"version\":18446744073709551616,", "'version' is an integer beyond 2^53"},
            {"\"version\":1,", "", "'version' must be an integer >= 1"},
            {"\"version\":1,", "\"version\":\"1\",", "'version' must be an integer >= 1"},
            {"\"version\":1,", "\"version\":0,", "'version' must be an integer >= 1"},
            {"\"expires\":\"", "\"expires\":\"x", "'expires' must look like"},
            {"\"spec_version\":\"1.0.31\"", "\"spec_version\":\"2.0.0\"", "spec_version '2.0.0' is not 1.x.y"},
            {"\"signed\":{", "\"signed\":{\"x\":\"\\u0000\",", "\\u0000"},
            {"\"signatures\":[", "\"signatures\":{\"a\":[", "JSON"},
        };
        size_t i;
        bl_trust_metadata *md = NULL;
        CHECK_INT(bl_trust_parse(good[type], strlen(good[type]), 1 << 20, type, "test", &md, NULL), BL_OK);
        bl_trust_metadata_free(md);
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            char *bad = replace(good[type], cases[i].from, cases[i].to);
            CHECK(strcmp(bad, good[type]) != 0);
            CHECK(parse_fails(type, bad, cases[i].why));
            free(bad);
        }
        CHECK(parse_fails((type + 1) % 4, good[type], "expected"));
    }
    /* per role: a missing or mistyped field */
    CHECK(parse_fails(BL_TRUST_ROOT, "{\"signed\":{\"_type\":\"root\",\"spec_version\":\"1.0\",\"version\":1,"
                                     "\"expires\":\"2030-01-01T00:00:00Z\",\"keys\":{},\"roles\":{}},\"signatures\":[]}",
                      "'roles' lacks root"));
    CHECK(parse_fails(BL_TRUST_TIMESTAMP, "{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\",\"version\":1,"
                                          "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}},\"signatures\":[]}",
                      "lacks snapshot.json"));
    CHECK(parse_fails(BL_TRUST_SNAPSHOT, "{\"signed\":{\"_type\":\"snapshot\",\"spec_version\":\"1.0\",\"version\":1,"
                                         "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":[]},\"signatures\":[]}",
                      "'meta' must be an object"));
    CHECK(parse_fails(BL_TRUST_TARGETS, "{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
                                        "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{\"a\":{\"length\":1}}},"
                                        "\"signatures\":[]}",
                      "a: 'hashes' must be a non-empty object"));
    for (type = 0; type < 4; type++)
        free(good[type]);
}

static void test_reads_tufup_custom_fields(void)
{
    bl_trust_target target;
    bl_trust_tufup info;
    bl_error err;
    memset(&target, 0, sizeof target);
    target.path = "app-1.1.patch";
    target.custom = cJSON_Parse("{\"user\":{\"notes\":\"x\"},\"tufup\":{\"tar_size\":4294967296,\"tar_hash\":"
                                "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
                                "\"tar_hash_algorithm\":\"sha256\"}}");
    CHECK_INT(bl_trust_tufup_info(&target, &info, &err), BL_OK);
    CHECK(info.is_patch && info.tar_size == 4294967296ULL && info.tar_sha256[31] == 0xff && info.user &&
          info.has_tar_sha256);
    cJSON_Delete(target.custom);
    target.custom = cJSON_Parse("{\"tar_size\":10,\"tar_hash\":\"zz\"}"); /* flat, old style */
    CHECK_INT(bl_trust_tufup_info(&target, &info, &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "tar_hash");
    cJSON_Delete(target.custom);
    target.path = "app-1.1.tar.gz";
    target.custom = cJSON_Parse("{\"user\":null,\"tufup\":{\"required\":true}}");
    CHECK_INT(bl_trust_tufup_info(&target, &info, &err), BL_OK);
    CHECK(!info.is_patch && info.required && !info.has_tar_sha256);
    cJSON_Delete(target.custom);
    /* bomiot-release states an archive's tar digest too (issue 21, item 7) */
    target.custom = cJSON_Parse("{\"tufup\":{\"required\":false,\"tar_size\":20480,\"tar_hash\":"
                                "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
                                "\"tar_hash_algorithm\":\"sha256\"}}");
    CHECK_INT(bl_trust_tufup_info(&target, &info, &err), BL_OK);
    CHECK(info.has_tar_sha256 && info.tar_size == 20480 && info.tar_sha256[0] == 0x00 && info.tar_sha256[31] == 0xff);
    cJSON_Delete(target.custom);
    /* one it cannot check is as if none: an archive needs no digest */
    target.custom = cJSON_Parse("{\"tufup\":{\"tar_size\":20480,\"tar_hash\":\"abc\"}}");
    CHECK_INT(bl_trust_tufup_info(&target, &info, &err), BL_OK);
    CHECK(!info.has_tar_sha256 && info.tar_size == 20480);
    cJSON_Delete(target.custom);
    target.custom = cJSON_Parse("{\"tufup\":{\"tar_size\":20480,\"tar_hash_algorithm\":\"md5\",\"tar_hash\":"
                                "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}}");
    CHECK_INT(bl_trust_tufup_info(&target, &info, &err), BL_OK);
    CHECK(!info.has_tar_sha256);
    cJSON_Delete(target.custom);
    target.custom = NULL;
    CHECK_INT(bl_trust_tufup_info(&target, &info, &err), BL_OK);
    CHECK(!info.required);
}

/* What the custom dict of an archive says, read as tufup 0.10's client
 * reads it: nested only when its keys are exactly "user" and "tufup"
 * (or "tufup" alone, bomiot-release's earlier shape), else flat. */
static int archive_reads(const char *custom, int *required, double *rollout)
{
    bl_trust_target target;
    bl_trust_tufup info;
    bl_error err;
    const cJSON *r;
    int rc;
    memset(&target, 0, sizeof target);
    target.path = "app-1.1.tar.gz";
    target.custom = cJSON_Parse(custom);
    rc = bl_trust_tufup_info(&target, &info, &err);
    *required = info.required;
    r = cJSON_GetObjectItemCaseSensitive(info.user, "rollout");
    *rollout = cJSON_IsNumber(r) ? r->valuedouble : -1;
    cJSON_Delete(target.custom);
    return rc;
}

static void test_reads_custom_by_tufups_rule(void)
{
    int required;
    double rollout;
    /* what tufup writes, and bomiot-release with it */
    CHECK_INT(archive_reads("{\"user\":{\"rollout\":5},\"tufup\":{\"required\":true}}", &required, &rollout),
              BL_OK);
    CHECK(required && rollout == 5);
    CHECK_INT(archive_reads("{\"user\":null,\"tufup\":{\"required\":true}}", &required, &rollout), BL_OK);
    CHECK(required && rollout == -1);
    /* bomiot-release's earlier shape: tufup alone */
    CHECK_INT(archive_reads("{\"tufup\":{\"required\":true}}", &required, &rollout), BL_OK);
    CHECK(required);
    /* any other keys: one flat dict, user data and tufup's fields together */
    CHECK_INT(archive_reads("{\"user\":\"alice\",\"required\":true,\"rollout\":10}", &required, &rollout),
              BL_OK);
    CHECK(required && rollout == 10);
    CHECK_INT(archive_reads("{\"user\":{\"rollout\":5},\"tufup\":{\"required\":true},\"notes\":1}", &required,
                            &rollout),
              BL_OK);
    CHECK(!required && rollout == -1);
    CHECK_INT(archive_reads("{\"user\":{},\"tufup\":[]}", &required, &rollout), BL_ECORRUPT);
}

/* A .zpatch (the zstd format, issue 25) carries a .patch's custom metadata:
 * the tar it makes, checked the same way, and nothing means "no digest". */
static void test_reads_a_zpatch_as_a_patch(void)
{
    bl_trust_target target;
    bl_trust_tufup info;
    bl_error err;
    memset(&target, 0, sizeof target);
    target.path = "app-1.1.zpatch";
    target.custom = cJSON_Parse("{\"user\":null,\"tufup\":{\"tar_size\":20480,\"tar_hash\":"
                                "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
                                "\"tar_hash_algorithm\":\"sha256\"}}");
    CHECK_INT(bl_trust_tufup_info(&target, &info, &err), BL_OK);
    CHECK(info.is_patch && info.tar_size == 20480 && info.has_tar_sha256 && info.tar_sha256[0] == 0x00 &&
          info.tar_sha256[31] == 0xff);
    cJSON_Delete(target.custom);
    target.custom = NULL;
    CHECK_INT(bl_trust_tufup_info(&target, &info, &err), BL_ENOTFOUND);
    CHECK_CONTAINS(err.msg, "app-1.1.zpatch: no tar size and hash");
}

/* tufup 0.5 and older wrote no custom metadata: such a patch is told apart
 * from a malformed one (BL_ENOTFOUND, not BL_ECORRUPT), its path said once. */
static void test_tells_patches_of_old_tufup_from_malformed_ones(void)
{
    bl_trust_target target;
    bl_trust_tufup info;
    bl_error err;
    memset(&target, 0, sizeof target);
    target.path = "app-1.1.patch";
    CHECK_INT(bl_trust_tufup_info(&target, &info, &err), BL_ENOTFOUND);
    CHECK_STR(err.msg, "app-1.1.patch: no tar size and hash in custom metadata (tufup 0.5 or older)");
    target.custom = cJSON_Parse("{\"user\":{\"notes\":\"x\"}}");
    CHECK_INT(bl_trust_tufup_info(&target, &info, &err), BL_ENOTFOUND);
    cJSON_Delete(target.custom);
    target.custom = cJSON_Parse("{\"tufup\":{\"tar_size\":10}}");
    CHECK_INT(bl_trust_tufup_info(&target, &info, &err), BL_ECORRUPT);
    CHECK_STR(err.msg, "app-1.1.patch: patch lacks a sha256 hex custom tar_hash");
    cJSON_Delete(target.custom);
}

static void test_target_paths_must_be_safe_file_names(void)
{
    CHECK(bl_trust_target_path_is_safe("app-1.0.tar.gz"));
    CHECK(bl_trust_target_path_is_safe("dir/app-1.0.tar.gz"));
    CHECK(!bl_trust_target_path_is_safe(""));
    CHECK(!bl_trust_target_path_is_safe("../app.tar.gz"));
    CHECK(!bl_trust_target_path_is_safe("dir/../../app"));
    CHECK(!bl_trust_target_path_is_safe("/etc/passwd"));
    CHECK(!bl_trust_target_path_is_safe("dir//app"));
    CHECK(!bl_trust_target_path_is_safe("dir/"));
    CHECK(!bl_trust_target_path_is_safe("./app"));
    CHECK(!bl_trust_target_path_is_safe("dir\\app"));
    CHECK(!bl_trust_target_path_is_safe("C:app"));
    CHECK(!bl_trust_target_path_is_safe("a\nb"));
}

static void test_consistent_snapshots_name_files_by_version_and_hash(void)
{
    bl_trust *t = NULL;
    bl_error err;
    cJSON *root = root_doc(1, FUTURE, 0, -1, 1, 1);
    cJSON *doc = targets_doc(7, FUTURE);
    const bl_trust_metadata *targets;
    char name[256];
    uint64_t max;
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(root, "signed"), "consistent_snapshot", cJSON_CreateTrue());
    CHECK_INT(new_client(sign_with(root, 0, -1), &t, &err), BL_OK);
    CHECK_INT(bl_trust_finish_root(t, &err), BL_OK);
    CHECK_INT(timestamp_step(t, sign_with(meta_doc("timestamp", 1, FUTURE, "snapshot.json", 4), 1, -1), &err), BL_OK);
    CHECK_INT(bl_trust_next_file(t, "snapshot", name, sizeof name, &max, &err), BL_OK);
    CHECK_STR(name, "4.snapshot.json");
    CHECK_INT(step(bl_trust_update_snapshot, t, sign_with(snapshot_doc(4, FUTURE, 7), 2, -1), &err), BL_OK);
    CHECK_INT(bl_trust_next_file(t, "targets", name, sizeof name, &max, &err), BL_OK);
    CHECK_STR(name, "7.targets.json");
    CHECK(max == BL_TRUST_TARGETS_MAX);
    add_target(doc, "dir/app.tgz", "abc", NULL);
    CHECK_INT(step(bl_trust_update_targets, t, sign_with(doc, 3, -1), &err), BL_OK);
    CHECK_INT(bl_trust_targets(t, &targets, &err), BL_OK);
    CHECK_INT(bl_trust_target_file_name(t, &targets->targets[0], name, sizeof name, &err), BL_OK);
    CHECK_STR(name, "dir/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.app.tgz");
    bl_trust_free(t);
}

int main(void)
{
    if (bl_trust_init(NULL) != BL_OK)
        return 1;
    make_keys();
    RUN(test_keyid_is_sha256_of_the_canonical_key);
    RUN(test_expiry_parses_strictly_as_utc);
    RUN(test_accepts_good_metadata_in_spec_order);
    RUN(test_signature_covers_the_canonical_form_not_the_bytes);
    RUN(test_accepts_integers_beyond_2_53_in_custom_metadata);
    RUN(test_rejects_tampered_signed_field);
    RUN(test_rejects_signature_by_wrong_key);
    RUN(test_ignores_unknown_key_ids_next_to_a_valid_signature);
    RUN(test_rejects_root_below_threshold);
    RUN(test_counts_one_key_once_under_two_key_ids);
    RUN(test_rejects_key_id_listed_twice_in_signatures);
    RUN(test_signatures_of_unknown_key_types_never_count);
    RUN(test_accepts_root_rotation_signed_by_old_and_new_keys);
    RUN(test_rejects_root_signed_only_by_old_or_only_by_new_keys);
    RUN(test_rejects_root_version_skip_and_rollback);
    RUN(test_root_expiry_counts_only_after_the_update_loop);
    RUN(test_rotated_timestamp_keys_recover_from_fast_forward);
    RUN(test_rejects_timestamp_rollback);
    RUN(test_rejects_expired_timestamp);
    RUN(test_rejects_snapshot_not_matching_timestamp_version);
    RUN(test_rejects_snapshot_with_wrong_length_or_hash);
    RUN(test_rejects_snapshot_rollback_of_a_targets_file);
    RUN(test_rejects_expired_snapshot_and_targets);
    RUN(test_rejects_targets_not_matching_snapshot);
    RUN(test_cached_metadata_is_reused_only_while_current);
    RUN(test_finds_targets_through_delegations_in_order);
    RUN(test_terminating_delegation_ends_the_search);
    RUN(test_rejects_delegated_role_not_in_snapshot_or_not_delegated);
    RUN(test_delegation_path_patterns);
    RUN(test_rejects_malformed_metadata_of_each_role);
    RUN(test_reads_tufup_custom_fields);
    RUN(test_reads_custom_by_tufups_rule);
    RUN(test_tells_patches_of_old_tufup_from_malformed_ones);
    RUN(test_reads_a_zpatch_as_a_patch);
    RUN(test_target_paths_must_be_safe_file_names);
    RUN(test_consistent_snapshots_name_files_by_version_and_hash);
    return CHECK_DONE();
}
