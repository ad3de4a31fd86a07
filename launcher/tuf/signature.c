/* SPDX-License-Identifier: Apache-2.0 */
/* The crypto surface of the TUF client's signatures (the table in
 * signature.h), small enough to read in one sitting. ed25519 stays on
 * libsodium, which the publisher signs with; ECDSA and RSA-PSS go through
 * libcrypto's EVP interface (every build has both, Windows included). Keys
 * are checked once, as they are parsed (type, curve, size), and kept as
 * DER, so a bl_sig_key is plain bytes that need no freeing. */
#include "signature.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <string.h>

static const struct {
    const char *keytype;
    const char *scheme;
    int id; /* enum bl_sig_scheme */
} schemes[] = {
    {"ed25519", "ed25519", BL_SIG_ED25519},
    {"ecdsa", "ecdsa-sha2-nistp256", BL_SIG_ECDSA_P256},
    {"rsa", "rsassa-pss-sha256", BL_SIG_RSA_PSS_SHA256},
};

static int parse_ed25519(const char *hex, bl_sig_key *out)
{
    size_t got = 0;
    const char *end = NULL;
    if (strlen(hex) != 2 * crypto_sign_PUBLICKEYBYTES ||
        sodium_hex2bin(out->public_key, crypto_sign_PUBLICKEYBYTES, hex, strlen(hex), NULL, &got, &end) != 0 ||
        got != crypto_sign_PUBLICKEYBYTES || *end != '\0')
        return 0;
    out->len = got;
    return 1;
}

/* Whether pkey is what the scheme promises: a P-256 point, or an RSA key
 * of an accepted size. */
static int key_fits(EVP_PKEY *pkey, int scheme)
{
    char group[64];
    size_t group_len = 0;
    int bits;
    if (scheme == BL_SIG_ECDSA_P256)
        return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC &&
               EVP_PKEY_get_group_name(pkey, group, sizeof group, &group_len) == 1 &&
               OBJ_txt2nid(group) == NID_X9_62_prime256v1;
    bits = EVP_PKEY_get_bits(pkey);
    return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA && bits >= BL_SIG_RSA_MIN_BITS &&
           bits <= BL_SIG_RSA_MAX_BITS;
}

/* PEM SubjectPublicKeyInfo to DER, once the key is known to fit. */
static int parse_pem(const char *pem, int scheme, bl_sig_key *out)
{
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    unsigned char *der = NULL;
    int len = 0, ok = 0;

    if (strncmp(pem, "-----BEGIN PUBLIC KEY-----", 26) != 0 || strlen(pem) > 4 * BL_SIG_PUBLIC_MAX)
        return 0;
    if (!(bio = BIO_new_mem_buf(pem, (int)strlen(pem))) || !(pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)) ||
        !key_fits(pkey, scheme))
        goto cleanup;
    len = i2d_PUBKEY(pkey, &der);
    if (len <= 0 || (size_t)len > sizeof out->public_key)
        goto cleanup;
    memcpy(out->public_key, der, (size_t)len);
    out->len = (size_t)len;
    ok = 1;
cleanup:
    OPENSSL_free(der);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return ok;
}

static int verify_evp(const bl_sig_key *key, const unsigned char *sig, size_t sig_len, const void *msg,
                      size_t msg_len)
{
    const unsigned char *p = key->public_key;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)key->len);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = 0;

    if (!pkey || !ctx || EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, pkey) != 1)
        goto cleanup;
    /* securesystemslib signs with a salt as long as the digest and verifies
     * with any salt length (PSS.AUTO): accept what it accepts. */
    if (key->scheme == BL_SIG_RSA_PSS_SHA256 &&
        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1))
        goto cleanup;
    ok = EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1;
cleanup:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return ok;
}

void bl_sig_key_parse(const char *keytype, const char *scheme, const char *public_text, bl_sig_key *out)
{
    size_t i;
    int ok = 0;

    memset(out, 0, sizeof *out);
    for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        if (strcmp(keytype, schemes[i].keytype) == 0 && strcmp(scheme, schemes[i].scheme) == 0)
            break;
    }
    if (i == sizeof schemes / sizeof schemes[0] || !public_text)
        return;
    if (schemes[i].id == BL_SIG_ED25519)
        ok = parse_ed25519(public_text, out);
    else
        ok = parse_pem(public_text, schemes[i].id, out);
    if (ok)
        out->scheme = schemes[i].id;
    else
        memset(out, 0, sizeof *out);
}

int bl_sig_verify(const bl_sig_key *key, const unsigned char *sig, size_t sig_len, const void *msg,
                  size_t msg_len)
{
    switch (key->scheme) {
    case BL_SIG_ED25519:
        return sig_len == crypto_sign_BYTES && sodium_init() >= 0 &&
               crypto_sign_verify_detached(sig, msg, msg_len, key->public_key) == 0;
    case BL_SIG_ECDSA_P256:
    case BL_SIG_RSA_PSS_SHA256: return sig_len > 0 && verify_evp(key, sig, sig_len, msg, msg_len);
    default: return 0;
    }
}

int bl_sig_key_equal(const bl_sig_key *a, const bl_sig_key *b)
{
    return a->scheme == b->scheme && a->len == b->len && memcmp(a->public_key, b->public_key, a->len) == 0;
}
