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

/* A new ed25519 key for role ("root", ...) saved as <keys_dir>/<role>-<keyid>.key;
 * its id into keyid. */
int release_keys_generate(const char *keys_dir, const char *role, char keyid[RELEASE_KEYID_SIZE], bl_error *err);

/* The secret key of keyid; BL_ENOTFOUND when the folder does not hold it. */
int release_keys_load(const char *keys_dir, const char *keyid, unsigned char sk[BL_TRUST_SECRET_KEY_BYTES],
                      bl_error *err);

/* keyid's public key as root.json lists it:
 * {"keytype":"ed25519","scheme":"ed25519","keyval":{"public":hex}}. */
int release_keys_public_json(const char *keys_dir, const char *keyid, cJSON **out, bl_error *err);

/* Moves keyid's file into retired/ under the same name (kept, in case a
 * publisher must re-sign an old root by hand); a key the folder does not
 * hold is not an error. */
int release_keys_retire(const char *keys_dir, const char *keyid, bl_error *err);

/* Deletes keyid's file: a key made by a run that then failed, which no
 * metadata lists. */
int release_keys_discard(const char *keys_dir, const char *keyid);

#endif
