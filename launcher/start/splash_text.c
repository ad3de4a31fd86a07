/* SPDX-License-Identifier: Apache-2.0 */
/* The splash's words and paths: pure functions shared by the SDL splash and
 * the headless build, so tests check them without a display. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "splash.h"

/* Decimal units, as download sizes are usually shown: "12.3 MB". */
static void format_bytes(uint64_t bytes, char *out, size_t size)
{
    if (bytes < 1000)
        snprintf(out, size, "%llu B", (unsigned long long)bytes);
    else if (bytes < 1000000)
        snprintf(out, size, "%.1f kB", (double)bytes / 1e3);
    else if (bytes < 1000000000)
        snprintf(out, size, "%.1f MB", (double)bytes / 1e6);
    else
        snprintf(out, size, "%.2f GB", (double)bytes / 1e9);
}

/* The sentences below are gettext msgids (i18n.h): English as written,
 * other languages from po/. The ellipsis is U+2026, which DejaVu Sans has. */
static void downloading_text(const bl_progress_view *v, const char *language, char *out, size_t size)
{
    char done[32], total[32], rate[32];
    const char *args[3] = {done, total, rate};
    format_bytes(v->done, done, sizeof done);
    format_bytes(v->total, total, sizeof total);
    format_bytes((uint64_t)v->rate, rate, sizeof rate);
    if (v->total > 0 && v->rate >= 1.0)
        bl_i18n_say(out, size, language, "Downloading %1$s of %2$s (%3$s/s)", args, 3);
    else if (v->total > 0)
        bl_i18n_say(out, size, language, "Downloading %1$s of %2$s", args, 2);
    else if (v->done > 0 && v->rate >= 1.0)
        bl_i18n_say(out, size, language, "Downloading %1$s (%2$s/s)", (const char *const[]){done, rate}, 2);
    else if (v->done > 0)
        bl_i18n_say(out, size, language, "Downloading %s", args, 1);
    else
        bl_i18n_say(out, size, language, "Downloading\xE2\x80\xA6", NULL, 0);
}

/* "Installing Bomiot 1.2.0…", or without the version when there is none.
 * with_detail and without are already in the language. */
static void named_text(const char *title, const char *detail, const char *with_detail, const char *without,
                       char *out, size_t size)
{
    const char *args[2] = {title, detail};
    bl_i18n_format(out, size, *detail ? with_detail : without, args, 2);
}

void bl_splash_status_text(const bl_progress_view *v, const char *title, const char *language, char *out,
                           size_t size)
{
    const char *detail = v->detail;
    if (!title || !*title)
        title = bl_i18n_text(language, "the app");
    if (v->cancel_requested && v->stage < BL_STAGE_LAUNCHING) {
        bl_i18n_say(out, size, language, "Cancelling the update\xE2\x80\xA6", NULL, 0);
        return;
    }
    switch (v->stage) {
    case BL_STAGE_CHECKING:
        bl_i18n_say(out, size, language, "Checking for updates\xE2\x80\xA6", NULL, 0);
        break;
    case BL_STAGE_DOWNLOADING:
        downloading_text(v, language, out, size);
        break;
    case BL_STAGE_APPLYING:
        bl_i18n_say(out, size, language, "Applying update\xE2\x80\xA6", NULL, 0);
        break;
    case BL_STAGE_VERIFYING:
        bl_i18n_say(out, size, language, "Verifying\xE2\x80\xA6", NULL, 0);
        break;
    case BL_STAGE_INSTALLING:
        named_text(title, detail, bl_i18n_text(language, "Installing %1$s %2$s\xE2\x80\xA6"),
                   bl_i18n_text(language, "Installing %s\xE2\x80\xA6"), out, size);
        break;
    case BL_STAGE_LAUNCHING:
        named_text(title, detail, bl_i18n_text(language, "Starting %1$s %2$s\xE2\x80\xA6"),
                   bl_i18n_text(language, "Starting %s\xE2\x80\xA6"), out, size);
        break;
    case BL_STAGE_ROLLING_BACK:
        if (*detail)
            bl_i18n_say(out, size, language, "Rolling back to %s\xE2\x80\xA6", (const char *const[]){detail}, 1);
        else
            bl_i18n_say(out, size, language, "Rolling back\xE2\x80\xA6", NULL, 0);
        break;
    case BL_STAGE_DONE:
        bl_i18n_say(out, size, language, "Ready", NULL, 0);
        break;
    default:
        bl_i18n_say(out, size, language, "Preparing\xE2\x80\xA6", NULL, 0);
        break;
    }
}

/* While an update downloads, patches, verifies and installs, the version it
 * installs; once the launch begins, the one starting. */
void bl_splash_version_text(const bl_progress_view *v, const char *installed, const char *language, char *out,
                            size_t size)
{
    int updating = v->stage >= BL_STAGE_DOWNLOADING && v->stage <= BL_STAGE_INSTALLING;
    if (size == 0)
        return;
    if (updating && v->release[0] && !v->cancel_requested)
        bl_i18n_say(out, size, language, "Updating to %s\xE2\x80\xA6", (const char *const[]){v->release}, 1);
    else if (v->stage == BL_STAGE_LAUNCHING && v->detail[0])
        snprintf(out, size, "%s", v->detail);
    else
        snprintf(out, size, "%s", installed ? installed : "");
}

/* The same rule as the bar's: while checking, or with no total, the bar
 * sweeps and no number is shown. */
void bl_splash_percent_text(const bl_progress_view *v, const char *language, char *out, size_t size)
{
    (void)language; /* digits and '%' read the same in every language there is a catalog for */
    if (size == 0)
        return;
    out[0] = '\0';
    if (v->total > 0 && v->stage != BL_STAGE_CHECKING && v->stage != BL_STAGE_DONE)
        snprintf(out, size, "%d%%", (int)(v->done >= v->total ? 100 : v->done * 100 / v->total));
}

/* "/x", "\\server\x" and "C:\x" are absolute on some OS; a publisher's path
 * is taken as written. */
static int is_absolute(const char *path)
{
    return path[0] == '/' || path[0] == '\\' || (isalpha((unsigned char)path[0]) && path[1] == ':');
}

int bl_splash_resolve_path(const char *root, const char *path, const char *fallback, char *out, size_t size)
{
    int n;
    if (!path || !*path)
        path = fallback;
    if (!path || !*path)
        return BL_EINVAL;
    if (is_absolute(path) || !root || !*root)
        n = snprintf(out, size, "%s", path);
    else
        n = snprintf(out, size, "%s/%s", root, path);
    return n < 0 || (size_t)n >= size ? BL_ETOOBIG : BL_OK;
}

int bl_splash_count_failure(int rc, int failures)
{
    if (rc == BL_OK)
        return 0;
    if (rc == BL_ECANCELED || rc == BL_ENETWORK)
        return failures;
    return failures < 0 ? 1 : failures >= 1000000 ? failures : failures + 1;
}

/* The log's message as the end of a sentence: "not enough disk space: it
 * needs 120 MB" -> "Not enough disk space: it needs 120 MB". */
static void capitalised(const char *message, char *out, size_t size)
{
    size_t len;
    snprintf(out, size, "%s", message && *message ? message : "unknown error");
    if (out[0] >= 'a' && out[0] <= 'z')
        out[0] = (char)(out[0] - 'a' + 'A');
    len = strlen(out);
    while (len > 0 && (out[len - 1] == '.' || out[len - 1] == ' '))
        out[--len] = '\0';
}

/* What kind of failure rc is, in words, for a language whose sentence cannot
 * carry the log's (English) message; NULL when no kind says more than "the
 * update has failed". */
static const char *failure_kind(int rc, const char *language)
{
    switch (rc) {
    case BL_ENETWORK:
        return bl_i18n_text(language, "the update server could not be reached");
    case BL_ESIGNATURE:
    case BL_EEXPIRED:
    case BL_EROLLBACK:
        return bl_i18n_text(language, "the update's signed information was not accepted");
    case BL_EHASH:
    case BL_ELENGTH:
    case BL_ECORRUPT:
        return bl_i18n_text(language, "a download did not match what was signed");
    case BL_EDENIED:
        return bl_i18n_text(language, "the launcher may not write to its folder");
    default:
        return NULL;
    }
}

/* The English sentence carries the log's message (what); another language's
 * carries the failure's kind in words, or none. */
static void failure_text(int rc, const char *what, const char *version, const char *count, const char *language,
                         char *out, size_t size)
{
    const char *args[3] = {what, version, count};
    if (rc == BL_ENOSPC && *what && *version)
        bl_i18n_say(out, size, language,
                    "%1$s. Free some space to get the update; starting the installed version %2$s now.", args, 2);
    else if (rc == BL_ENOSPC && *what)
        bl_i18n_say(out, size, language, "%s. Free some space to get the update; starting the installed version now.",
                    args, 1);
    else if (rc == BL_ENOSPC && *version)
        bl_i18n_say(out, size, language,
                    "Not enough disk space for the update. Free some space; starting the installed version %s now.",
                    args + 1, 1);
    else if (rc == BL_ENOSPC)
        bl_i18n_say(out, size, language,
                    "Not enough disk space for the update. Free some space; starting the installed version now.", NULL,
                    0);
    else if (*what && *version)
        bl_i18n_say(out, size, language,
                    "The update has failed %3$s times in a row (%1$s). Starting the installed version %2$s; details "
                    "are in cache/update.log.",
                    args, 3);
    else if (*what)
        bl_i18n_say(out, size, language,
                    "The update has failed %2$s times in a row (%1$s). Starting the installed version; details are in "
                    "cache/update.log.",
                    (const char *const[]){what, count}, 2);
    else if (*version)
        bl_i18n_say(out, size, language,
                    "The update has failed %2$s times in a row. Starting the installed version %1$s; details are in "
                    "cache/update.log.",
                    args + 1, 2);
    else
        bl_i18n_say(out, size, language,
                    "The update has failed %s times in a row. Starting the installed version; details are in "
                    "cache/update.log.",
                    args + 2, 1);
}

int bl_splash_error_sentence(int rc, const char *message, int failures, const char *version, const char *language,
                             char *out, size_t size)
{
    char what[200], count[16];
    if (size == 0)
        return 0;
    out[0] = '\0';
    if (rc == BL_OK || rc == BL_ECANCELED)
        return 0;
    /* Told at the third failure in a row and every fifth after: the user
     * learns it without being held up by the same sentence at every start. */
    if (rc != BL_ENOSPC &&
        (failures < BL_SPLASH_FAILURES_TO_SHOW || (failures - BL_SPLASH_FAILURES_TO_SHOW) % 5 != 0))
        return 0;
    snprintf(count, sizeof count, "%d", failures);
    if (!language || strcmp(language, BL_LANGUAGE_ENGLISH) == 0 || !bl_i18n_known(language)) {
        capitalised(message, what, sizeof what);
    } else {
        const char *kind = failure_kind(rc, language);
        snprintf(what, sizeof what, "%s", kind && rc != BL_ENOSPC ? kind : "");
    }
    failure_text(rc, what, version ? version : "", count, language, out, size);
    return 1;
}

void bl_splash_rollback_sentence(const char *title, const char *failed, const char *current, const char *language,
                                 char *out, size_t size)
{
    const char *args[3] = {title && *title ? title : bl_i18n_text(language, "the app"), failed ? failed : "",
                           current ? current : ""};
    bl_i18n_say(out, size, language,
                "%1$s %2$s did not start properly. Going back to %3$s; details are in cache/update.log.", args, 3);
}
