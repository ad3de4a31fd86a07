/* SPDX-License-Identifier: Apache-2.0 */
/* The repository as the publisher edits it: the four top-level metadata
 * documents in memory, changed by the verbs, then signed with the keys
 * folder's keys and written back in the order that keeps the repository
 * readable at every moment (targets files first, then root, targets,
 * snapshot, and timestamp last: a client that reads the old timestamp
 * still finds what it lists, with consistent snapshots).
 *
 *   <repo>/metadata/1.root.json ... N.root.json, root.json (= N)
 *   <repo>/metadata/timestamp.json, snapshot.json, targets.json
 *                   (and N.snapshot.json, N.targets.json with consistent snapshots)
 *   <repo>/targets/<name>  (and <sha256>.<name> with consistent snapshots)
 *   <keys>/settings.json   the app name, the key type and expiry periods
 *   <keys>/<role>-<keyid>.key  private keys (release_keys.h)
 */
#ifndef BL_RELEASE_REPO_H
#define BL_RELEASE_REPO_H

#include <cJSON.h>

#include "base/appname.h"
#include "base/error.h"
#include "base/fsutil.h"
#include "release.h"
#include "tuf/trust.h"

#define RELEASE_ROLES 4 /* indexed by enum bl_trust_type */
#define RELEASE_APP_MAX BL_APP_NAME_MAX
#define RELEASE_LINKS_MAX 4 /* new targets per run: add makes 3 */
#define RELEASE_ARCHIVE_SUFFIX ".tar.gz" /* targets {app}-{version}.tar.gz */
#define RELEASE_PATCH_SUFFIX ".patch"    /* {app}-{version}.patch: BSDIFF40, tufup's */
#define RELEASE_ZPATCH_SUFFIX ".zpatch"  /* {app}-{version}.zpatch: the zstd format */

/* What a target name is (release_repo_target_version, release_target_split). */
enum release_target_kind { RELEASE_ARCHIVE = 0, RELEASE_PATCH = 1, RELEASE_ZPATCH = 2 };

extern const char *const release_role_names[RELEASE_ROLES]; /* "root", "timestamp", ... */

/* enum bl_trust_type of a role name, or -1. */
int release_role(const char *name);

typedef struct {
    char app[RELEASE_APP_MAX]; /* target names are {app}-{version}.tar.gz / .patch */
    char key_type[16];         /* of keys init and keys add/rotate make: release_keys.h */
    int expires_days[RELEASE_ROLES];
} release_settings;

/* Defaults: ed25519 keys; root 365 days, targets 90, snapshot 7, timestamp 1. */
void release_settings_default(release_settings *s);

typedef struct {
    const release_env *env;
    char metadata_dir[BL_PATH_MAX];
    char targets_dir[BL_PATH_MAX];
    release_settings settings;
    cJSON *doc[RELEASE_ROLES]; /* {"signed": ..., "signatures": [...]} */
    cJSON *old_root;           /* root's "signed" before this run changed it */
    int touched[RELEASE_ROLES];
    int written;                                     /* a commit began writing metadata */
    char linked[RELEASE_LINKS_MAX][BL_PATH_MAX];     /* <sha256>.<name> links this run made */
    int linked_count;
} release_repo;

/* Refuses a keys folder inside (or equal to) the repository folder: the
 * repository is published whole, and the keys must never be. */
int release_repo_check_dirs(const release_env *env, bl_error *err);

/* A new repository: settings saved, empty targets, keys generated (count[r]
 * keys per role with threshold[r]); commit writes it. Fails if the
 * repository already has metadata. */
int release_repo_create(const release_env *env, const release_settings *settings, const int count[RELEASE_ROLES],
                        const int threshold[RELEASE_ROLES], int consistent_snapshot, release_repo *r,
                        bl_error *err);

/* Loads an existing repository and its settings. */
int release_repo_open(const release_env *env, release_repo *r, bl_error *err);
void release_repo_close(release_repo *r);

/* The "signed" part of a role's document, to read or change. */
cJSON *release_repo_signed(const release_repo *r, int role);

/* Marks role for a new version, expiry and signatures at commit, with the
 * roles that list it (targets -> snapshot -> timestamp). Changing root's
 * keys or thresholds: call release_repo_touch(r, BL_TRUST_ROOT) first, so
 * the new root is signed by the old root keys as well as the new ones. */
void release_repo_touch(release_repo *r, int role);

/* Signs every touched role, then (only if all could be signed) writes them:
 * a failure to sign changes no file. Sets r->written once writing began. */
int release_repo_commit(release_repo *r, bl_error *err);

/* The key ids of role in the current root (a cJSON array of strings). */
const cJSON *release_repo_keyids(const release_repo *r, int role);

/* The version a target name {app}-{version}.tar.gz, .patch or .zpatch
 * carries, into version, and which kind it is (enum release_target_kind:
 * nonzero for either patch); 0 for any other name (another app, another
 * file, a version longer than size). The version is not parsed here. */
int release_repo_target_version(const release_repo *r, const char *name, char *version, size_t size, int *kind);

/* Any app's target name split as tufup reads it (^[\w-]+-(.+)(\.tar\.gz|\.patch)$,
 * and .zpatch the same way: the app is the longest run of letters, digits,
 * '_' and '-' at the start, up to its last '-'), for readers that have no
 * settings (ls); kind as above. 1 on success, 0 for another name or one
 * longer than the buffers. Pure. */
int release_target_split(const char *name, char *app, size_t app_size, char *version, size_t version_size,
                         int *kind);

/* Where a target lives: <repo>/targets/<name>. */
int release_repo_target_path(const release_repo *r, const char *name, char *out, size_t size, bl_error *err);

/* Adds (or replaces) a target entry for a file already in targets/: its
 * length and sha256 from the file, and custom (owned by the entry after the
 * call; may be NULL). With consistent snapshots, also links the file as
 * targets/<sha256>.<name>. Touches targets. */
int release_repo_add_target(release_repo *r, const char *name, cJSON *custom, bl_error *err);

/* Removes the targets/<sha256>.<name> links release_repo_add_target made in
 * this run: for a run that fails before its commit wrote anything. */
void release_repo_discard_links(release_repo *r);

#endif
