/* SPDX-License-Identifier: Apache-2.0 */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "start/rollout.h"

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

int bl_plan_parse_target_name(const char *name, const char *app, char *version, size_t size)
{
    size_t n = strlen(name), a = strlen(app), vlen;
    int kind;

    if (ends_with(name, n, ".tar.gz")) {
        kind = BL_TARGET_ARCHIVE;
        n -= 7;
    } else if (ends_with(name, n, ".zpatch")) { /* before .patch: not a tufup name */
        kind = BL_TARGET_ZPATCH;
        n -= 7;
    } else if (ends_with(name, n, ".patch")) {
        kind = BL_TARGET_PATCH;
        n -= 6;
    } else {
        return BL_TARGET_OTHER;
    }
    /* "{app}-": the app name itself may contain '-', so match it exactly. */
    if (n <= a + 1 || memcmp(name, app, a) != 0 || name[a] != '-')
        return BL_TARGET_OTHER;
    vlen = n - a - 1;
    if (vlen >= size)
        return BL_TARGET_OTHER;
    memcpy(version, name + a + 1, vlen);
    version[vlen] = '\0';
    return bl_version_is_safe_name(version) ? kind : BL_TARGET_OTHER;
}

int bl_plan_app_of_target(const char *name, char *app, size_t size)
{
    size_t n = strlen(name), a;
    const char *dash;

    if (!ends_with(name, n, ".tar.gz"))
        return 0;
    n -= 7;
    for (dash = name + n; dash > name; dash--) {
        char version[BL_VERSION_MAX_TEXT];
        bl_version parsed;
        size_t vlen = n - (size_t)(dash - name);
        if (dash[-1] != '-' || vlen == 0 || vlen >= sizeof version)
            continue;
        memcpy(version, dash, vlen);
        version[vlen] = '\0';
        if (bl_version_parse(version, &parsed, NULL) == BL_OK)
            break;
    }
    if (dash == name || (a = (size_t)(dash - name) - 1) == 0 || a >= size ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") < a)
        return 0;
    memcpy(app, name, a);
    app[a] = '\0';
    return 1;
}

static int compare_releases(const void *a, const void *b)
{
    return bl_version_compare_text(((const bl_release *)a)->version, ((const bl_release *)b)->version);
}

void bl_plan_sort(bl_release *releases, int *count)
{
    int i, kept = 0;
    for (i = 0; i < *count; i++) {
        if (bl_version_is_safe_name(releases[i].version))
            releases[kept++] = releases[i];
    }
    *count = kept;
    qsort(releases, (size_t)kept, sizeof *releases, compare_releases);
}

static int is_prerelease(const char *version)
{
    bl_version v;
    return bl_version_parse(version, &v, NULL) == BL_OK && bl_version_is_prerelease(&v);
}

/* Whether version begins with the machine policy's pin ("" pins nothing). */
static int is_pinned_in(const char *version, const char *pin)
{
    bl_version v;
    return !*pin || (bl_version_parse(version, &v, NULL) == BL_OK && bl_version_has_prefix(&v, pin));
}

/* Whether the channel, the blocked list and the rollout let this
 * installation have r; counts what each held back. */
static int is_offered(const bl_release *r, int allow_prerelease, const bl_state *state, int *skipped_blocked,
                      int *skipped_rollout)
{
    if (!r->has_archive || (!allow_prerelease && is_prerelease(r->version)))
        return 0;
    if (bl_state_is_blocked(state, r->version)) {
        (*skipped_blocked)++;
        return 0;
    }
    if (!bl_rollout_takes(state->install_id, r->version, r->rollout)) {
        (*skipped_rollout)++;
        return 0;
    }
    return 1;
}

/* Pinned while current is outside the pin (installed before the policy
 * said so): the newest release inside it, below current or not; the caller
 * takes it when it is below. */
static int back_into_pin(const bl_release *releases, int count, const char *current, int allow_prerelease,
                         const bl_state *state, const char *pin, char *why, size_t why_size)
{
    int i, skipped_blocked = 0, skipped_rollout = 0;
    for (i = count - 1; i >= 0; i--) {
        const bl_release *r = &releases[i];
        if (is_pinned_in(r->version, pin) && is_offered(r, allow_prerelease, state, &skipped_blocked, &skipped_rollout)) {
            snprintf(why, why_size, "%s is the newest release the machine policy allows (target_version_prefix %s); "
                     "%s is outside it", r->version, pin, current);
            return i;
        }
    }
    snprintf(why, why_size, "no release the machine policy allows (target_version_prefix %s) can be installed%s; "
             "staying at %s", pin, skipped_blocked ? " (those there are blocked after failing their trial)" : "",
             current);
    return -1;
}

int bl_plan_target_pinned(const bl_release *releases, int count, const char *current, int allow_prerelease,
                          const bl_state *state, const char *pin, char *why, size_t why_size)
{
    int i, stop = count, best = -1, skipped_blocked = 0, skipped_rollout = 0;

    if (!is_pinned_in(current, pin)) {
        int back = back_into_pin(releases, count, current, allow_prerelease, state, pin, why, why_size);
        if (back < 0 || bl_version_compare_text(releases[back].version, current) < 0)
            return back;
        /* the pin is ahead of current: the way forward, as without one */
    }
    /* tufup: a required release must be installed before anything after it.
     * Like tufup, look for it only among the archives the channel offers: a
     * required pre-release does not hold back a stable channel. One blocked
     * here (it failed its trial) can never be installed, so it stops
     * nothing either: the releases after it, its fixes, are offered. Nor
     * does one outside the machine policy's pin. */
    for (i = 0; i < count; i++) {
        const bl_release *r = &releases[i];
        if (!r->required || !r->has_archive || bl_version_compare_text(r->version, current) <= 0)
            continue;
        if ((!allow_prerelease && is_prerelease(r->version)) || bl_state_is_blocked(state, r->version) ||
            !is_pinned_in(r->version, pin))
            continue;
        stop = i + 1;
        break;
    }
    for (i = 0; i < stop; i++) {
        const bl_release *r = &releases[i];
        if (bl_version_compare_text(r->version, current) <= 0 || !is_pinned_in(r->version, pin))
            continue;
        if (is_offered(r, allow_prerelease, state, &skipped_blocked, &skipped_rollout))
            best = i;
    }
    if (best < 0) {
        snprintf(why, why_size, "already up to date at %s%s%s%s%s", current,
                 skipped_blocked ? " (newer versions are blocked after failing their trial)" : "",
                 skipped_rollout ? " (a newer release is rolling out to other installations first)" : "",
                 *pin ? " within the machine policy's target_version_prefix " : "", pin);
        return -1;
    }
    snprintf(why, why_size, "%s is newer than %s%s", releases[best].version, current,
             stop < count ? " (a required release, installed before later ones)" : "");
    return best;
}

int bl_plan_target(const bl_release *releases, int count, const char *current, int allow_prerelease,
                   const bl_state *state, char *why, size_t why_size)
{
    return bl_plan_target_pinned(releases, count, current, allow_prerelease, state, "", why, why_size);
}

static int index_of(const bl_release *releases, int count, const char *version)
{
    int i;
    for (i = 0; i < count; i++) {
        if (bl_version_compare_text(releases[i].version, version) == 0)
            return i;
    }
    return -1;
}

int bl_plan_step_format(const bl_release *r, uint64_t *length)
{
    uint64_t worth = r->tar_size / BL_PLAN_ZSTD_TAR_BYTES_PER_EXTRA;
    if (r->has_zpatch && (!r->has_patch || r->zpatch_length <= r->patch_length ||
                          r->zpatch_length - r->patch_length <= worth)) {
        *length = r->zpatch_length;
        return BL_PLAN_ZSTD;
    }
    *length = r->has_patch ? r->patch_length : 0;
    return r->has_patch ? BL_PLAN_BSDIFF40 : BL_PLAN_NO_PATCH;
}

const char *bl_plan_format_name(int format)
{
    return format == BL_PLAN_ZSTD ? "zstd" : format == BL_PLAN_BSDIFF40 ? "bsdiff40" : "none";
}

void bl_plan_path(const bl_release *releases, int count, const char *current, int target, int incremental,
                  int have_current_tar, int max_percent, bl_plan *plan)
{
    const bl_release *t = &releases[target];
    int from = index_of(releases, count, current);
    uint64_t patch_bytes = 0, allowed;
    int i, steps[3] = {0, 0, 0}; /* by enum bl_plan_patch_format */
    char formats[48];

    memset(plan, 0, sizeof *plan);
    plan->target = target;
    plan->method = BL_PLAN_ARCHIVE;
    plan->download_bytes = t->archive_length;
    if (!incremental) {
        snprintf(plan->why, sizeof plan->why, "full archive (incremental updates are off)");
        return;
    }
    if (!have_current_tar) {
        snprintf(plan->why, sizeof plan->why, "full archive (no cached copy of %s to patch)", current);
        return;
    }
    if (from > target) {
        snprintf(plan->why, sizeof plan->why, "full archive (going back from %s: patches only go forward)", current);
        return;
    }
    if (from < 0 || from == target) {
        snprintf(plan->why, sizeof plan->why, "full archive (%s is not a release of this repository)", current);
        return;
    }
    for (i = from + 1; i <= target; i++) {
        uint64_t length;
        int format = bl_plan_step_format(&releases[i], &length);
        if (format == BL_PLAN_NO_PATCH) {
            snprintf(plan->why, sizeof plan->why, "full archive (no patch to %s)", releases[i].version);
            return;
        }
        if (length > UINT64_MAX - patch_bytes)
            return;
        patch_bytes += length;
        steps[format]++;
    }
    /* floor(archive * max_percent / 100), without overflow: patch_bytes
     * is above it exactly when patch_bytes * 100 > archive * max_percent. */
    if (max_percent < 0)
        max_percent = 0;
    allowed = t->archive_length / 100 * (uint64_t)max_percent + t->archive_length % 100 * (uint64_t)max_percent / 100;
    if (patch_bytes > allowed) {
        snprintf(plan->why, sizeof plan->why,
                 "full archive (%llu bytes): %d patch(es) (%llu bytes) would be more than %d%% of it",
                 (unsigned long long)t->archive_length, target - from, (unsigned long long)patch_bytes, max_percent);
        return;
    }
    plan->method = BL_PLAN_PATCHES;
    plan->first_patch = from + 1;
    plan->last_patch = target;
    plan->download_bytes = patch_bytes;
    /* the formats it takes, for the log: "zstd", "bsdiff40" or both counted */
    if (steps[BL_PLAN_ZSTD] && steps[BL_PLAN_BSDIFF40])
        snprintf(formats, sizeof formats, "%d zstd, %d bsdiff40", steps[BL_PLAN_ZSTD], steps[BL_PLAN_BSDIFF40]);
    else
        snprintf(formats, sizeof formats, "%s", steps[BL_PLAN_ZSTD] ? "zstd" : "bsdiff40");
    snprintf(plan->why, sizeof plan->why, "%d patch(es) (%s), %llu bytes instead of %llu for the full archive",
             target - from, formats, (unsigned long long)patch_bytes, (unsigned long long)t->archive_length);
}
