/* SPDX-License-Identifier: Apache-2.0 */
/* The signature schemes (launcher/tuf/signature.c) against keys and
 * signatures securesystemslib made (signature_vectors.h, written by
 * make_signature_vectors.py), alone and as metadata signatures counted
 * against a threshold. Every build (Windows included, under Wine) verifies
 * every scheme. */
#include <sodium.h>
#include <stdlib.h>

#include "check.h"
#include "signature_vectors.h"
#include "tuf/signature.h"
#include "tuf/trust.h"

#define VECTOR_COUNT (sizeof signature_vectors / sizeof signature_vectors[0])

static const struct signature_vector *vector(const char *name)
{
    size_t i;
    for (i = 0; i < VECTOR_COUNT; i++) {
        if (strcmp(signature_vectors[i].name, name) == 0)
            return &signature_vectors[i];
    }
    fprintf(stderr, "  no vector %s\n", name);
    abort();
}

static size_t unhex(const char *hex, unsigned char *out, size_t size)
{
    size_t len = 0;
    if (sodium_hex2bin(out, size, hex, strlen(hex), NULL, &len, NULL) != 0)
        return 0;
    return len;
}

static void test_verdicts_match_securesystemslib(void)
{
    static unsigned char sig[BL_SIG_MAX + 1];
    size_t i;
    for (i = 0; i < VECTOR_COUNT; i++) {
        const struct signature_vector *v = &signature_vectors[i];
        const char *msg = v->on_message ? signature_message : signature_other_message;
        size_t len = unhex(v->sig, sig, sizeof sig);
        bl_sig_key key;
        int got;
        bl_sig_key_parse(v->keytype, v->scheme, v->public_key, &key);
        got = bl_sig_verify(&key, sig, len, msg, strlen(msg));
        if (got != v->valid) {
            fprintf(stderr, "  %s: verified %d, expected %d\n", v->name, got, v->valid);
            CHECK(got == v->valid);
        }
    }
}

static void test_keys_the_scheme_does_not_fit_are_not_usable(void)
{
    bl_sig_key key;
    /* P-384 declared as nistp256; an RSA key of 1024 bits (below BL_SIG_RSA_MIN_BITS) */
    bl_sig_key_parse("ecdsa", "ecdsa-sha2-nistp256", vector("ecdsa_wrong_curve")->public_key, &key);
    CHECK_INT(key.scheme, BL_SIG_NONE);
    bl_sig_key_parse("rsa", "rsassa-pss-sha256", vector("rsa_1024_bits")->public_key, &key);
    CHECK_INT(key.scheme, BL_SIG_NONE);
    /* a key of one type declared as the other */
    bl_sig_key_parse("rsa", "rsassa-pss-sha256", vector("ecdsa_valid")->public_key, &key);
    CHECK_INT(key.scheme, BL_SIG_NONE);
    bl_sig_key_parse("ecdsa", "ecdsa-sha2-nistp256", vector("rsa_valid")->public_key, &key);
    CHECK_INT(key.scheme, BL_SIG_NONE);
    /* keytype and scheme that do not go together, schemes not in the table */
    bl_sig_key_parse("rsa", "ecdsa-sha2-nistp256", vector("ecdsa_valid")->public_key, &key);
    CHECK_INT(key.scheme, BL_SIG_NONE);
    bl_sig_key_parse("ecdsa", "ecdsa-sha2-nistp384", vector("ecdsa_valid")->public_key, &key);
    CHECK_INT(key.scheme, BL_SIG_NONE);
    bl_sig_key_parse("rsa", "rsa-pkcs1v15-sha256", vector("rsa_valid")->public_key, &key);
    CHECK_INT(key.scheme, BL_SIG_NONE);
    /* malformed keys */
    bl_sig_key_parse("ecdsa", "ecdsa-sha2-nistp256", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                     &key);
    CHECK_INT(key.scheme, BL_SIG_NONE);
    bl_sig_key_parse("ecdsa", "ecdsa-sha2-nistp256", "", &key);
    CHECK_INT(key.scheme, BL_SIG_NONE);
    bl_sig_key_parse("ecdsa", "ecdsa-sha2-nistp256", NULL, &key);
    CHECK_INT(key.scheme, BL_SIG_NONE);
    bl_sig_key_parse("ed25519", "ed25519", "00ff", &key);
    CHECK_INT(key.scheme, BL_SIG_NONE);
    bl_sig_key_parse("ed25519", "ed25519", vector("ecdsa_valid")->public_key, &key);
    CHECK_INT(key.scheme, BL_SIG_NONE);
    /* and the good ones are */
    bl_sig_key_parse("ecdsa", "ecdsa-sha2-nistp256", vector("ecdsa_valid")->public_key, &key);
    CHECK_INT(key.scheme, BL_SIG_ECDSA_P256);
    bl_sig_key_parse("rsa", "rsassa-pss-sha256", vector("rsa_valid")->public_key, &key);
    CHECK_INT(key.scheme, BL_SIG_RSA_PSS_SHA256);
    bl_sig_key_parse("ed25519", "ed25519", vector("ed25519_valid")->public_key, &key);
    CHECK_INT(key.scheme, BL_SIG_ED25519);
}

/* A timestamp whose "signed" is signature_message, signed as the vectors
 * name (each signature under the key id of its vector's name). */
static bl_trust_metadata *timestamp_signed_by(const char *const *names, size_t count)
{
    cJSON *doc = cJSON_CreateObject(), *sigs = cJSON_AddArrayToObject(doc, "signatures");
    bl_trust_metadata *md = NULL;
    bl_error err;
    char *text;
    size_t i;
    cJSON_AddItemToObject(doc, "signed", cJSON_Parse(signature_message));
    for (i = 0; i < count; i++) {
        cJSON *sig = cJSON_CreateObject();
        cJSON_AddStringToObject(sig, "keyid", names[i]);
        cJSON_AddStringToObject(sig, "sig", vector(names[i])->sig);
        cJSON_AddItemToArray(sigs, sig);
    }
    text = cJSON_PrintUnformatted(doc);
    CHECK_INT(bl_trust_parse(text, strlen(text), 1 << 20, BL_TRUST_TIMESTAMP, "timestamp", &md, &err), BL_OK);
    free(text);
    cJSON_Delete(doc);
    return md;
}

/* keyring[i] is the key of names[i], under key id ids[i]. */
static void keyring_of(bl_trust_keyring *ring, bl_trust_role *role, const char *const *names, const char *const *ids,
                       size_t count, uint64_t threshold)
{
    size_t i;
    memset(ring, 0, sizeof *ring);
    memset(role, 0, sizeof *role);
    for (i = 0; i < count; i++) {
        const struct signature_vector *v = vector(names[i]);
        snprintf(ring->key[i].keyid, sizeof ring->key[i].keyid, "%s", ids[i]);
        bl_sig_key_parse(v->keytype, v->scheme, v->public_key, &ring->key[i].key);
        role->key[i] = (int)i;
    }
    ring->count = role->count = (int)count;
    role->threshold = threshold;
}

static void test_metadata_signed_by_each_scheme_meets_its_threshold(void)
{
    static bl_trust_keyring ring;
    static const char *const names[] = {"ed25519_valid", "ecdsa_valid", "rsa_valid"};
    bl_trust_metadata *md = timestamp_signed_by(names, 3);
    bl_trust_role role;
    bl_error err;
    if (!md)
        return;
    keyring_of(&ring, &role, names, names, 3, 3);
    CHECK_INT(bl_trust_verify(md, &ring, &role, "timestamp", "timestamp keys", &err), BL_OK);
    role.threshold = 4;
    CHECK_INT(bl_trust_verify(md, &ring, &role, "timestamp", "timestamp keys", &err), BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "3 of 4 required");
    bl_trust_metadata_free(md);
}

static void test_bad_signatures_do_not_count_and_stop_nothing(void)
{
    static bl_trust_keyring ring;
    /* each signed by its vector's verdict: none counts, the metadata still parses */
    static const char *const names[] = {"ecdsa_der_truncated", "ecdsa_der_bad_length", "ecdsa_wrong_curve",
                                        "rsa_1024_bits", "rsa_pkcs1v15_signature", "ed25519_valid"};
    bl_trust_metadata *md = timestamp_signed_by(names, 6);
    bl_trust_role role;
    bl_error err;
    if (!md)
        return;
    keyring_of(&ring, &role, names, names, 6, 2);
    CHECK_INT(bl_trust_verify(md, &ring, &role, "timestamp", "timestamp keys", &err), BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "1 of 2 required");
    bl_trust_metadata_free(md);
}

static void test_one_ecdsa_key_under_two_key_ids_counts_once(void)
{
    static bl_trust_keyring ring;
    static const char *const names[] = {"ecdsa_valid", "ecdsa_valid"}, *const ids[] = {"ecdsa_valid", "alias"};
    cJSON *doc = cJSON_CreateObject(), *sigs = cJSON_AddArrayToObject(doc, "signatures");
    bl_trust_metadata *md = NULL;
    bl_trust_role role;
    bl_error err;
    char *text;
    size_t i;
    cJSON_AddItemToObject(doc, "signed", cJSON_Parse(signature_message));
    for (i = 0; i < 2; i++) {
        cJSON *sig = cJSON_CreateObject();
        cJSON_AddStringToObject(sig, "keyid", ids[i]);
        cJSON_AddStringToObject(sig, "sig", vector("ecdsa_valid")->sig);
        cJSON_AddItemToArray(sigs, sig);
    }
    text = cJSON_PrintUnformatted(doc);
    CHECK_INT(bl_trust_parse(text, strlen(text), 1 << 20, BL_TRUST_TIMESTAMP, "timestamp", &md, &err), BL_OK);
    free(text);
    cJSON_Delete(doc);
    if (!md)
        return;
    keyring_of(&ring, &role, names, ids, 2, 2);
    CHECK_INT(bl_trust_verify(md, &ring, &role, "timestamp", "timestamp keys", &err), BL_ESIGNATURE);
    CHECK_CONTAINS(err.msg, "1 of 2 required");
    role.threshold = 1;
    CHECK_INT(bl_trust_verify(md, &ring, &role, "timestamp", "timestamp keys", &err), BL_OK);
    bl_trust_metadata_free(md);
}

int main(void)
{
    RUN(test_verdicts_match_securesystemslib);
    RUN(test_keys_the_scheme_does_not_fit_are_not_usable);
    RUN(test_metadata_signed_by_each_scheme_meets_its_threshold);
    RUN(test_bad_signatures_do_not_count_and_stop_nothing);
    RUN(test_one_ecdsa_key_under_two_key_ids_counts_once);
    return CHECK_DONE();
}
