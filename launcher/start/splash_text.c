/* SPDX-License-Identifier: Apache-2.0 */
/* The splash's words and paths: pure functions shared by the SDL splash and
 * the headless build, so tests check them without a display. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

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

static void downloading_text(const bl_progress_view *v, char *out, size_t size)
{
    char done[32], total[32], rate[40] = "";
    format_bytes(v->done, done, sizeof done);
    format_bytes(v->total, total, sizeof total);
    if (v->rate >= 1.0) {
        format_bytes((uint64_t)v->rate, rate + 2, sizeof rate - 8);
        memcpy(rate, " (", 2);
        strcat(rate, "/s)");
    }
    if (v->total > 0)
        snprintf(out, size, "Downloading %s of %s%s", done, total, rate);
    else if (v->done > 0)
        snprintf(out, size, "Downloading %s%s", done, rate);
    else
        snprintf(out, size, "Downloading\xE2\x80\xA6");
}

void bl_splash_status_text(const bl_progress_view *v, const char *title, char *out, size_t size)
{
    const char *ellipsis = "\xE2\x80\xA6"; /* U+2026, in DejaVu Sans */
    const char *detail = v->detail;
    if (!title || !*title)
        title = "the app";
    if (v->cancel_requested && v->stage < BL_STAGE_LAUNCHING) {
        snprintf(out, size, "Cancelling the update%s", ellipsis);
        return;
    }
    switch (v->stage) {
    case BL_STAGE_CHECKING:
        snprintf(out, size, "Checking for updates%s", ellipsis);
        break;
    case BL_STAGE_DOWNLOADING:
        downloading_text(v, out, size);
        break;
    case BL_STAGE_APPLYING:
        snprintf(out, size, "Applying update%s", ellipsis);
        break;
    case BL_STAGE_VERIFYING:
        snprintf(out, size, "Verifying%s", ellipsis);
        break;
    case BL_STAGE_INSTALLING:
        snprintf(out, size, "Installing %s%s%s%s", title, *detail ? " " : "", detail, ellipsis);
        break;
    case BL_STAGE_LAUNCHING:
        snprintf(out, size, "Starting %s%s%s%s", title, *detail ? " " : "", detail, ellipsis);
        break;
    case BL_STAGE_ROLLING_BACK:
        if (*detail)
            snprintf(out, size, "Rolling back to %s%s", detail, ellipsis);
        else
            snprintf(out, size, "Rolling back%s", ellipsis);
        break;
    case BL_STAGE_DONE:
        snprintf(out, size, "Ready");
        break;
    default:
        snprintf(out, size, "Preparing%s", ellipsis);
        break;
    }
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

int bl_splash_error_sentence(int rc, const char *message, int failures, const char *version, char *out,
                             size_t size)
{
    char what[200];
    const char *space = version && *version ? " " : "";
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
    if (!version)
        version = "";
    capitalised(message, what, sizeof what);
    if (rc == BL_ENOSPC)
        snprintf(out, size, "%s. Free some space to get the update; starting the installed version%s%s now.", what,
                 space, version);
    else
        snprintf(out, size,
                 "The update has failed %d times in a row (%s). Starting the installed version%s%s; "
                 "details are in cache/update.log.",
                 failures, what, space, version);
    return 1;
}
