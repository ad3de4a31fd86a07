/* SPDX-License-Identifier: Apache-2.0 */
/* What `bomiot-launcher --status [--json]` says (issue 24, spec section 2):
 * the installation's facts, gathered by the command (commands.c, reading
 * only: state.json, cache/last-check, cache/activity.json, versions/, the
 * config), turned here into the JSON object an app parses or the lines a
 * user reads. Pure: the inputs and the clock come in, text goes out. */
#ifndef BL_STATUS_H
#define BL_STATUS_H

#include <stdint.h>

#include "activity.h"
#include "base/error.h"
#include "checks.h"
#include "config.h"
#include "install.h"
#include "proxy.h"
#include "state.h"

/* The --status --json schema; keys may be added within it, never removed or
 * changed in meaning. */
#define BL_STATUS_SCHEMA 1

typedef struct {
    const char *launcher_version, *launcher_path, *root;
    const char *error;               /* not NULL: not an installation, and why; the rest but the above unused */
    const bl_config *cfg;
    const bl_state *state;           /* as read (zeroed when missing or corrupt) */
    const bl_version_list *installed;
    const char *current;             /* the version the next start runs (install.h's pick), "" none */
    const bl_activity *activity;     /* NULL: no live launcher (no file, or its launcher_pid is dead) */
    const bl_checks *checks;         /* cache/last-check; last 0: never checked */
    const char *staged;              /* state.json's pending when its folder is complete, "" none */
    uint64_t staged_size;            /* bytes of the files in versions/<staged> */
    int64_t now;                     /* UTC seconds */
    const bl_proxy_choice *proxy;    /* the way a check of update_url goes now; NULL: not known */
} bl_status;

/* The --status --json object, one line, NUL-terminated; the caller frees. */
int bl_status_json(const bl_status *s, char **out, bl_error *err);

/* The same facts as aligned lines for a terminal ("Version:      1.1.0
 * (running, confirmed)", "Update ready: 1.2.0 (120 MB) - restart to use
 * it", "Last check:   3 min ago, succeeded"); the caller frees. */
int bl_status_text(const bl_status *s, char **out, bl_error *err);

#endif
