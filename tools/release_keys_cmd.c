/* SPDX-License-Identifier: Apache-2.0 */
/* bomiot-release keys add|rotate|revoke: changes to root's keys. Every
 * change is a new root version, N+1.root.json, signed by a threshold of the
 * old root keys and of the new ones, so installed clients follow it (TUF
 * 5.3); the role whose keys changed is re-signed with its new keys. */
#include <stdio.h>
#include <string.h>

#include "release.h"
#include "release_keys.h"
#include "release_repo.h"

static cJSON *role_entry(release_repo *r, int role)
{
    return cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(release_repo_signed(r, BL_TRUST_ROOT), "roles"), release_role_names[role]);
}

static int used_by_any_role(release_repo *r, const char *keyid)
{
    const cJSON *id;
    int role;
    for (role = 0; role < RELEASE_ROLES; role++)
        cJSON_ArrayForEach(id, release_repo_keyids(r, role)) if (cJSON_IsString(id) &&
                                                                 strcmp(id->valuestring, keyid) == 0) return 1;
    return 0;
}

static int add_key(release_repo *r, int role, const char *key_type, char keyid[RELEASE_KEYID_SIZE], bl_error *err)
{
    cJSON *public_key, *keys = cJSON_GetObjectItemCaseSensitive(release_repo_signed(r, BL_TRUST_ROOT), "keys");
    int rc;
    if ((rc = release_keys_generate(r->env->keys_dir, release_role_names[role], key_type, keyid, err)) != BL_OK ||
        (rc = release_keys_public_json(r->env->keys_dir, keyid, &public_key, err)) != BL_OK)
        return rc;
    cJSON_AddItemToObject(keys, keyid, public_key);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(role_entry(r, role), "keyids"), cJSON_CreateString(keyid));
    return BL_OK;
}

/* Drops keyid from role; from root's key list too when no role uses it.
 * Returns 1 if it was listed. */
static int drop_key(release_repo *r, int role, const char *keyid)
{
    cJSON *ids = cJSON_GetObjectItemCaseSensitive(role_entry(r, role), "keyids");
    int i = 0, found = 0;
    const cJSON *id;
    cJSON_ArrayForEach(id, ids)
    {
        if (cJSON_IsString(id) && strcmp(id->valuestring, keyid) == 0) {
            found = 1;
            break;
        }
        i++;
    }
    if (!found)
        return 0;
    cJSON_DeleteItemFromArray(ids, i);
    if (!used_by_any_role(r, keyid))
        cJSON_DeleteItemFromObjectCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(release_repo_signed(r, BL_TRUST_ROOT), "keys"), keyid);
    return 1;
}

static int run_keys(const release_env *env, int argc, char **argv)
{
    char keyid[RELEASE_KEYID_SIZE], retire[32][RELEASE_KEYID_SIZE];
    int role, rc = BL_OK, retire_count = 0, i, is_add, is_rotate, is_revoke;
    const cJSON *id, *threshold;
    double root_version;
    release_repo repo;
    bl_error err;
    const char *key_type = NULL;

    /* keys add|rotate ROLE [--key-type TYPE] */
    if (argc == 5 && strcmp(argv[3], "--key-type") == 0) {
        key_type = argv[4];
        argc = 3;
    }
    if (argc < 3)
        return release_usage(&release_verb_keys);
    is_add = strcmp(argv[1], "add") == 0 && argc == 3;
    is_rotate = strcmp(argv[1], "rotate") == 0 && argc == 3;
    is_revoke = strcmp(argv[1], "revoke") == 0 && argc == 4;
    if ((!is_add && !is_rotate && !is_revoke) || (role = release_role(argv[2])) < 0)
        return release_usage(&release_verb_keys);

    bl_error_clear(&err);
    keyid[0] = '\0';
    if ((rc = release_repo_open(env, &repo, &err)) != BL_OK)
        goto cleanup;
    if (!key_type)
        key_type = repo.settings.key_type; /* init's --key-type */
    if (!release_keys_type_ok(key_type, &err)) {
        rc = err.code;
        goto cleanup;
    }
    release_repo_touch(&repo, BL_TRUST_ROOT); /* before the change: the old root signs too */
    if (role != BL_TRUST_ROOT)
        release_repo_touch(&repo, role);
    threshold = cJSON_GetObjectItemCaseSensitive(role_entry(&repo, role), "threshold");

    if (is_add) {
        rc = add_key(&repo, role, key_type, keyid, &err);
    } else if (is_rotate) {
        cJSON_ArrayForEach(id, release_repo_keyids(&repo, role)) if (cJSON_IsString(id) && retire_count < 32)
            snprintf(retire[retire_count++], RELEASE_KEYID_SIZE, "%s", id->valuestring);
        for (i = 0; i < retire_count; i++)
            drop_key(&repo, role, retire[i]);
        cJSON_ReplaceItemInObjectCaseSensitive(role_entry(&repo, role), "threshold", cJSON_CreateNumber(1));
        rc = add_key(&repo, role, key_type, keyid, &err);
    } else {
        int remaining = cJSON_GetArraySize(release_repo_keyids(&repo, role)) - 1;
        if (!drop_key(&repo, role, argv[3]))
            rc = bl_error_set(&err, BL_ENOTFOUND, "%s has no key %s", argv[2], argv[3]);
        else if (remaining < (int)threshold->valuedouble)
            rc = bl_error_set(&err, BL_EINVAL,
                              "revoking %.16s... would leave %s %d key%s, below its threshold of %d: add a key first",
                              argv[3], argv[2], remaining, remaining == 1 ? "" : "s", (int)threshold->valuedouble);
        else
            snprintf(retire[retire_count++], RELEASE_KEYID_SIZE, "%s", argv[3]);
    }
    if (rc != BL_OK || (rc = release_repo_commit(&repo, &err)) != BL_OK)
        goto cleanup;
    /* keys no role uses any more leave the folder once nothing needs them */
    for (i = 0; i < retire_count; i++)
        if (!used_by_any_role(&repo, retire[i]))
            release_keys_retire(env->keys_dir, retire[i], &err);

    if (!is_revoke)
        printf("%s key %s for %s (%s/%s-%s.key)\n", is_add ? "added" : "rotated in", keyid, argv[2], env->keys_dir,
               argv[2], keyid);
    for (i = 0; i < retire_count; i++)
        printf("%s key %s of %s (moved to %s/retired)\n", is_revoke ? "revoked" : "rotated out", retire[i], argv[2],
               env->keys_dir);
    root_version = cJSON_GetObjectItemCaseSensitive(release_repo_signed(&repo, BL_TRUST_ROOT), "version")->valuedouble;
    printf("root is now version %.0f (%s/metadata/%.0f.root.json, signed by the old and the new root keys)\n",
           root_version, env->repo_dir, root_version);
cleanup:
    /* a key made for a change that did not happen goes, unless a root listing it was written */
    if (rc != BL_OK && keyid[0] && !repo.written)
        release_keys_discard(env->keys_dir, keyid);
    release_repo_close(&repo);
    if (rc != BL_OK) {
        fprintf(stderr, "bomiot-release keys: %s\n", err.msg);
        return RELEASE_FAILED;
    }
    return RELEASE_OK;
}

const release_verb release_verb_keys = {
    "keys", "add ROLE [--key-type ed25519|ecdsa] | rotate ROLE [--key-type ed25519|ecdsa] | revoke ROLE KEYID",
    "change a role's keys; writes the next N.root.json signed by the old and new root keys\n"
    "                 (a new key is of init's --key-type unless --key-type says otherwise)",
    run_keys};
