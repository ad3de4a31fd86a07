/* SPDX-License-Identifier: Apache-2.0 */
/* bomiot-release init: a new repository and its keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/appname.h"
#include "release.h"
#include "release_keys.h"
#include "release_repo.h"

/* "ROLE=N" with 1 <= N <= max into values[role]. */
static int role_value(const char *text, int max, int values[RELEASE_ROLES])
{
    char name[16], *end;
    const char *eq = strchr(text, '=');
    long n;
    int role;

    if (!eq || (size_t)(eq - text) >= sizeof name)
        return 0;
    memcpy(name, text, (size_t)(eq - text));
    name[eq - text] = '\0';
    n = strtol(eq + 1, &end, 10);
    if ((role = release_role(name)) < 0 || *end || eq[1] == '\0' || n < 1 || n > max)
        return 0;
    values[role] = (int)n;
    return 1;
}

static int run_init(const release_env *env, int argc, char **argv)
{
    int count[RELEASE_ROLES] = {0, 0, 0, 0}, threshold[RELEASE_ROLES] = {0, 0, 0, 0};
    int consistent = 0, i, role;
    release_settings settings;
    release_repo repo;
    const char *app = NULL;
    bl_error err;
    int rc;

    release_settings_default(&settings);
    for (i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--consistent-snapshot") == 0) {
            consistent = 1;
            continue;
        }
        if (!value)
            return release_usage(&release_verb_init);
        if (strcmp(argv[i], "--app") == 0)
            app = value;
        else if (strcmp(argv[i], "--key-type") == 0 && strlen(value) < sizeof settings.key_type)
            snprintf(settings.key_type, sizeof settings.key_type, "%s", value);
        else if (strcmp(argv[i], "--threshold") == 0 ? !role_value(value, 32, threshold)
                 : strcmp(argv[i], "--role-keys") == 0 ? !role_value(value, 32, count)
                 : strcmp(argv[i], "--expires") == 0   ? !role_value(value, 36500, settings.expires_days)
                                                       : 1) {
            fprintf(stderr, "bomiot-release init: bad option %s %s\n", argv[i], value);
            return release_usage(&release_verb_init);
        }
        i++;
    }
    if (!app) {
        fprintf(stderr, "bomiot-release init: --app NAME is required: the name the launcher's app_name gives, "
                        "which names the targets NAME-VERSION.tar.gz (" BL_APP_NAME_RULE ")\n");
        return release_usage(&release_verb_init);
    }
    bl_error_clear(&err);
    if (bl_app_name_check(app, &err) != BL_OK) {
        fprintf(stderr, "bomiot-release init: --app: %s\n", err.msg);
        return release_usage(&release_verb_init);
    }
    snprintf(settings.app, sizeof settings.app, "%s", app);
    if (!release_keys_type_ok(settings.key_type, &err)) {
        fprintf(stderr, "bomiot-release init: --key-type: %s\n", err.msg);
        return release_usage(&release_verb_init);
    }
    for (role = 0; role < RELEASE_ROLES; role++) {
        if (!threshold[role])
            threshold[role] = 1;
        if (!count[role])
            count[role] = threshold[role];
        if (threshold[role] > count[role]) {
            fprintf(stderr, "bomiot-release init: %s threshold %d is more than its %d key%s\n",
                    release_role_names[role], threshold[role], count[role], count[role] == 1 ? "" : "s");
            return RELEASE_USAGE;
        }
    }

    bl_error_clear(&err);
    rc = release_repo_create(env, &settings, count, threshold, consistent, &repo, &err);
    if (rc == BL_OK)
        rc = release_repo_commit(&repo, &err);
    release_repo_close(&repo);
    if (rc != BL_OK) {
        fprintf(stderr, "bomiot-release init: %s\n", err.msg);
        return RELEASE_FAILED;
    }
    printf("created the repository %s for %s\n", env->repo_dir, app);
    for (role = 0; role < RELEASE_ROLES; role++)
        printf("  %-9s %d of %d %s key%s, metadata expires after %d day%s\n", release_role_names[role],
               threshold[role], count[role], settings.key_type, count[role] == 1 ? "" : "s",
               settings.expires_days[role],
               settings.expires_days[role] == 1 ? "" : "s");
    printf("private keys and settings: %s (keep it safe and out of the repository)\n", env->keys_dir);
    printf("trusted root: %s/metadata/1.root.json -- ship it with the app as <install>/resources/root.json\n",
           env->repo_dir);
    return RELEASE_OK;
}

const release_verb release_verb_init = {
    "init",
    "--app NAME [--key-type ed25519|ecdsa] [--threshold ROLE=N]... [--role-keys ROLE=N]...\n"
    "                 [--expires ROLE=DAYS]... [--consistent-snapshot]",
    "create a repository and its keys, <role>-<keyid>.key (ROLE: root, targets, snapshot, timestamp;\n"
    "                 NAME: launcher.json's app_name, ASCII letters, digits, '_' and '-'; keys ed25519\n"
    "                 unless --key-type ecdsa (P-256), the type keys add and rotate make too)",
    run_init};
