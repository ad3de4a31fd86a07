/* SPDX-License-Identifier: Apache-2.0 */
/* The trial of a newly switched-in version, as pure transitions of bl_state.
 * A new version starts on trial; it is confirmed by exiting 0, by writing the
 * health file, or by surviving the healthy time. It is rolled back, blocked
 * for good, when it crashes (dies of a signal nobody sent it, or exits
 * non-zero unasked) before the healthy time, or when the launcher itself
 * dies (power loss, kill) max_attempts times before the version was
 * confirmed. A quit (the user or the system ended the app) is no verdict: the
 * version stays on trial. docs/reliability.md, "Trial", has the rules. */
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
    BL_TRIAL_CRASHED,
    BL_TRIAL_QUIT /* ended by the user or the system: no verdict */
};

/* Makes version current on trial; the old current becomes previous. */
void bl_trial_begin(bl_state *state, const char *version);

/* Called once per launcher start, before the app starts. Counts the start if
 * the current version is on trial; returns 1 when the unconfirmed starts
 * reached max_attempts, i.e. the caller must roll back instead. */
int bl_trial_count_start(bl_state *state, int max_attempts);

/* trial_exit_codes (config.c): which exit codes before the healthy time
 * are failures. "any" (every non-zero code; the default), "none", or a list
 * of codes and ranges from 1 to 255 ("1,3,64-78"). 1 if text is one. */
int bl_trial_exit_rule_valid(const char *text);
/* 1 if rule (a valid one) counts exit_code (non-zero) as a failure. */
int bl_trial_exit_rule_fails(const char *rule, int exit_code);

/* How an app run on trial ended. signal_received is the last signal the
 * launcher itself received while the app ran (and passed on to it, or that
 * the terminal sent to both), 0 if none. Before healthy_ms:
 * - death by that signal, or by one that only asks a process to end
 *   (bl_plat_signal_asks_to_end: SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE)
 *   is a quit; death by any other signal (SIGSEGV, SIGABRT, a SIGKILL
 *   the launcher did not pass on: a hang killed by hand, the OOM killer)
 *   is a crash;
 * - a non-zero exit is a quit if signal_received asks to end (the app
 *   caught it and exited its own way); a crash if it is the OS's report of
 *   a crash (bl_plat_exit_code_is_crash: Windows exceptions) or exit_rule
 *   (trial_exit_codes) counts it; otherwise an ordinary answer, like exit 0;
 * - exit 0 is healthy.
 * Anything after healthy_ms was already judged healthy by the timer. */
int bl_trial_judge_exit(int exit_code, int term_signal, int signal_received, uint64_t ran_ms,
                        uint64_t healthy_ms, const char *exit_rule);

/* A quit during the trial: this start does not count against max_attempts
 * (the launcher saw how it ended); the version stays on trial. */
void bl_trial_quit(bl_state *state);

/* Clears the trial: the current version is good. */
void bl_trial_confirm(bl_state *state);

/* Blocks the current version and makes the previous one current again (or,
 * if it is gone, the newest complete version that is not blocked). Fills why
 * for the log. Returns 0 if there is nothing to roll back to (the state then
 * keeps the current version, off trial, so the user still has an app). */
int bl_trial_rollback(bl_state *state, const bl_version_list *complete, char *why, size_t why_size);

/* The versions whose cached tar (cache/tars) is worth keeping, at most 3:
 * the running one's, the base of the next patch; the staged one's; and,
 * while the running one is on trial, the previous one's, which is the base
 * again if the trial fails. Writes them into out, returns the count. */
int bl_trial_tars_kept(const bl_state *state, char (*out)[BL_VERSION_MAX_TEXT]);

/* Versions to delete after a confirmation or a rollback: all complete versions except the
 * newest keep_versions (the current one is always kept, so is previous while
 * keep_versions >= 2). Writes up to max names into out, returns the count. */
int bl_trial_prunable(const bl_state *state, const bl_version_list *complete, int keep_versions,
                      char (*out)[BL_VERSION_MAX_TEXT], int max);

#endif
