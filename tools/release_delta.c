/* SPDX-License-Identifier: Apache-2.0 */
/* bomiot-release diff / patch: the delta engine on files, with a progress
 * line on stderr once a run has lasted a second. */
#include <stdio.h>
#include <string.h>
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

/* --format NAME: the patch format's number, or -1. */
static int parse_format(const char *name)
{
    if (strcmp(name, "bsdiff40") == 0)
        return BL_DELTA_BSDIFF40;
    if (strcmp(name, "zstd") == 0)
        return BL_DELTA_ZSTD;
    return -1;
}

static int run_diff(const release_env *env, int argc, char **argv)
{
    progress_line p = {"diff", 0, 0, 0};
    (void)env;
    bl_delta_options opts = {show_progress, &p, NULL, NULL, BL_DELTA_BSDIFF40};
    bl_error err;
    int rc;

    if (argc >= 2 && strncmp(argv[1], "--format=", 9) == 0) {
        opts.format = parse_format(argv[1] + 9);
        argv++;
        argc--;
    } else if (argc >= 3 && strcmp(argv[1], "--format") == 0) {
        opts.format = parse_format(argv[2]);
        argv += 2;
        argc -= 2;
    }
    if (opts.format < 0) {
        fprintf(stderr, "bomiot-release diff: --format is bsdiff40 or zstd\n");
        return release_usage(&release_verb_diff);
    }
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
    bl_delta_options opts = {show_progress, &p, NULL, NULL, BL_DELTA_BSDIFF40};
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
    "diff", "[--format bsdiff40|zstd] OLD NEW PATCH",
    "write the patch that turns OLD into NEW (format bsdiff40 unless told)", run_diff};
const release_verb release_verb_patch = {
    "patch", "OLD PATCH OUT", "apply a patch (bsdiff40 or zstd) to OLD, writing OUT", run_patch};
