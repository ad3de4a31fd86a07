/* SPDX-License-Identifier: Apache-2.0 */
/* Counting signatures against a role's threshold (the schemes themselves are
 * signature.c's), the publisher's ed25519 signing, and the checks on what
 * signed metadata points at: file hashes, target names, delegation paths and
 * tufup's custom fields. */
#include "trust.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canonjson.h"

int bl_trust_init(bl_error *err)
{
    if (sodium_init() < 0) /* 1 when already initialised */
        return bl_error_set(err, BL_EUNSUPPORTED, "libsodium could not be initialised");
    return BL_OK;
}

int bl_trust_keyid(const unsigned char public_key[BL_TRUST_PUBLIC_KEY_BYTES], char *out, bl_error *err)
{
    char hex[2 * BL_TRUST_PUBLIC_KEY_BYTES + 1], json[160];
    unsigned char digest[crypto_hash_sha256_BYTES];
    int rc;
    if ((rc = bl_trust_init(err)) != BL_OK)
        return rc;
    sodium_bin2hex(hex, sizeof hex, public_key, BL_TRUST_PUBLIC_KEY_BYTES);
    /* Already canonical: keys sorted, nothing to escape. */
    snprintf(json, sizeof json, "{\"keytype\":\"ed25519\",\"keyval\":{\"public\":\"%s\"},\"scheme\":\"ed25519\"}",
             hex);
    crypto_hash_sha256(digest, (const unsigned char *)json, strlen(json));
    sodium_bin2hex(out, 2 * crypto_hash_sha256_BYTES + 1, digest, sizeof digest);
    return BL_OK;
}

int bl_trust_sign(cJSON *document, const char *keyid, const unsigned char secret_key[BL_TRUST_SECRET_KEY_BYTES],
                  bl_error *err)
{
    unsigned char sig[crypto_sign_BYTES];
    char hex[2 * crypto_sign_BYTES + 1], *canonical = NULL;
    size_t len;
    int rc;

    if ((rc = bl_trust_init(err)) != BL_OK)
        return rc;
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(document, "signed")))
        return bl_error_set(err, BL_EINVAL, "sign: no 'signed' object");
    if ((rc = bl_canonjson_encode(cJSON_GetObjectItemCaseSensitive(document, "signed"), &canonical, &len, err)) !=
        BL_OK)
        return rc;
    rc = crypto_sign_detached(sig, NULL, (const unsigned char *)canonical, len, secret_key);
    free(canonical);
    if (rc != 0)
        return bl_error_set(err, BL_EINVAL, "sign: signing failed");
    sodium_bin2hex(hex, sizeof hex, sig, sizeof sig);
    return bl_trust_add_signature(document, keyid, hex, err);
}

int bl_trust_add_signature(cJSON *document, const char *keyid, const char *sig_hex, bl_error *err)
{
    cJSON *signatures, *entry, *next;

    signatures = cJSON_GetObjectItemCaseSensitive(document, "signatures");
    if (!signatures && !(signatures = cJSON_AddArrayToObject(document, "signatures")))
        return bl_error_set(err, BL_ENOMEM, "sign: out of memory");
    if (!cJSON_IsArray(signatures))
        return bl_error_set(err, BL_EINVAL, "sign: 'signatures' is not a list");
    for (entry = signatures->child; entry; entry = next) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(entry, "keyid");
        next = entry->next;
        if (cJSON_IsString(id) && strcmp(id->valuestring, keyid) == 0)
            cJSON_Delete(cJSON_DetachItemViaPointer(signatures, entry));
    }
    if (!(entry = cJSON_CreateObject()) || !cJSON_AddItemToArray(signatures, entry) ||
        !cJSON_AddStringToObject(entry, "keyid", keyid) || !cJSON_AddStringToObject(entry, "sig", sig_hex))
        return bl_error_set(err, BL_ENOMEM, "sign: out of memory");
    return BL_OK;
}

static int role_has(const bl_trust_role *role, int index)
{
    int i;
    for (i = 0; i < role->count; i++) {
        if (role->key[i] == index)
            return 1;
    }
    return 0;
}

int bl_trust_verify(const bl_trust_metadata *md, const bl_trust_keyring *keys, const bl_trust_role *role,
                    const char *what, const char *signers, bl_error *err)
{
    const bl_sig_key *counted[BL_TRUST_MAX_KEYS];
    uint64_t valid = 0;
    size_t i;
    int rc, index, j;

    if ((rc = bl_trust_init(err)) != BL_OK)
        return rc;
    for (i = 0; keys && i < md->signature_count && valid < BL_TRUST_MAX_KEYS; i++) {
        const bl_trust_signature *s = &md->signatures[i];
        const bl_sig_key *key;
        for (index = 0; index < keys->count && strcmp(keys->key[index].keyid, s->keyid) != 0; index++)
            ;
        if (index == keys->count || !role_has(role, index))
            continue; /* unknown key ids, and keys of other roles, are ignored */
        key = &keys->key[index].key;
        /* a scheme we do not verify, a malformed signature, a wrong one: it simply does not count */
        if (!bl_sig_verify(key, s->sig, s->len, md->signed_canonical, md->signed_len))
            continue;
        /* One key listed under two key ids still counts once. */
        for (j = 0; j < (int)valid && !bl_sig_key_equal(counted[j], key); j++)
            ;
        if (j == (int)valid)
            counted[valid++] = key;
    }
    if (valid < role->threshold)
        return bl_error_set(err, BL_ESIGNATURE, "%s: %llu of %llu required signatures by %s", what,
                            (unsigned long long)valid, (unsigned long long)role->threshold, signers);
    return BL_OK;
}

int bl_trust_check_file(const bl_trust_file *expected, const char *what, uint64_t length,
                        const unsigned char sha256[32], const unsigned char sha512[64], bl_error *err)
{
    if (expected->has_length && length != expected->length)
        return bl_error_set(err, BL_ELENGTH, "%s: %llu bytes where trusted metadata says %llu", what,
                            (unsigned long long)length, (unsigned long long)expected->length);
    if (!expected->has_hashes)
        return BL_OK;
    if (!expected->has_sha256 && !expected->has_sha512)
        return bl_error_set(err, BL_EHASH, "%s: trusted metadata lists no sha256 or sha512 hash", what);
    if (expected->has_sha256 && (!sha256 || sodium_memcmp(sha256, expected->sha256, 32) != 0))
        return bl_error_set(err, BL_EHASH, "%s: sha256 does not match trusted metadata", what);
    if (expected->has_sha512 && (!sha512 || sodium_memcmp(sha512, expected->sha512, 64) != 0))
        return bl_error_set(err, BL_EHASH, "%s: sha512 does not match trusted metadata", what);
    return BL_OK;
}

int bl_trust_check_buffer(const bl_trust_file *expected, const char *what, const void *buf, size_t len,
                          bl_error *err)
{
    unsigned char sha256[crypto_hash_sha256_BYTES], sha512[crypto_hash_sha512_BYTES];
    int rc;
    if ((rc = bl_trust_init(err)) != BL_OK)
        return rc;
    crypto_hash_sha256(sha256, buf, len);
    crypto_hash_sha512(sha512, buf, len);
    return bl_trust_check_file(expected, what, len, sha256, sha512, err);
}

int bl_trust_target_path_is_safe(const char *path)
{
    const char *component = path;
    const unsigned char *p;
    if (!path || !*path || *path == '/')
        return 0;
    for (p = (const unsigned char *)path; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p == ':')
            return 0;
    }
    for (;;) {
        size_t n = strcspn(component, "/");
        if (n == 0 || (n == 1 && component[0] == '.') || (n == 2 && component[0] == '.' && component[1] == '.'))
            return 0;
        if (component[n] == '\0')
            return 1;
        component += n + 1;
    }
}

/* Python's fnmatch.fnmatchcase on one path component: '*', '?', '[seq]',
 * '[!seq]'; a '[' without ']' is literal. Iterative, with one backtrack point. */
static int glob_match(const char *pattern, size_t plen, const char *text, size_t tlen)
{
    size_t p = 0, t = 0, star_p = (size_t)-1, star_t = 0;
    while (t < tlen) {
        if (p < plen && pattern[p] == '*') {
            star_p = ++p;
            star_t = t;
            continue;
        }
        if (p < plen && pattern[p] == '[') {
            size_t q = p + 1, close;
            int negate = 0, hit = 0;
            if (q < plen && pattern[q] == '!') {
                negate = 1;
                q++;
            }
            close = q < plen && pattern[q] == ']' ? q + 1 : q; /* a leading ']' is a member */
            while (close < plen && pattern[close] != ']')
                close++;
            if (close < plen) {
                for (; q < close; q++) {
                    if (q + 2 < close && pattern[q + 1] == '-') {
                        hit |= (unsigned char)text[t] >= (unsigned char)pattern[q] &&
                               (unsigned char)text[t] <= (unsigned char)pattern[q + 2];
                        q += 2;
                    } else {
                        hit |= text[t] == pattern[q];
                    }
                }
                if (hit != negate) {
                    p = close + 1;
                    t++;
                    continue;
                }
                goto backtrack;
            }
        }
        if (p < plen && (pattern[p] == '?' || pattern[p] == text[t])) {
            p++;
            t++;
            continue;
        }
    backtrack:
        if (star_p == (size_t)-1)
            return 0;
        p = star_p;
        t = ++star_t;
    }
    while (p < plen && pattern[p] == '*')
        p++;
    return p == plen;
}

/* As python-tuf: the same number of '/'-separated parts, each matching. */
static int path_matches(const char *pattern, const char *path)
{
    for (;;) {
        size_t pn = strcspn(pattern, "/"), tn = strcspn(path, "/");
        if (!glob_match(pattern, pn, path, tn))
            return 0;
        if (pattern[pn] == '\0' || path[tn] == '\0')
            return pattern[pn] == path[tn];
        pattern += pn + 1;
        path += tn + 1;
    }
}

int bl_trust_delegation_matches(const bl_trust_delegation *d, const char *path)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    size_t i;
    for (i = 0; i < d->path_count; i++) {
        if (path_matches(d->paths[i], path))
            return 1;
    }
    if (d->hash_prefix_count == 0)
        return 0;
    crypto_hash_sha256(digest, (const unsigned char *)path, strlen(path));
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    for (i = 0; i < d->hash_prefix_count; i++) {
        if (strncmp(hex, d->hash_prefixes[i], strlen(d->hash_prefixes[i])) == 0)
            return 1;
    }
    return 0;
}

/* tufup (0.6 on) reads custom as {"user": ..., "tufup": {...}} only when
 * those are its keys, exactly, and any other dict as its older flat form,
 * user data and its own fields together; the same rule here, so a
 * repository means the same to both clients. One shape more is nested:
 * "tufup" alone, holding an object, as bomiot-release wrote it before it
 * wrote "user" too. tufup never writes that, and reading it flat would drop
 * the required flag and the tar hash those repositories signed. */
static int is_nested_custom(const cJSON *custom, const cJSON *tufup)
{
    int keys = cJSON_GetArraySize(custom);
    if (!tufup)
        return 0;
    if (keys == 2 && cJSON_GetObjectItemCaseSensitive(custom, "user"))
        return 1;
    return keys == 1 && cJSON_IsObject(tufup);
}

int bl_trust_tufup_info(const bl_trust_target *target, bl_trust_tufup *out, bl_error *err)
{
    const cJSON *custom = target->custom, *internal = NULL, *item;
    size_t n = strlen(target->path);
    unsigned long long size;

    memset(out, 0, sizeof *out);
    /* .patch (BSDIFF40, tufup's) or .zpatch (the zstd format): the same custom metadata */
    out->is_patch = (n > 6 && strcmp(target->path + n - 6, ".patch") == 0) ||
                    (n > 7 && strcmp(target->path + n - 7, ".zpatch") == 0);
    if (custom) {
        internal = cJSON_GetObjectItemCaseSensitive(custom, "tufup");
        if (is_nested_custom(custom, internal)) {
            out->user = cJSON_GetObjectItemCaseSensitive(custom, "user");
        } else {
            internal = custom; /* older tufup: one flat dict for both */
            out->user = custom;
        }
    }
    if (internal && !cJSON_IsObject(internal))
        return bl_error_set(err, BL_ECORRUPT, "%.160s: custom.tufup must be an object", target->path);
    item = cJSON_GetObjectItemCaseSensitive(internal, "required");
    out->required = cJSON_IsTrue(item);
    if (!out->is_patch) {
        /* tufup states the tar's size on the patch to it; an archive may
         * state it too (0: it does not). */
        if (bl_canonjson_get_uint(cJSON_GetObjectItemCaseSensitive(internal, "tar_size"), &size))
            out->tar_size = size;
        item = cJSON_GetObjectItemCaseSensitive(internal, "tar_hash_algorithm");
        if (item && (!cJSON_IsString(item) || strcmp(item->valuestring, "sha256") != 0))
            return BL_OK; /* a hash this client cannot check: as if none */
        item = cJSON_GetObjectItemCaseSensitive(internal, "tar_hash");
        out->has_tar_sha256 = out->tar_size && cJSON_IsString(item) && strlen(item->valuestring) == 64 &&
                              sodium_hex2bin(out->tar_sha256, 32, item->valuestring, 64, NULL, NULL, NULL) == 0;
        return BL_OK;
    }
    if (!cJSON_GetObjectItemCaseSensitive(internal, "tar_size") &&
        !cJSON_GetObjectItemCaseSensitive(internal, "tar_hash"))
        return bl_error_set(err, BL_ENOTFOUND,
                            "%.160s: no tar size and hash in custom metadata (tufup 0.5 or older)", target->path);
    item = cJSON_GetObjectItemCaseSensitive(internal, "tar_hash_algorithm");
    if (item && (!cJSON_IsString(item) || strcmp(item->valuestring, "sha256") != 0))
        return bl_error_set(err, BL_EUNSUPPORTED, "%.160s: tar_hash_algorithm must be sha256", target->path);
    if (!bl_canonjson_get_uint(cJSON_GetObjectItemCaseSensitive(internal, "tar_size"), &size))
        return bl_error_set(err, BL_ECORRUPT, "%.160s: patch lacks an integer custom tar_size", target->path);
    out->tar_size = size;
    item = cJSON_GetObjectItemCaseSensitive(internal, "tar_hash");
    if (!cJSON_IsString(item) || strlen(item->valuestring) != 64 ||
        sodium_hex2bin(out->tar_sha256, 32, item->valuestring, 64, NULL, NULL, NULL) != 0)
        return bl_error_set(err, BL_ECORRUPT, "%.160s: patch lacks a sha256 hex custom tar_hash", target->path);
    out->has_tar_sha256 = 1;
    return BL_OK;
}
