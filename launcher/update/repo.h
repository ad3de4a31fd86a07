/* SPDX-License-Identifier: Apache-2.0 */
/* The update repository as the launcher sees it: the TUF client workflow's
 * I/O driver over trust.h (which does every check) and fetch.h (which does
 * every transfer), in the spec's order, persisting each verified metadata
 * file atomically in the metadata folder. See trust.h for the steps.
 *
 *   <url>/metadata/N.root.json, timestamp.json, [N.]snapshot.json,
 *                  [N.]targets.json, [N.]<delegated role>.json
 *   <url>/targets/<target path>   ([hash.]name with consistent snapshots)
 */
#ifndef BL_REPO_H
#define BL_REPO_H

#include <stdint.h>

#include "base/error.h"
#include "fetch.h"
#include "tuf/trust.h"

typedef struct {
    const char *metadata_dir;  /* trusted copies: root.json, timestamp.json, ... */
    const char *base_url;      /* the repository, without a trailing '/' */
    const char *metadata_url;  /* when set, used instead of <base_url>/metadata */
    const char *targets_url;   /* when set, used instead of <base_url>/targets */
    const char *shipped_root;  /* used when metadata_dir has no root.json yet; may be NULL */
    int64_t now;               /* UTC seconds, fixed for the whole refresh (TUF 5.1) */
    const bl_fetch_options *fetch;
} bl_repo;

/* Copies a root file into metadata_dir/root.json after checking it parses and
 * is signed by its own threshold (the conformance CLI's "init"). */
int bl_repo_init(const char *metadata_dir, const char *root_file, int64_t now, bl_error *err);

/* TUF 5.1-5.6: refreshes root, timestamp, snapshot and targets. On success
 * *out holds trusted, current metadata (free with bl_trust_free). */
int bl_repo_refresh(const bl_repo *repo, bl_trust **out, bl_error *err);

/* TUF 5.6.7: finds target_path, fetching delegated roles as needed (each
 * persisted as <url-encoded role>.json). */
int bl_repo_find_target(const bl_repo *repo, bl_trust *t, const char *target_path,
                        const bl_trust_target **out, bl_error *err);

/* TUF 5.7: downloads target into path (resuming a partial file), then checks
 * its length and hashes; a file that fails the check is deleted. */
int bl_repo_download_target(const bl_repo *repo, const bl_trust *t, const bl_trust_target *target,
                            const char *path, bl_error *err);

/* in with every byte outside [A-Za-z0-9._-] percent-encoded ("a/b" is
 * "a%2Fb"): delegated role names in URLs and file names, and anything else
 * that must become one plain file name. 0 if it did not fit in size. */
int bl_repo_url_encode(const char *in, char *out, size_t size);

#endif
