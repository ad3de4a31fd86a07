/* SPDX-License-Identifier: Apache-2.0 */
#include "trial.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

void bl_trial_begin(bl_state *state, const char *version)
{
    if (strcmp(state->current, version) != 0) {
        snprintf(state->previous, sizeof state->previous, "%s", state->current);
        snprintf(state->current, sizeof state->current, "%s", version);
    }
    state->trial = 1;
    state->attempts = 0;
}

int bl_trial_count_start(bl_state *state, int max_attempts)
{
    if (!state->trial)
        return 0;
    if (state->attempts >= max_attempts)
        return 1;
    state->attempts++;
    return 0;
}

/* Reads "a" or "a-b" at *p (codes 1 to 255), moving past it. */
static int parse_code_range(const char **p, int *low, int *high)
{
    char *end;
    long a, b;
    if (!isdigit((unsigned char)**p))
        return 0;
    a = b = strtol(*p, &end, 10);
    if (*end == '-') {
        if (!isdigit((unsigned char)end[1]))
            return 0;
        b = strtol(end + 1, &end, 10);
    }
    if (a < 1 || b > 255 || a > b)
        return 0;
    *low = (int)a;
    *high = (int)b;
    *p = end;
    return 1;
}

/* Walks a list rule; with code > 0, returns 1 if a range holds it; with code
 * 0, returns 1 if the whole text is a well-formed list. */
static int walk_code_list(const char *p, int code)
{
    int low, high;
    for (;;) {
        p += strspn(p, " ");
        if (!parse_code_range(&p, &low, &high))
            return 0;
        if (code > 0 && code >= low && code <= high)
            return 1;
        p += strspn(p, " ");
        if (!*p)
            return code == 0;
        if (*p++ != ',')
            return 0;
    }
}

int bl_trial_exit_rule_valid(const char *text)
{
    return strcmp(text, "any") == 0 || strcmp(text, "none") == 0 || walk_code_list(text, 0);
}

int bl_trial_exit_rule_fails(const char *rule, int exit_code)
{
    if (strcmp(rule, "any") == 0)
        return exit_code != 0;
    if (strcmp(rule, "none") == 0 || exit_code <= 0)
        return 0;
    return walk_code_list(rule, exit_code);
}

int bl_trial_judge_exit(int exit_code, int term_signal, int signal_received, uint64_t ran_ms,
                        uint64_t healthy_ms, const char *exit_rule)
{
    if (ran_ms >= healthy_ms)
        return BL_TRIAL_HEALTHY;
    if (term_signal != 0) {
        /* Who sent a SIGKILL the launcher did not pass on (a user ending a
         * hang, the OOM killer) cannot be told from the exit status: both
         * say the release misbehaved, so both are crashes. */
        if (term_signal == signal_received || bl_plat_signal_asks_to_end(term_signal))
            return BL_TRIAL_QUIT;
        return BL_TRIAL_CRASHED;
    }
    if (exit_code == 0)
        return BL_TRIAL_HEALTHY;
    if (signal_received && bl_plat_signal_asks_to_end(signal_received))
        return BL_TRIAL_QUIT;
    if (bl_plat_exit_code_is_crash(exit_code) || bl_trial_exit_rule_fails(exit_rule, exit_code))
        return BL_TRIAL_CRASHED;
    return BL_TRIAL_HEALTHY; /* an ordinary answer of the app (a CLI's exit 1) */
}

void bl_trial_quit(bl_state *state)
{
    if (state->trial && state->attempts > 0)
        state->attempts--;
}

void bl_trial_confirm(bl_state *state)
{
    state->trial = 0;
    state->attempts = 0;
}

int bl_trial_rollback(bl_state *state, const bl_version_list *complete, char *why, size_t why_size)
{
    char bad[BL_VERSION_MAX_TEXT];
    const char *target = NULL;
    int i;

    snprintf(bad, sizeof bad, "%s", state->current);
    bl_state_block(state, bad);
    if (state->previous[0] && strcmp(state->previous, bad) != 0 && bl_install_list_contains(complete, state->previous)) {
        target = state->previous;
    } else {
        for (i = complete->count - 1; i >= 0 && !target; i--) {
            if (!bl_state_is_blocked(state, complete->names[i]))
                target = complete->names[i];
        }
    }
    bl_trial_confirm(state);
    if (!target) {
        snprintf(why, why_size, "version %s failed its trial and is blocked, but no other version is "
                 "installed to go back to; keeping it", bad);
        return 0;
    }
    snprintf(why, why_size, "version %s failed its trial; blocked it and went back to %s", bad, target);
    memmove(state->current, target, strlen(target) + 1); /* target may alias state->previous */
    state->previous[0] = '\0';
    return 1;
}

int bl_trial_tars_kept(const bl_state *state, char (*out)[BL_VERSION_MAX_TEXT])
{
    const char *wanted[3];
    int i, j, n = 0, count = 0;

    wanted[n++] = state->current;
    wanted[n++] = state->pending;
    wanted[n++] = state->trial ? state->previous : "";
    for (i = 0; i < n; i++) {
        for (j = 0; j < count && strcmp(out[j], wanted[i]) != 0; j++)
            ;
        if (wanted[i][0] && j == count)
            snprintf(out[count++], BL_VERSION_MAX_TEXT, "%s", wanted[i]);
    }
    return count;
}

static int is_kept(char (*keep)[BL_VERSION_MAX_TEXT], int n, const char *version)
{
    int i;
    for (i = 0; i < n; i++) {
        if (strcmp(keep[i], version) == 0)
            return 1;
    }
    return 0;
}

int bl_trial_prunable(const bl_state *state, const bl_version_list *complete, int keep_versions,
                      char (*out)[BL_VERSION_MAX_TEXT], int max)
{
    char keep[BL_INSTALL_MAX_VERSIONS + 2][BL_VERSION_MAX_TEXT];
    int i, kept = 0, n = 0;

    /* The running version always stays; then the one a rollback would go back
     * to; then the newest others, up to keep_versions in all. Blocked versions
     * are never worth keeping. */
    if (state->current[0])
        strcpy(keep[kept++], state->current);
    if (state->previous[0] && kept < keep_versions && bl_install_list_contains(complete, state->previous) &&
        !bl_state_is_blocked(state, state->previous))
        strcpy(keep[kept++], state->previous);
    for (i = complete->count - 1; i >= 0 && kept < keep_versions; i--) {
        const char *v = complete->names[i];
        if (!is_kept(keep, kept, v) && !bl_state_is_blocked(state, v))
            strcpy(keep[kept++], v);
    }
    for (i = 0; i < complete->count && n < max; i++) {
        if (!is_kept(keep, kept, complete->names[i]))
            strcpy(out[n++], complete->names[i]);
    }
    return n;
}
