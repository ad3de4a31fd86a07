/* SPDX-License-Identifier: Apache-2.0 */
/* Trial reports on a machine-wide install, the two edges of trial_report.h:
 *   - a user's read-only launcher writes its verdict on the version on
 *     trial as a new file in <root>/reports/, created exclusively under a
 *     random name (never replacing, never following a link);
 *   - the machine's updater (--update-only, as root) reads the folder
 *     first: only regular files of one link, at most
 *     BL_TRIAL_REPORT_MAX_BYTES, at most BL_TRIAL_REPORT_MAX_FILES a run,
 *     names and text checked; a crash of the version on trial rolls it back
 *     for everyone, a healthy run confirms it, and every file it looked at
 *     is deleted (by name: an unlink never follows a link).
 * The spool is install.sh --system's: root's, mode 1733, so a user may add
 * files but not list, read or delete anyone else's. Any user may thus roll
 * back (or confirm) the version on trial, during its trial only; the
 * updater logs who (the file's owner). docs/deploy.md says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "base/fsutil.h"
#include "launch.h"
#include "log.h"
#include "platform.h"
#include "trial.h"
#include "trial_report.h"

int launch_reports_trial(const launch_context *l)
{
    return l->read_only && l->state.trial && bl_fs_is_dir(l->layout.reports_dir);
}

static int random_tag(char *out, size_t size, bl_error *err)
{
    unsigned char bytes[BL_TRIAL_REPORT_TAG_LEN / 2];
    size_t i;
    int rc = uv_random(NULL, NULL, bytes, sizeof bytes, 0, NULL);
    if (rc != 0)
        return bl_error_sys(err, rc, "no randomness for a report's name");
    for (i = 0; i < sizeof bytes && 2 * i + 2 < size; i++)
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
    return BL_OK;
}

static int write_report(const launch_context *l, const bl_trial_report *report, char *path, size_t size,
                        bl_error *err)
{
    char name[BL_TRIAL_REPORT_NAME_MAX], tag[BL_TRIAL_REPORT_TAG_LEN + 1], text[512];
    uv_fs_t req;
    uv_buf_t buf;
    int fd, rc;

    if ((rc = random_tag(tag, sizeof tag, err)) != BL_OK ||
        (rc = bl_trial_report_name(report->version, report->verdict, tag, name, sizeof name, err)) != BL_OK ||
        (rc = bl_trial_report_format(report, text, sizeof text, err)) != BL_OK)
        return rc;
    if (bl_fs_join(path, size, l->layout.reports_dir, name) != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", l->layout.reports_dir);
    /* O_EXCL: a new file or nothing (a name already there, a link planted
     * under it, is never written through). Only root reads it. */
    fd = uv_fs_open(NULL, &req, path, UV_FS_O_WRONLY | UV_FS_O_CREAT | UV_FS_O_EXCL | UV_FS_O_NOFOLLOW, 0600, NULL);
    uv_fs_req_cleanup(&req);
    if (fd < 0)
        return bl_error_sys(err, fd, "cannot create %s", path);
    buf = uv_buf_init(text, (unsigned int)strlen(text));
    rc = uv_fs_write(NULL, &req, fd, &buf, 1, -1, NULL);
    uv_fs_req_cleanup(&req);
    if (rc == (int)buf.len)
        rc = uv_fs_close(NULL, &req, fd, NULL);
    else
        uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    if (rc < 0 || (rc > 0 && rc != (int)buf.len)) {
        uv_fs_unlink(NULL, &req, path, NULL); /* half a report says nothing: the updater would delete it */
        uv_fs_req_cleanup(&req);
        return bl_error_sys(err, rc < 0 ? rc : UV_EIO, "cannot write %s", path);
    }
    return BL_OK;
}

void launch_report_trial(launch_context *l, int verdict)
{
    char path[BL_PATH_MAX];
    bl_trial_report report;
    bl_error err;

    memset(&report, 0, sizeof report);
    snprintf(report.version, sizeof report.version, "%s", l->state.current);
    report.verdict = verdict;
    report.exit_code = l->run_exit_code;
    report.term_signal = l->run_signal;
    report.ran_ms = l->run_ms;
    report.time = (int64_t)time(NULL);
    if (write_report(l, &report, path, sizeof path, &err) != BL_OK) {
        bl_log(BL_LOG_WARN | BL_LOG_QUIET, "trial", "could not report version %s's %s run to the machine's "
               "updater: %s", report.version, bl_trial_report_verdict_name(verdict), err.msg);
        return;
    }
    bl_log(BL_LOG_INFO, "trial", "reported version %s's %s run to the machine's updater: %s", report.version,
           bl_trial_report_verdict_name(verdict), path);
}

/* --- the machine's updater ---------------------------------------------------- */

#define SPOOL_FULL (-1) /* not a bl_error code: the listing stopped on purpose */

typedef struct {
    launch_context *l;
    int seen; /* entries handled this run, at most BL_TRIAL_REPORT_MAX_FILES */
    int count;
    bl_trial_report reports[BL_TRIAL_REPORT_MAX_FILES];
    char owners[BL_TRIAL_REPORT_MAX_FILES][96];
    char names[BL_TRIAL_REPORT_MAX_FILES][BL_TRIAL_REPORT_NAME_MAX];
} spool_batch;

static void remove_entry(const char *path, int is_dir)
{
    uv_fs_t req;
    int rc = is_dir ? uv_fs_rmdir(NULL, &req, path, NULL) : uv_fs_unlink(NULL, &req, path, NULL);
    uv_fs_req_cleanup(&req);
    if (rc < 0 && rc != UV_ENOENT)
        bl_log(BL_LOG_WARN, "trial", "could not remove %s: %s%s", path, uv_strerror(rc),
               is_dir ? " (a folder someone made there; an administrator removes it)" : "");
}

/* Opens a spool entry for reading as it is: no link followed, nothing
 * but a regular file of one link (a hard link would be another file's
 * name), no bigger than a report. Names its owner (also of what it
 * refuses, once open), reads it into text. */
static int read_entry(const char *path, char *text, size_t *len, char *owner, size_t owner_size, bl_error *err)
{
    uv_fs_t req;
    uv_buf_t buf;
    uv_stat_t st;
    int fd, rc;

    fd = uv_fs_open(NULL, &req, path, UV_FS_O_RDONLY | UV_FS_O_NOFOLLOW | UV_FS_O_NONBLOCK, 0, NULL);
    uv_fs_req_cleanup(&req);
    if (fd < 0)
        return bl_error_sys(err, fd, "cannot open it (a link is never followed)");
    rc = uv_fs_fstat(NULL, &req, fd, NULL);
    st = req.statbuf;
    uv_fs_req_cleanup(&req);
    if (rc < 0) {
        rc = bl_error_sys(err, rc, "cannot look at it");
        goto cleanup;
    }
    /* Who put it there is what an administrator asks first: named for
     * what is refused too. */
    if ((rc = bl_plat_file_owner(fd, owner, owner_size, err)) != BL_OK)
        goto cleanup;
    if ((st.st_mode & S_IFMT) != S_IFREG) {
        rc = bl_error_set(err, BL_EINVAL, "not a regular file");
    } else if (st.st_nlink != 1) {
        rc = bl_error_set(err, BL_EINVAL, "a file with %llu names", (unsigned long long)st.st_nlink);
    } else if (st.st_size > BL_TRIAL_REPORT_MAX_BYTES) {
        rc = bl_error_set(err, BL_EINVAL, "%llu bytes, more than a report's %d", (unsigned long long)st.st_size,
                          BL_TRIAL_REPORT_MAX_BYTES);
    } else {
        buf = uv_buf_init(text, BL_TRIAL_REPORT_MAX_BYTES + 1); /* one more: a file that grew is refused too */
        rc = uv_fs_read(NULL, &req, fd, &buf, 1, 0, NULL);
        uv_fs_req_cleanup(&req);
        if (rc < 0) {
            rc = bl_error_sys(err, rc, "cannot read it");
        } else {
            *len = (size_t)rc;
            rc = BL_OK;
        }
    }
cleanup:
    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    return rc;
}

static int take_entry(void *ctx, const char *name, int is_dir)
{
    spool_batch *b = ctx;
    char path[BL_PATH_MAX], text[BL_TRIAL_REPORT_MAX_BYTES + 2], owner[96] = "owner unknown";
    bl_trial_report *report = &b->reports[b->count];
    bl_error err;
    size_t len = 0;

    if (b->seen >= BL_TRIAL_REPORT_MAX_FILES)
        return SPOOL_FULL; /* the rest next time */
    b->seen++;
    if (bl_fs_join(path, sizeof path, b->l->layout.reports_dir, name) != BL_OK)
        return 0;
    if (is_dir) {
        bl_log(BL_LOG_WARN, "trial", "%s is a folder, not a report; removing it if empty", path);
        remove_entry(path, 1);
        return 0;
    }
    if (read_entry(path, text, &len, owner, sizeof owner, &err) != BL_OK ||
        bl_trial_report_parse(name, text, len, report, &err) != BL_OK) {
        bl_log(BL_LOG_WARN, "trial", "ignored %s (%s): %s; deleting it", path, owner, err.msg);
        remove_entry(path, 0);
        return 0;
    }
    snprintf(b->owners[b->count], sizeof b->owners[b->count], "%s", owner);
    snprintf(b->names[b->count], sizeof b->names[b->count], "%s", name);
    b->count++;
    return 0;
}

static void describe_run(const bl_trial_report *r, char *out, size_t size)
{
    if (r->term_signal)
        snprintf(out, size, "died of signal %d after %llu ms", r->term_signal, (unsigned long long)r->ran_ms);
    else if (r->exit_code >= 0 || r->verdict == BL_TRIAL_CRASHED)
        snprintf(out, size, "exited with code %d after %llu ms", r->exit_code, (unsigned long long)r->ran_ms);
    else
        snprintf(out, size, "ran %llu ms", (unsigned long long)r->ran_ms);
}

int launch_read_reports(launch_context *l)
{
    spool_batch *batch;
    char cause[512], run[96], path[BL_PATH_MAX];
    bl_error err;
    int i, which, action;

    if (!bl_fs_is_dir(l->layout.reports_dir))
        return 0;
    if (!(batch = calloc(1, sizeof *batch))) { /* 64 reports and their names: 18 kB */
        bl_log(BL_LOG_WARN, "trial", "out of memory reading %s; the next run reads it", l->layout.reports_dir);
        return 1;
    }
    batch->l = l;
    if (bl_fs_list_dir(l->layout.reports_dir, take_entry, batch, &err) > 0)
        bl_log(BL_LOG_WARN, "trial", "%s", err.msg); /* what was read before counts */
    action = bl_trial_report_decide(&l->state, batch->reports, batch->count, &which);
    for (i = 0; i < batch->count; i++) {
        if (i != which)
            bl_log(BL_LOG_INFO, "trial", "report %s (%s): %s; nothing to do", batch->names[i], batch->owners[i],
                   strcmp(batch->reports[i].version, l->state.current) != 0 ? "not the current version"
                   : !l->state.trial ? "the current version is not on trial"
                   : "another report decides");
    }
    if (action != BL_TRIAL_REPORT_NOTHING) {
        describe_run(&batch->reports[which], run, sizeof run);
        snprintf(cause, sizeof cause, "a user (%s) reported that version %s %s on its trial run (reports/%s)",
                 batch->owners[which], l->state.current, run, batch->names[which]);
    }
    if (action == BL_TRIAL_REPORT_ROLL_BACK)
        launch_roll_back(l, cause); /* for everyone: each user's next start runs the version now current */
    else if (action == BL_TRIAL_REPORT_CONFIRM)
        launch_confirm(l, cause);
    /* After the state was saved: a report is never lost before it counted. */
    for (i = 0; i < batch->count; i++) {
        if (bl_fs_join(path, sizeof path, l->layout.reports_dir, batch->names[i]) == BL_OK)
            remove_entry(path, 0);
    }
    free(batch);
    return 1;
}
