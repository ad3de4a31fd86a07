/* SPDX-License-Identifier: Apache-2.0 */
/* The publisher's private keys: one file per key in the keys folder,
 * <role>-<keyid>.key (root-3f2a....key), written 0600 in a 0700 folder, so a
 * publisher sees which file to take offline. The role in the name is the one
 * the key was made for, a label: root.json decides which role a key serves,
 * and a key is found by its id whatever its name says. Keystores made before
 * issue 21 name keys <keyid>.key; those are read too. A key the root no
 * longer lists moves to retired/. */
#ifndef BL_RELEASE_KEYS_H
#define BL_RELEASE_KEYS_H

#include <cJSON.h>

#include "base/error.h"
#include "tuf/trust.h"

#define RELEASE_KEYID_SIZE 65 /* hex SHA-256 and NUL */

/* Makes the keys folder (0700) if missing. */
int release_keys_prepare(const char *keys_dir, bl_error *err);

/* The key types bomiot-release makes, as --key-type names them: "ed25519"
 * (the default: tufup's keys are ed25519) and "ecdsa" (P-256, scheme
 * ecdsa-sha2-nistp256, through libcrypto). */
#define RELEASE_KEY_TYPES "ed25519|ecdsa"
#define RELEASE_KEY_TYPE_DEFAULT "ed25519"
/* 1 when bomiot-release makes keys of type name; else 0 with err saying why. */
int release_keys_type_ok(const char *name, bl_error *err);

/* A new key of type key_type for role ("root", ...) saved as
 * <keys_dir>/<role>-<keyid>.key, in securesystemslib's key form (ed25519:
 * hex public key and seed; ecdsa: PEM public key and PKCS#8 private key);
 * its id into keyid. */
int release_keys_generate(const char *keys_dir, const char *role, const char *key_type,
                          char keyid[RELEASE_KEYID_SIZE], bl_error *err);

/* Signs document["signed"] with keyid's private key and puts the signature
 * into document["signatures"] (bl_trust_add_signature); BL_ENOTFOUND when
 * the folder does not hold the key. */
int release_keys_sign(const char *keys_dir, const char *keyid, cJSON *document, bl_error *err);

/* keyid's public key as root.json lists it: {"keytype", "scheme", "keyval": {"public"}}. */
int release_keys_public_json(const char *keys_dir, const char *keyid, cJSON **out, bl_error *err);

/* Moves keyid's file into retired/ under the same name (kept, in case a
 * publisher must re-sign an old root by hand); a key the folder does not
 * hold is not an error. */
int release_keys_retire(const char *keys_dir, const char *keyid, bl_error *err);

/* Deletes keyid's file: a key made by a run that then failed, which no
 * metadata lists. */
int release_keys_discard(const char *keys_dir, const char *keyid);

#endif
