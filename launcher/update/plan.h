/* SPDX-License-Identifier: Apache-2.0 */
/* Choosing what to install and how, as pure functions over what the trusted
 * targets metadata lists. tufup's repository holds, per release V, the full
 * archive {app}-V.tar.gz and (except the first) the patch {app}-V.patch from
 * the previous release's uncompressed tar to V's, in BSDIFF40. bomiot-release
 * may list beside it, or instead of it, {app}-V.zpatch: the same step in the
 * zstd format (docs/patch-format.md), which tufup and launchers before it
 * do not read. So the way from the current version C to a target T is either
 * T's archive, or one patch of every release after C up to T, applied in
 * order to C's tar: of a step that lists both, the one bl_plan_step_format
 * weighs cheaper (the zstd one applies faster, but on text it is often the
 * bigger download), else the one it lists. */
#ifndef BL_PLAN_H
#define BL_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "start/state.h"
#include "start/version.h"

#define BL_PLAN_MAX_RELEASES 512

typedef struct {
    char version[BL_VERSION_MAX_TEXT];
    int has_archive;
    uint64_t archive_length;
    int has_patch; /* {app}-V.patch, BSDIFF40 */
    uint64_t patch_length;
    int has_zpatch; /* {app}-V.zpatch, the zstd format */
    uint64_t zpatch_length;
    uint64_t tar_size; /* V's tar, as its patches' signed metadata state it (0: unknown) */
    int required;   /* tufup: a client stops here before going further */
    double rollout; /* percent of installations offered this release (100: all) */
} bl_release;

enum bl_plan_method { BL_PLAN_NOTHING = 0, BL_PLAN_ARCHIVE, BL_PLAN_PATCHES };

typedef struct {
    int method;                  /* enum bl_plan_method */
    int target;                  /* index into the releases */
    int first_patch, last_patch; /* indices of the patch chain, inclusive */
    uint64_t download_bytes;
    char why[256]; /* a sentence for the log */
} bl_plan;

enum bl_target_kind { BL_TARGET_OTHER = 0, BL_TARGET_ARCHIVE, BL_TARGET_PATCH, BL_TARGET_ZPATCH };

/* The format of the patch a release step takes (bl_plan_step_format). */
enum bl_plan_patch_format { BL_PLAN_NO_PATCH = 0, BL_PLAN_BSDIFF40, BL_PLAN_ZSTD };

/* Reads a target name, {app}-{version}.tar.gz or {app}-{version}.patch
 * (tufup: ^[\w-]+-(.+)(\.tar\.gz|\.patch)$) or {app}-{version}.zpatch
 * (bomiot-release's zstd format), for this app. Returns the kind, and the
 * version (a safe folder name) in version; BL_TARGET_OTHER for anything
 * else, including other apps' targets and unsafe versions. */
int bl_plan_parse_target_name(const char *name, const char *app, char *version, size_t size);

/* The app an archive target name {app}-{version}.tar.gz belongs to, whoever
 * it is (tufup: the name before the last '-' that a version follows), so a
 * repository with no releases of the configured app can say which it has.
 * Returns 1 and fills app (letters, digits, '_' and '-' only, so it may be
 * logged as it is), or 0 for anything else. Pure. */
int bl_plan_app_of_target(const char *name, char *app, size_t size);

/* Sorts releases by version, oldest first, dropping invalid versions. */
void bl_plan_sort(bl_release *releases, int *count);

/* Picks the target among sorted releases: the newest one above current that
 * the channel offers (pre-releases only when allow_prerelease), that has an
 * archive, that this installation is in the rollout of (state->install_id),
 * that is not blocked, and not beyond the first required release above
 * current among those the channel offers that is not blocked. Returns its
 * index, or -1 with why filled. */
int bl_plan_target(const bl_release *releases, int count, const char *current, int allow_prerelease,
                   const bl_state *state, char *why, size_t why_size);

/* bl_plan_target within the machine policy's pin (target_version_prefix; ""
 * none): only releases whose version begins with pin (bl_version_has_prefix),
 * a required one outside it stopping nothing; and when current itself is
 * outside the pin (a newer release came before the policy), the newest
 * release inside it that the channel, the blocked list and the rollout
 * offer, below current or not: going back to it. */
int bl_plan_target_pinned(const bl_release *releases, int count, const char *current, int allow_prerelease,
                          const bl_state *state, const char *pin, char *why, size_t why_size);

/* A zstd-format patch is worth one byte more download per this many bytes
 * of the tar it makes: its apply skips bzip2, which saved 1.8 ns a byte of
 * tar on bench/update's 300 MB app and 4.6 on the typescript text pair
 * (bench/RESULTS.md, issue 25); a slow office line (0.5-1 MB/s) downloads
 * tar / 1100 to tar / 220 bytes in that time. A judgement inside that
 * range, leaning to the smaller download: slow lines are where the bytes
 * count. */
#define BL_PLAN_ZSTD_TAR_BYTES_PER_EXTRA 512

/* The patch a chain takes to release r, and its length in *length (0 with
 * no patch): BL_PLAN_ZSTD or BL_PLAN_BSDIFF40 when only one is listed; with
 * both, the zstd one unless it is bigger than the BSDIFF40 one by more than
 * r->tar_size / BL_PLAN_ZSTD_TAR_BYTES_PER_EXTRA (the smaller one when the
 * tar's size is unknown); BL_PLAN_NO_PATCH with neither. */
int bl_plan_step_format(const bl_release *r, uint64_t *length);

/* "bsdiff40" or "zstd", as the CLI and the docs name them; "none". */
const char *bl_plan_format_name(int format);

/* Chooses the cheapest verified way to target: the patch chain when
 * incremental is on, the current version's tar is available, every release
 * between current (exclusive) and target (inclusive) has a patch (each
 * step's as bl_plan_step_format takes it), the chain starts right after
 * current (current itself must be a listed release) and costs at most
 * max_percent of the archive's bytes (tufup: MAX_SIZE_RATIO, 0.8); else
 * the archive. */
void bl_plan_path(const bl_release *releases, int count, const char *current, int target, int incremental,
                  int have_current_tar, int max_percent, bl_plan *plan);

#endif
