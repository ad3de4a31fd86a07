/* The trial of a newly switched-in version, as pure transitions of bl_state.
 * A new version starts on trial; it is confirmed by exiting 0, by writing the
 * health file, or by surviving the healthy time. It is rolled back, blocked
 * for good, when it dies of a signal or exits non-zero before the healthy
 * time, or when the launcher itself dies (power loss, kill) max_attempts
 * times before the version was confirmed. */
#ifndef BL_TRIAL_H
#define BL_TRIAL_H

#include <stddef.h>
#include <stdint.h>

#include "install.h"
#include "state.h"

#define BL_TRIAL_DEFAULT_HEALTHY_MS 10000
#define BL_TRIAL_DEFAULT_MAX_ATTEMPTS 2

enum bl_trial_verdict {
    BL_TRIAL_PENDING = 0, /* no verdict yet (or no trial) */
    BL_TRIAL_HEALTHY,
    BL_TRIAL_CRASHED
};

/* Makes version current on trial; the old current becomes previous. */
void bl_trial_begin(bl_state *state, const char *version);

/* Called once per launcher start, before the app starts. Counts the start if
 * the current version is on trial; returns 1 when the unconfirmed starts
 * reached max_attempts, i.e. the caller must roll back instead. */
int bl_trial_count_start(bl_state *state, int max_attempts);

/* How an app run on trial ended: term_signal != 0 or a non-zero exit before
 * healthy_ms is a crash; exit 0 is healthy; anything after healthy_ms was
 * already judged healthy by the timer. */
int bl_trial_judge_exit(int exit_code, int term_signal, uint64_t ran_ms, uint64_t healthy_ms);

/* Clears the trial: the current version is good. */
void bl_trial_confirm(bl_state *state);

/* Blocks the current version and makes the previous one current again (or,
 * if it is gone, the newest complete version that is not blocked). Fills why
 * for the log. Returns 0 if there is nothing to roll back to (the state then
 * keeps the current version, off trial, so the user still has an app). */
int bl_trial_rollback(bl_state *state, const bl_version_list *complete, char *why, size_t why_size);

/* Versions to delete after a confirmation: all complete versions except the
 * newest keep_versions (the current one is always kept, so is previous while
 * keep_versions >= 2). Writes up to max names into out, returns the count. */
int bl_trial_prunable(const bl_state *state, const bl_version_list *complete, int keep_versions,
                      char (*out)[BL_VERSION_MAX_TEXT], int max);

#endif
