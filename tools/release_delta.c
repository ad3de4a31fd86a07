/* SPDX-License-Identifier: Apache-2.0 */
/* bomiot-release diff / patch: the delta engine on files, with a progress
 * line on stderr once a run has lasted a second. */
#include <stdio.h>
#include <uv.h>

#include "delta/delta.h"
#include "release.h"

typedef struct {
    const char *verb;
    uint64_t start, last; /* uv_hrtime() */
    int shown;
} progress_line;

static const char *stage_name(int stage)
{
    switch (stage) {
    case BL_DELTA_SORTING: return "sorting old";
    case BL_DELTA_MATCHING: return "matching new";
    case BL_DELTA_COMPRESSING: return "compressing";
    case BL_DELTA_APPLYING: return "writing new";
    }
    return "working";
}

static void show_progress(void *ctx, int stage, uint64_t done, uint64_t total)
{
    progress_line *p = ctx;
    uint64_t now = uv_hrtime();

    if (now - p->start < 1000000000u || now - p->last < 250000000u)
        return;
    p->last = now;
    p->shown = 1;
    fprintf(stderr, "\rbomiot-release %s: %-13s %3d%% (%.1f s)   ", p->verb, stage_name(stage),
            total ? (int)(done * 100 / total) : 100, (double)(now - p->start) / 1e9);
    fflush(stderr);
}

static int report(progress_line *p, int rc, const bl_error *err)
{
    if (p->shown)
        fprintf(stderr, "\n");
    if (rc != BL_OK) {
        fprintf(stderr, "bomiot-release %s: %s\n", p->verb, err->msg);
        return RELEASE_FAILED;
    }
    return RELEASE_OK;
}

static int run_diff(const release_env *env, int argc, char **argv)
{
    progress_line p = {"diff", 0, 0, 0};
    (void)env;
    bl_delta_options opts = {show_progress, &p, NULL, NULL};
    bl_error err;
    int rc;

    if (argc != 4)
        return release_usage(&release_verb_diff);
    bl_error_clear(&err);
    p.start = p.last = uv_hrtime();
    rc = bl_delta_diff_file(argv[1], argv[2], argv[3], &opts, &err);
    return report(&p, rc, &err);
}

static int run_patch(const release_env *env, int argc, char **argv)
{
    progress_line p = {"patch", 0, 0, 0};
    (void)env;
    bl_delta_options opts = {show_progress, &p, NULL, NULL};
    bl_error err;
    int rc;

    if (argc != 4)
        return release_usage(&release_verb_patch);
    bl_error_clear(&err);
    p.start = p.last = uv_hrtime();
    rc = bl_delta_patch_file(argv[1], argv[2], argv[3], &opts, &err);
    return report(&p, rc, &err);
}

const release_verb release_verb_diff = {
    "diff", "OLD NEW PATCH", "write the BSDIFF40 patch that turns OLD into NEW", run_diff};
const release_verb release_verb_patch = {
    "patch", "OLD PATCH OUT", "apply a BSDIFF40 patch to OLD, writing OUT", run_patch};
