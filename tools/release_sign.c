/* SPDX-License-Identifier: Apache-2.0 */
/* bomiot-release rollout, sign and refresh-expiry: verbs that change no
 * file in targets/, only metadata and its signatures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "release.h"
#include "release_repo.h"
#include "release_util.h"
#include "start/version.h"

static int fail(const char *verb, const bl_error *err)
{
    fprintf(stderr, "bomiot-release %s: %s\n", verb, err->msg);
    return RELEASE_FAILED;
}

/* ---- rollout ---- */

static cJSON *object_in(cJSON *parent, const char *name)
{
    cJSON *child = cJSON_GetObjectItemCaseSensitive(parent, name);
    if (cJSON_IsObject(child))
        return child;
    cJSON_DeleteItemFromObjectCaseSensitive(parent, name);
    return cJSON_AddObjectToObject(parent, name);
}

/* The archive target of the release equal to version (by PEP 440: "v1.0"
 * finds 1.0), in targets.json; NULL with err if none. */
static cJSON *find_archive(const release_repo *repo, const char *version, bl_error *err)
{
    cJSON *t, *targets = cJSON_GetObjectItemCaseSensitive(release_repo_signed(repo, BL_TRUST_TARGETS), "targets");
    bl_version wanted, v;
    char text[BL_VERSION_MAX_TEXT];
    int kind;

    if (bl_version_parse(version, &wanted, err) != BL_OK)
        return NULL;
    cJSON_ArrayForEach(t, targets)
    {
        if (release_repo_target_version(repo, t->string, text, sizeof text, &kind) && !kind &&
            bl_version_parse(text, &v, NULL) == BL_OK && bl_version_compare(&v, &wanted) == 0)
            return t;
    }
    bl_error_set(err, BL_ENOTFOUND, "version %s is not published (no %s-%s" RELEASE_ARCHIVE_SUFFIX " in targets.json)",
                 version, repo->settings.app, version);
    return NULL;
}

static int run_rollout(const release_env *env, int argc, char **argv)
{
    release_repo repo;
    cJSON *target, *user;
    char version[BL_VERSION_MAX_TEXT];
    bl_error err;
    int percent, rc, kind;

    if (argc != 3)
        return release_usage(&release_verb_rollout);
    if (!release_util_percent(argv[2], &percent)) {
        fprintf(stderr, "bomiot-release rollout: a whole percentage 0..100, not '%s'\n", argv[2]);
        return RELEASE_USAGE;
    }
    bl_error_clear(&err);
    if ((rc = release_repo_open(env, &repo, &err)) != BL_OK)
        goto cleanup;
    if (!(target = find_archive(&repo, argv[1], &err))) {
        rc = err.code;
        goto cleanup;
    }
    release_repo_target_version(&repo, target->string, version, sizeof version, &kind);
    user = object_in(object_in(target, "custom"), "user");
    cJSON_DeleteItemFromObjectCaseSensitive(user, "rollout");
    cJSON_AddNumberToObject(user, "rollout", percent);
    release_repo_touch(&repo, BL_TRUST_TARGETS);
    if ((rc = release_repo_commit(&repo, &err)) != BL_OK)
        goto cleanup;
    if (percent == 0)
        printf("%s %s: rollout halted (0%%); installations that have not taken it never will until it is raised\n",
               repo.settings.app, version);
    else
        printf("%s %s now rolls out to %d%% of installations\n", repo.settings.app, version, percent);
cleanup:
    release_repo_close(&repo);
    return rc == BL_OK ? RELEASE_OK : fail("rollout", &err);
}

/* ---- what needs signing ---- */

static int64_t expires_of(const release_repo *r, int role)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(release_repo_signed(r, role), "expires");
    int64_t t = 0;
    if (!cJSON_IsString(e) || !bl_trust_parse_time(e->valuestring, &t))
        return 0;
    return t;
}

/* Whether role's document carries a threshold of valid signatures by the
 * keys the current root gives it (a key added or rotated since, by hand or
 * by another publisher, leaves it short). */
static int signatures_ok(const release_repo *r, int role)
{
    bl_trust_metadata *root = NULL, *md = NULL;
    char *root_text = NULL, *text = NULL;
    size_t root_len, len;
    bl_error err;
    int ok = 0;

    root_text = cJSON_PrintUnformatted(r->doc[BL_TRUST_ROOT]);
    text = cJSON_PrintUnformatted(r->doc[role]);
    if (root_text && text) {
        root_len = strlen(root_text);
        len = strlen(text);
        ok = bl_trust_parse(root_text, root_len, root_len, BL_TRUST_ROOT, "root", &root, &err) == BL_OK &&
             bl_trust_parse(text, len, len, role, release_role_names[role], &md, &err) == BL_OK &&
             bl_trust_verify(md, root->keys, &root->roles[role], release_role_names[role], release_role_names[role],
                             &err) == BL_OK;
    }
    bl_trust_metadata_free(root);
    bl_trust_metadata_free(md);
    free(root_text);
    free(text);
    return ok;
}

static void print_signed(const release_repo *r, const int touched[RELEASE_ROLES])
{
    int role;
    for (role = 0; role < RELEASE_ROLES; role++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(release_repo_signed(r, role), "version");
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(release_repo_signed(r, role), "expires");
        if (touched[role])
            printf("signed %-9s version %.0f, expires %s\n", release_role_names[role], v->valuedouble,
                   e->valuestring);
    }
}

static int commit_and_print(release_repo *r, const char *verb)
{
    int touched[RELEASE_ROLES], any = 0, role;
    bl_error err;

    memcpy(touched, r->touched, sizeof touched);
    for (role = 0; role < RELEASE_ROLES; role++)
        any |= touched[role];
    if (!any) {
        printf("nothing needs signing: every role is signed by its keys and unexpired\n");
        return RELEASE_OK;
    }
    bl_error_clear(&err);
    if (release_repo_commit(r, &err) != BL_OK)
        return fail(verb, &err);
    print_signed(r, touched);
    return RELEASE_OK;
}

static int run_sign(const release_env *env, int argc, char **argv)
{
    release_repo repo;
    bl_error err;
    int i, role, rc;

    for (i = 1; i < argc; i++)
        if (release_role(argv[i]) < 0) {
            fprintf(stderr, "bomiot-release sign: '%s' is not a role (root, targets, snapshot, timestamp)\n", argv[i]);
            return RELEASE_USAGE;
        }
    bl_error_clear(&err);
    if (release_repo_open(env, &repo, &err) != BL_OK) {
        release_repo_close(&repo);
        return fail("sign", &err);
    }
    if (argc > 1) {
        for (i = 1; i < argc; i++)
            release_repo_touch(&repo, release_role(argv[i]));
    } else {
        for (role = 0; role < RELEASE_ROLES; role++)
            if (!signatures_ok(&repo, role) || expires_of(&repo, role) <= env->now)
                release_repo_touch(&repo, role);
    }
    rc = commit_and_print(&repo, "sign");
    release_repo_close(&repo);
    return rc;
}

static int run_refresh_expiry(const release_env *env, int argc, char **argv)
{
    release_repo repo;
    bl_error err;
    long within = 2;
    char *end;
    int role, rc;

    if (argc == 3 && strcmp(argv[1], "--within") == 0) {
        within = strtol(argv[2], &end, 10);
        if (*end || end == argv[2] || within < 0 || within > 36500)
            return release_usage(&release_verb_refresh_expiry);
    } else if (argc != 1) {
        return release_usage(&release_verb_refresh_expiry);
    }
    bl_error_clear(&err);
    if (release_repo_open(env, &repo, &err) != BL_OK) {
        release_repo_close(&repo);
        return fail("refresh-expiry", &err);
    }
    /* timestamp and snapshot every run (they live days); the long-lived
     * roles only when they are close to expiring */
    release_repo_touch(&repo, BL_TRUST_SNAPSHOT);
    for (role = 0; role < RELEASE_ROLES; role++)
        if (expires_of(&repo, role) <= env->now + (int64_t)within * 86400)
            release_repo_touch(&repo, role);
    rc = commit_and_print(&repo, "refresh-expiry");
    release_repo_close(&repo);
    return rc;
}

const release_verb release_verb_rollout = {
    "rollout", "VERSION PCT", "offer VERSION to PCT% of installations (0 halts the rollout)", run_rollout};
const release_verb release_verb_sign = {
    "sign", "[ROLE]...", "re-sign roles with a new version (default: those short of signatures or expired)",
    run_sign};
const release_verb release_verb_refresh_expiry = {
    "refresh-expiry", "[--within DAYS]",
    "re-sign timestamp and snapshot, and roles expiring within DAYS (default 2); for a cron job",
    run_refresh_expiry};
