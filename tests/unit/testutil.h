/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for unit tests that touch real files: a fresh folder per test. */
#ifndef BL_TESTUTIL_H
#define BL_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
#include "start/install.h"

/* Creates a new empty folder under $TMPDIR (or /tmp) and writes its path. */
static inline int test_make_dir(char *out, size_t size)
{
    uv_fs_t req;
    char tmpl[512];
    const char *base = getenv("TMPDIR");
    int rc;
    snprintf(tmpl, sizeof tmpl, "%s/bl-test-XXXXXX", base && *base ? base : "/tmp");
    rc = uv_fs_mkdtemp(NULL, &req, tmpl, NULL);
    if (rc == 0)
        snprintf(out, size, "%s", req.path);
    uv_fs_req_cleanup(&req);
    return rc;
}

static inline int test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* A version list from names, in the order given. */
static inline bl_version_list test_version_list(int n, const char **names)
{
    bl_version_list list;
    int i;
    list.count = n;
    for (i = 0; i < n; i++)
        snprintf(list.names[i], sizeof list.names[i], "%s", names[i]);
    return list;
}

#endif
