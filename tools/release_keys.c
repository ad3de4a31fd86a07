/* SPDX-License-Identifier: Apache-2.0 */
#include "release_keys.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
#include "platform.h"

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

int release_keys_generate(const char *keys_dir, const char *role, char keyid[RELEASE_KEYID_SIZE], bl_error *err)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    unsigned char seed[crypto_sign_SEEDBYTES];
    char pk_hex[2 * sizeof pk + 1], seed_hex[2 * sizeof seed + 1];
    char path[BL_PATH_MAX], text[512];
    int rc;

    if ((rc = bl_trust_init(err)) != BL_OK)
        return rc;
    randombytes_buf(seed, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_bin2hex(pk_hex, sizeof pk_hex, pk, sizeof pk);
    sodium_bin2hex(seed_hex, sizeof seed_hex, seed, sizeof seed);
    if ((rc = bl_trust_keyid(pk, keyid, err)) != BL_OK ||
        (rc = key_path(keys_dir, role, keyid, path, sizeof path, err)) != BL_OK)
        goto cleanup;
    /* the form securesystemslib keeps: the 32-byte seed as "private" */
    snprintf(text, sizeof text,
             "{\n  \"keytype\": \"ed25519\",\n  \"scheme\": \"ed25519\",\n"
             "  \"keyval\": {\"public\": \"%s\", \"private\": \"%s\"}\n}\n",
             pk_hex, seed_hex);
    rc = write_private(path, text, err);
cleanup:
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(seed_hex, sizeof seed_hex);
    sodium_memzero(text, sizeof text);
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

/* Reads a key file; fills pk, and sk when not NULL. */
static int read_key(const char *keys_dir, const char *keyid, unsigned char pk[32], unsigned char *sk, bl_error *err)
{
    char path[BL_PATH_MAX], id[RELEASE_KEYID_SIZE];
    unsigned char seed[crypto_sign_SEEDBYTES], derived_pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char derived_sk[crypto_sign_SECRETKEYBYTES];
    char *text = NULL;
    size_t len;
    cJSON *doc = NULL;
    const cJSON *keyval;
    int rc;

    if ((rc = bl_trust_init(err)) != BL_OK || (rc = find_key(keys_dir, keyid, path, sizeof path, err)) != BL_OK)
        return rc;
    if ((rc = bl_fs_read_all(path, KEY_FILE_MAX, &text, &len, err)) != BL_OK)
        return rc;
    doc = cJSON_ParseWithLength(text, len);
    keyval = cJSON_GetObjectItemCaseSensitive(doc, "keyval");
    if (!cJSON_IsObject(keyval)) {
        rc = bl_error_set(err, BL_ECORRUPT, "%s: not a key file (no keyval)", path);
        goto cleanup;
    }
    if ((rc = hex_field(keyval, "public", pk, 32, path, err)) != BL_OK ||
        (rc = hex_field(keyval, "private", seed, sizeof seed, path, err)) != BL_OK)
        goto cleanup;
    crypto_sign_seed_keypair(derived_pk, derived_sk, seed);
    if (memcmp(derived_pk, pk, 32) != 0 || (rc = bl_trust_keyid(pk, id, err)) != BL_OK || strcmp(id, keyid) != 0) {
        rc = bl_error_set(err, BL_ECORRUPT, "%s: the private key does not belong to key id %.16s...", path, keyid);
        goto cleanup;
    }
    if (sk)
        memcpy(sk, derived_sk, sizeof derived_sk);
    rc = BL_OK;
cleanup:
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(derived_sk, sizeof derived_sk);
    if (text) {
        sodium_memzero(text, len);
        free(text);
    }
    cJSON_Delete(doc);
    return rc;
}

int release_keys_load(const char *keys_dir, const char *keyid, unsigned char sk[BL_TRUST_SECRET_KEY_BYTES],
                      bl_error *err)
{
    unsigned char pk[32];
    return read_key(keys_dir, keyid, pk, sk, err);
}

int release_keys_public_json(const char *keys_dir, const char *keyid, cJSON **out, bl_error *err)
{
    unsigned char pk[32];
    char hex[65];
    cJSON *key, *keyval;
    int rc = read_key(keys_dir, keyid, pk, NULL, err);

    if (rc != BL_OK)
        return rc;
    sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
    key = cJSON_CreateObject();
    cJSON_AddStringToObject(key, "keytype", "ed25519");
    cJSON_AddStringToObject(key, "scheme", "ed25519");
    keyval = cJSON_AddObjectToObject(key, "keyval");
    if (!keyval || !cJSON_AddStringToObject(keyval, "public", hex)) {
        cJSON_Delete(key);
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    *out = key;
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
