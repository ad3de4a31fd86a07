/* SPDX-License-Identifier: Apache-2.0 */
#include "release_keys.h"

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
#include "platform.h"
#include "tuf/canonjson.h"

#define KEY_FILE_MAX 4096

static const char *const key_roles[] = {"root", "timestamp", "snapshot", "targets"};
#define KEY_ROLE_COUNT (sizeof key_roles / sizeof key_roles[0])

/* <dir>/<role>-<keyid>.key, or with role NULL the name keystores made before
 * issue 21 used, <dir>/<keyid>.key. */
static int key_path(const char *dir, const char *role, const char *keyid, char *out, size_t size, bl_error *err)
{
    size_t i;
    /* a key id from root.json becomes a file name: hex only */
    for (i = 0; keyid[i]; i++)
        if (!((keyid[i] >= '0' && keyid[i] <= '9') || (keyid[i] >= 'a' && keyid[i] <= 'f')))
            return bl_error_set(err, BL_ECORRUPT, "key id '%.80s' is not lowercase hex", keyid);
    if (i == 0 || i >= RELEASE_KEYID_SIZE)
        return bl_error_set(err, BL_ECORRUPT, "key id '%.80s' has the wrong length", keyid);
    if (snprintf(out, size, "%s/%s%s%s.key", dir, role ? role : "", role ? "-" : "", keyid) >= (int)size)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", dir);
    return BL_OK;
}

/* The file holding keyid in dir, whichever role its name carries, or under
 * its old name; BL_ENOTFOUND (out: the new-style name for the first role)
 * when there is none. */
static int find_key(const char *dir, const char *keyid, char *out, size_t size, bl_error *err)
{
    size_t r;
    int rc;

    for (r = 0; r <= KEY_ROLE_COUNT; r++) {
        if ((rc = key_path(dir, r < KEY_ROLE_COUNT ? key_roles[r] : NULL, keyid, out, size, err)) != BL_OK)
            return rc;
        if (bl_fs_exists(out))
            return BL_OK;
    }
    return bl_error_set(err, BL_ENOTFOUND, "%s holds no key file for key id %.16s...", dir, keyid);
}

int release_keys_prepare(const char *keys_dir, bl_error *err)
{
    uv_fs_t req;
    int rc = bl_fs_mkdir_p(keys_dir, err);
    if (rc != BL_OK)
        return rc;
    /* only the publisher may list the keys, whatever the umask made it */
    uv_fs_chmod(NULL, &req, keys_dir, 0700, NULL);
    uv_fs_req_cleanup(&req);
    return BL_OK;
}

/* Writes text to path with mode 0600 from the first byte (never readable by
 * others, not even for a moment), then renames it into place. */
static int write_private(const char *path, const char *text, bl_error *err)
{
    char tmp[BL_PATH_MAX];
    uv_fs_t req;
    uv_buf_t buf;
    int fd, r;

    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", path);
    fd = uv_fs_open(NULL, &req, tmp, UV_FS_O_WRONLY | UV_FS_O_CREAT | UV_FS_O_EXCL, 0600, NULL);
    uv_fs_req_cleanup(&req);
    if (fd < 0)
        return bl_error_set(err, BL_EIO, "cannot create %s: %s", tmp, uv_strerror(fd));
    buf = uv_buf_init((char *)text, (unsigned)strlen(text));
    r = uv_fs_write(NULL, &req, fd, &buf, 1, -1, NULL);
    uv_fs_req_cleanup(&req);
    if (r == (int)buf.len) {
        r = uv_fs_fsync(NULL, &req, fd, NULL);
        uv_fs_req_cleanup(&req);
    } else if (r >= 0) {
        r = UV_EIO;
    }
    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    if (r >= 0) {
        r = uv_fs_rename(NULL, &req, tmp, path, NULL);
        uv_fs_req_cleanup(&req);
    }
    if (r < 0) {
        uv_fs_unlink(NULL, &req, tmp, NULL);
        uv_fs_req_cleanup(&req);
        return bl_error_set(err, BL_EIO, "cannot write %s: %s", path, uv_strerror(r));
    }
    return BL_OK;
}

/* The spec's key id: hex SHA-256 of the canonical JSON of the public key as
 * root.json lists it (for ed25519 the same as bl_trust_keyid). */
static int keyid_of(const cJSON *public_json, char keyid[RELEASE_KEYID_SIZE], bl_error *err)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char *canonical = NULL;
    size_t len;
    int rc;
    if ((rc = bl_canonjson_encode(public_json, &canonical, &len, err)) != BL_OK)
        return rc;
    crypto_hash_sha256(digest, (const unsigned char *)canonical, len);
    free(canonical);
    sodium_bin2hex(keyid, RELEASE_KEYID_SIZE, digest, sizeof digest);
    return BL_OK;
}

/* {"keytype", "scheme", "keyval": {"public", and "private" when not NULL}} */
static cJSON *key_json(const char *keytype, const char *scheme, const char *public_text, const char *private_text)
{
    cJSON *key = cJSON_CreateObject(), *keyval = NULL;
    if (!key || !cJSON_AddStringToObject(key, "keytype", keytype) || !cJSON_AddStringToObject(key, "scheme", scheme) ||
        !(keyval = cJSON_AddObjectToObject(key, "keyval")) || !cJSON_AddStringToObject(keyval, "public", public_text) ||
        (private_text && !cJSON_AddStringToObject(keyval, "private", private_text))) {
        cJSON_Delete(key);
        return NULL;
    }
    return key;
}

/* The scheme bomiot-release signs with for a key type, or NULL. */
static const char *scheme_of(const char *key_type)
{
    if (strcmp(key_type, "ed25519") == 0)
        return "ed25519";
    if (strcmp(key_type, "ecdsa") == 0)
        return "ecdsa-sha2-nistp256";
    return NULL;
}

int release_keys_type_ok(const char *name, bl_error *err)
{
    if (scheme_of(name))
        return 1;
    bl_error_set(err, BL_EINVAL, "key type '%.32s' is not one of " RELEASE_KEY_TYPES, name);
    return 0;
}

/* PEM of pkey's public key (SubjectPublicKeyInfo) or, with private set, of
 * its private key (PKCS#8, unencrypted: the folder's 0700/0600 guard it, as
 * for ed25519 seeds); malloc'd. */
static char *pem_of(EVP_PKEY *pkey, int private)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data, *out = NULL;
    long len;
    if (bio && (private ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)
                        : PEM_write_bio_PUBKEY(bio, pkey)) == 1 &&
        (len = BIO_get_mem_data(bio, &data)) > 0 && (out = malloc((size_t)len + 1))) {
        memcpy(out, data, (size_t)len);
        out[len] = '\0';
    }
    if (bio && private) { /* the memory BIO held the private key: wipe it before it is freed */
        BUF_MEM *mem = NULL;
        BIO_get_mem_ptr(bio, &mem);
        if (mem && mem->data)
            OPENSSL_cleanse(mem->data, mem->length);
    }
    BIO_free(bio);
    return out;
}

/* A new key pair as the key file's public and private text (malloc'd). */
static int new_key_pair(const char *key_type, char **public_text, char **private_text, bl_error *err)
{
    *public_text = *private_text = NULL;
    if (strcmp(key_type, "ed25519") == 0) {
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], seed[crypto_sign_SEEDBYTES];
        randombytes_buf(seed, sizeof seed);
        crypto_sign_seed_keypair(pk, sk, seed);
        if ((*public_text = malloc(2 * sizeof pk + 1)) && (*private_text = malloc(2 * sizeof seed + 1))) {
            sodium_bin2hex(*public_text, 2 * sizeof pk + 1, pk, sizeof pk);
            /* the form securesystemslib keeps: the 32-byte seed as "private" */
            sodium_bin2hex(*private_text, 2 * sizeof seed + 1, seed, sizeof seed);
        }
        sodium_memzero(seed, sizeof seed);
        sodium_memzero(sk, sizeof sk);
    } else {
        EVP_PKEY *pkey = EVP_EC_gen("P-256");
        if (!pkey)
            return bl_error_set(err, BL_EINVAL, "libcrypto could not make a P-256 key");
        *public_text = pem_of(pkey, 0);
        *private_text = pem_of(pkey, 1);
        EVP_PKEY_free(pkey);
    }
    if (!*public_text || !*private_text) {
        free(*public_text);
        free(*private_text);
        return bl_error_set(err, BL_ENOMEM, "out of memory making a %s key", key_type);
    }
    return BL_OK;
}

/* Frees text after wiping it (it may hold a private key). */
static void free_wiped(char *text)
{
    if (text) {
        sodium_memzero(text, strlen(text));
        free(text);
    }
}

int release_keys_generate(const char *keys_dir, const char *role, const char *key_type,
                          char keyid[RELEASE_KEYID_SIZE], bl_error *err)
{
    char path[BL_PATH_MAX], *public_text = NULL, *private_text = NULL, *text = NULL;
    cJSON *file = NULL, *public_json = NULL;
    int rc;

    if ((rc = bl_trust_init(err)) != BL_OK)
        return rc;
    if (!release_keys_type_ok(key_type, err))
        return err ? err->code : BL_EINVAL;
    if ((rc = new_key_pair(key_type, &public_text, &private_text, err)) != BL_OK)
        return rc;
    public_json = key_json(key_type, scheme_of(key_type), public_text, NULL);
    file = key_json(key_type, scheme_of(key_type), public_text, private_text);
    if (!public_json || !file || !(text = cJSON_Print(file))) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = keyid_of(public_json, keyid, err)) != BL_OK ||
        (rc = key_path(keys_dir, role, keyid, path, sizeof path, err)) != BL_OK)
        goto cleanup;
    rc = write_private(path, text, err);
cleanup:
    if (file) { /* the tree holds a copy of the private text */
        cJSON *private_item = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(file, "keyval"),
                                                               "private");
        if (cJSON_IsString(private_item))
            sodium_memzero(private_item->valuestring, strlen(private_item->valuestring));
    }
    cJSON_Delete(file);
    cJSON_Delete(public_json);
    free_wiped(text);
    free_wiped(private_text);
    free(public_text);
    return rc;
}

static int hex_field(const cJSON *keyval, const char *name, unsigned char *out, size_t len, const char *path,
                     bl_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(keyval, name);
    size_t got = 0;
    if (!cJSON_IsString(item) || strlen(item->valuestring) != 2 * len ||
        sodium_hex2bin(out, len, item->valuestring, 2 * len, NULL, &got, NULL) != 0 || got != len)
        return bl_error_set(err, BL_ECORRUPT, "%s: keyval.%s is not %zu bytes of hex", path, name, len);
    return BL_OK;
}

/* A key file read and checked: its public key as root.json lists it, and
 * the private key (ed25519 or ecdsa). */
typedef struct {
    int ecdsa;
    unsigned char ed25519_sk[crypto_sign_SECRETKEYBYTES];
    EVP_PKEY *ecdsa_key;
    cJSON *public_json;
} loaded_key;

static void loaded_key_free(loaded_key *k)
{
    sodium_memzero(k->ed25519_sk, sizeof k->ed25519_sk);
    EVP_PKEY_free(k->ecdsa_key);
    cJSON_Delete(k->public_json);
    memset(k, 0, sizeof *k);
}

/* BL_OK when keyval's private key is the private half of its public key
 * (ed25519 or ecdsa); out gets the private key. */
static int private_matches(const char *keytype, const cJSON *keyval, const char *path, loaded_key *out, bl_error *err)
{
    const cJSON *public_item = cJSON_GetObjectItemCaseSensitive(keyval, "public");
    const cJSON *private_item = cJSON_GetObjectItemCaseSensitive(keyval, "private");
    int ok = 0;
    if (strcmp(keytype, "ed25519") == 0) {
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], derived_pk[crypto_sign_PUBLICKEYBYTES];
        unsigned char seed[crypto_sign_SEEDBYTES];
        int rc;
        if ((rc = hex_field(keyval, "public", pk, sizeof pk, path, err)) == BL_OK &&
            (rc = hex_field(keyval, "private", seed, sizeof seed, path, err)) == BL_OK) {
            crypto_sign_seed_keypair(derived_pk, out->ed25519_sk, seed);
            ok = memcmp(derived_pk, pk, sizeof pk) == 0;
        }
        sodium_memzero(seed, sizeof seed);
        if (rc != BL_OK)
            return rc;
    } else if (cJSON_IsString(private_item)) {
        unsigned char *der = NULL;
        bl_sig_key public_key;
        BIO *bio = BIO_new_mem_buf(private_item->valuestring, -1);
        int len;
        bl_sig_key_parse("ecdsa", "ecdsa-sha2-nistp256", public_item->valuestring, &public_key);
        out->ecdsa_key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        out->ecdsa = 1;
        len = out->ecdsa_key ? i2d_PUBKEY(out->ecdsa_key, &der) : -1;
        ok = public_key.scheme == BL_SIG_ECDSA_P256 && len > 0 && (size_t)len == public_key.len &&
             memcmp(der, public_key.public_key, public_key.len) == 0;
        OPENSSL_free(der);
    }
    if (!ok)
        return bl_error_set(err, BL_ECORRUPT, "%s: the private key does not belong to the public key", path);
    return BL_OK;
}

static int read_key(const char *keys_dir, const char *keyid, loaded_key *out, bl_error *err)
{
    char path[BL_PATH_MAX], id[RELEASE_KEYID_SIZE];
    char *text = NULL;
    size_t len;
    cJSON *doc = NULL;
    const cJSON *keyval, *keytype, *scheme, *public_item;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = bl_trust_init(err)) != BL_OK || (rc = find_key(keys_dir, keyid, path, sizeof path, err)) != BL_OK)
        return rc;
    if ((rc = bl_fs_read_all(path, KEY_FILE_MAX, &text, &len, err)) != BL_OK)
        return rc;
    doc = cJSON_ParseWithLength(text, len);
    keyval = cJSON_GetObjectItemCaseSensitive(doc, "keyval");
    keytype = cJSON_GetObjectItemCaseSensitive(doc, "keytype");
    scheme = cJSON_GetObjectItemCaseSensitive(doc, "scheme");
    public_item = cJSON_GetObjectItemCaseSensitive(keyval, "public");
    if (!cJSON_IsObject(keyval) || !cJSON_IsString(public_item)) {
        rc = bl_error_set(err, BL_ECORRUPT, "%s: not a key file (no keyval)", path);
        goto cleanup;
    }
    if (!cJSON_IsString(keytype) || !cJSON_IsString(scheme) || !scheme_of(keytype->valuestring) ||
        strcmp(scheme->valuestring, scheme_of(keytype->valuestring)) != 0) {
        rc = keytype ? bl_error_set(err, BL_EUNSUPPORTED,
                                    "%s: a key of type %.32s, which bomiot-release does not sign with", path,
                                    cJSON_IsString(keytype) ? keytype->valuestring : "?")
                     : bl_error_set(err, BL_ECORRUPT, "%s: no keytype and scheme", path);
        goto cleanup;
    }
    if (!(out->public_json = key_json(keytype->valuestring, scheme->valuestring, public_item->valuestring, NULL))) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = private_matches(keytype->valuestring, keyval, path, out, err)) != BL_OK ||
        (rc = keyid_of(out->public_json, id, err)) != BL_OK)
        goto cleanup;
    if (strcmp(id, keyid) != 0) {
        rc = bl_error_set(err, BL_ECORRUPT, "%s: the key does not have key id %.16s...", path, keyid);
        goto cleanup;
    }
    rc = BL_OK;
cleanup:
    if (rc != BL_OK)
        loaded_key_free(out);
    if (text) {
        sodium_memzero(text, len);
        free(text);
    }
    if (doc) {
        cJSON *private_item = cJSON_GetObjectItemCaseSensitive(keyval, "private");
        if (cJSON_IsString(private_item))
            sodium_memzero(private_item->valuestring, strlen(private_item->valuestring));
    }
    cJSON_Delete(doc);
    return rc;
}

/* ECDSA over SHA-256 of the canonical "signed", DER, as securesystemslib signs. */
static int sign_ecdsa(EVP_PKEY *pkey, cJSON *document, const char *keyid, bl_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    char *canonical = NULL, *hex = NULL;
    size_t len = 0, sig_len = 0;
    int rc;

    if ((rc = bl_canonjson_encode(cJSON_GetObjectItemCaseSensitive(document, "signed"), &canonical, &len, err)) !=
        BL_OK)
        goto cleanup;
    if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) != 1 ||
        EVP_DigestSign(ctx, NULL, &sig_len, (const unsigned char *)canonical, len) != 1 || !(sig = malloc(sig_len)) ||
        EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)canonical, len) != 1 ||
        !(hex = malloc(2 * sig_len + 1))) {
        rc = bl_error_set(err, BL_EINVAL, "sign: libcrypto could not sign with key %.16s...", keyid);
        goto cleanup;
    }
    sodium_bin2hex(hex, 2 * sig_len + 1, sig, sig_len);
    rc = bl_trust_add_signature(document, keyid, hex, err);
cleanup:
    free(hex);
    free(sig);
    free(canonical);
    EVP_MD_CTX_free(ctx);
    return rc;
}

int release_keys_sign(const char *keys_dir, const char *keyid, cJSON *document, bl_error *err)
{
    loaded_key key;
    int rc;

    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(document, "signed")))
        return bl_error_set(err, BL_EINVAL, "sign: no 'signed' object");
    if ((rc = read_key(keys_dir, keyid, &key, err)) != BL_OK)
        return rc;
    if (key.ecdsa)
        rc = sign_ecdsa(key.ecdsa_key, document, keyid, err);
    else
        rc = bl_trust_sign(document, keyid, key.ed25519_sk, err);
    loaded_key_free(&key);
    return rc;
}

int release_keys_public_json(const char *keys_dir, const char *keyid, cJSON **out, bl_error *err)
{
    loaded_key key;
    int rc = read_key(keys_dir, keyid, &key, err);
    if (rc != BL_OK)
        return rc;
    *out = key.public_json;
    key.public_json = NULL;
    loaded_key_free(&key);
    return BL_OK;
}

int release_keys_retire(const char *keys_dir, const char *keyid, bl_error *err)
{
    char path[BL_PATH_MAX], retired[BL_PATH_MAX], to[BL_PATH_MAX];
    const char *base;
    uv_fs_t req;
    int rc, r;

    if ((rc = find_key(keys_dir, keyid, path, sizeof path, err)) != BL_OK)
        return rc == BL_ENOTFOUND ? BL_OK : rc;
    base = strrchr(path, '/') + 1; /* the same name in retired/ */
    if (bl_fs_join(retired, sizeof retired, keys_dir, "retired") != BL_OK ||
        bl_fs_join(to, sizeof to, retired, base) != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", keys_dir);
    if ((rc = release_keys_prepare(retired, err)) != BL_OK)
        return rc;
    r = uv_fs_rename(NULL, &req, path, to, NULL);
    uv_fs_req_cleanup(&req);
    if (r < 0)
        return bl_error_sys(err, r, "cannot move %s to %s", path, to);
    return BL_OK;
}

int release_keys_discard(const char *keys_dir, const char *keyid)
{
    char path[BL_PATH_MAX];
    uv_fs_t req;
    bl_error err;
    int r;

    if (find_key(keys_dir, keyid, path, sizeof path, &err) != BL_OK)
        return err.code;
    r = uv_fs_unlink(NULL, &req, path, NULL);
    uv_fs_req_cleanup(&req);
    return r < 0 ? BL_EIO : BL_OK;
}
