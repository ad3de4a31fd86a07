/* SPDX-License-Identifier: Apache-2.0 */
/* bomiot-release: the publisher's command-line tool. Each verb lives in its
 * own file and is listed once in a table: release_main.c's (diff, patch) or
 * release_repo_verbs.c's (the rest). */
#ifndef BL_RELEASE_H
#define BL_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* What every verb may need, from the global options and the environment. */
typedef struct {
    const char *repo_dir; /* --repo, BOMIOT_RELEASE_REPO, ./repository */
    const char *keys_dir; /* --keys, BOMIOT_RELEASE_KEYS, ./keystore */
    int64_t now;          /* UTC seconds: BOMIOT_RELEASE_NOW, or the clock */
} release_env;

typedef struct {
    const char *name;     /* "diff" */
    const char *args;     /* "OLD NEW PATCH", for the usage line */
    const char *summary;  /* one line for --help */
    /* argv[0] is the verb; returns the exit code */
    int (*run)(const release_env *env, int argc, char **argv);
} release_verb;

/* Exit codes shared by every verb. */
enum { RELEASE_OK = 0, RELEASE_FAILED = 1, RELEASE_USAGE = 2 };

/* Prints "usage: bomiot-release <verb> <args>" to stderr; returns RELEASE_USAGE. */
int release_usage(const release_verb *verb);

/* The verbs that publish into a repository (init ... ls), in the order --help
 * lists them. They need libcurl's and libarchive's stacks (49 shared
 * libraries, 9 MB of a process's memory before it does anything), which diff
 * and patch do not: where shared libraries load at run time they live in the
 * module bomiot-release-repo-<version><suffix> beside bomiot-release, loaded
 * by the first verb that needs them (release_repo_dl.c); elsewhere they are
 * built in (release_repo_builtin.c). Fills *verbs and *count, or err. */
int release_repo_verbs(const release_verb *const **verbs, size_t *count, bl_error *err);

/* The module's table and its one exported entry, which checks that the module
 * comes from the same build (RELEASE_ABI) before handing the table out. */
#define RELEASE_ABI BL_VERSION_STRING " verb%zu env%zu"
#define RELEASE_ABI_MAX 64
#define RELEASE_REPO_ENTRY "release_repo_entry"
typedef const release_verb *const *(*release_repo_entry_fn)(const char *abi, size_t *count);
const release_verb *const *release_repo_entry(const char *abi, size_t *count);
extern const release_verb *const release_repo_table[];
extern const size_t release_repo_table_size;
void release_abi(char *out, size_t size); /* RELEASE_ABI filled in */

extern const release_verb release_verb_init;
extern const release_verb release_verb_add;
extern const release_verb release_verb_rollout;
extern const release_verb release_verb_keys;
extern const release_verb release_verb_sign;
extern const release_verb release_verb_refresh_expiry;
extern const release_verb release_verb_verify;
extern const release_verb release_verb_ls;
extern const release_verb release_verb_diff;
extern const release_verb release_verb_patch;

#endif
