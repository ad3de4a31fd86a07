/* SPDX-License-Identifier: Apache-2.0 */
/* Effective configuration: built-in defaults, then launcher.json beside the
 * executable (the publisher's: installing again replaces it), then
 * launcher.user.json beside it (the user's own choices: no installer or update
 * writes it, and uninstall --keep-data keeps it), then the BOMIOT_*
 * environment variables of today's Python system (same names, same defaults),
 * then the machine's policy (bl_plat_read_policy: /etc/bomiot/policy.json or
 * HKLM\Software\Policies\Bomiot), which an administrator sets and wins
 * over everything else. The user file may set only the keys
 * bl_config_user_may_set names, the policy only those bl_config_policy_may_set
 * names, and target_version_prefix only the policy (config.c says why); any
 * other key there is reported and ignored. Each value remembers
 * where it came from. A malformed file or value is reported once and the key
 * keeps its previous value: a broken config never stops the installed app
 * from starting. */
#ifndef BL_CONFIG_H
#define BL_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"

/* display_name's bytes, the NUL included: 127 bytes are 42 CJK characters,
 * more than a splash's title line or a menu entry shows. */
#define BL_DISPLAY_NAME_MAX 128

enum bl_launch_mode { BL_MODE_SUPERVISE = 0, BL_MODE_EXEC };
enum bl_config_source { BL_SOURCE_DEFAULT = 0, BL_SOURCE_FILE, BL_SOURCE_USER_FILE, BL_SOURCE_ENV, BL_SOURCE_POLICY };

enum bl_config_key {
    BL_CFG_UPDATE_URL = 0,
    BL_CFG_UPDATE_INTERVAL,
    BL_CFG_AUTO_UPDATE,
    BL_CFG_INCREMENTAL_UPDATE,
    BL_CFG_PATCH_MAX_PERCENT,
    BL_CFG_FILE_WATCHER,
    BL_CFG_APP_NAME,
    BL_CFG_APP_EXECUTABLE,
    BL_CFG_KEEP_VERSIONS,
    BL_CFG_LOG_LEVEL,
    BL_CFG_MODE,
    BL_CFG_HEALTHY_SECONDS,
    BL_CFG_TRIAL_ATTEMPTS,
    BL_CFG_TRIAL_EXIT_CODES,
    BL_CFG_RERUN_AFTER_ROLLBACK,
    BL_CFG_CHANNEL,
    BL_CFG_CHECK_SECONDS,
    BL_CFG_DOWNLOAD_SECONDS,
    BL_CFG_UPDATE_AT_LAUNCH,
    BL_CFG_CA_FILE,
    BL_CFG_SPLASH,
    BL_CFG_SPLASH_IMAGE,
    BL_CFG_SPLASH_LINGER_MS,
    BL_CFG_DISPLAY_NAME,
    BL_CFG_LANGUAGE,
    BL_CFG_WATCH_DIR,
    BL_CFG_RESTART_EXIT_CODE,
    BL_CFG_APPLY_ON_EXIT,
    BL_CFG_TARGET_VERSION_PREFIX,
    BL_CFG_KEY_COUNT
};

typedef struct {
    char update_url[1024];
    int64_t update_interval; /* seconds between checks; 0 disables */
    int auto_update;
    int incremental_update;
    int64_t patch_max_percent; /* patches only when they total at most this % of the archive */
    int file_watcher;
    char app_name[64];        /* names targets {app}-{version}.tar.gz */
    char app_executable[256]; /* path inside versions/<v>/, platform suffix added */
    int64_t keep_versions;    /* installed versions kept, the running one included */
    int log_level;            /* enum bl_log_level */
    int mode;                 /* enum bl_launch_mode */
    int64_t healthy_seconds;  /* a new version that runs this long is confirmed */
    int64_t trial_attempts;   /* unconfirmed starts of a new version before rollback */
    char trial_exit_codes[128]; /* exit codes that fail a trial: "any", "none" or "1,3,64-78" */
    int rerun_after_rollback; /* start the previous version at once after a crash on trial */
    char channel[16];         /* "stable", or "beta" which also offers pre-releases */
    int64_t check_ms;         /* time box of the update check at launch, in ms (key check_seconds) */
    int64_t download_seconds; /* and of its downloads, after it: the launch waits on the server at most both */
    int update_at_launch;     /* install at launch (with the splash), or only stage in the background */
    char ca_file[1024];       /* extra CA for https, "" for the system's */
    int splash;               /* show the splash while updating at launch */
    char splash_image[1024];  /* PNG or BMP, absolute or relative to the install root */
    int64_t splash_linger_ms; /* how long the splash stays once the app has started */
    char display_name[BL_DISPLAY_NAME_MAX]; /* the app's name as users see it, any script ("": app_name) */
    char language[16];        /* the splash's language: "auto" (the user's locale), "en", "zh_CN"... */
    char watch_dir[1024];     /* a drop folder file_watcher watches ("": the file:// repository) */
    int64_t restart_exit_code; /* the app's exit code asking to restart into the staged version */
    int apply_on_exit;        /* switch to a staged version when the app exits, not at the next start */
    char target_version_prefix[32]; /* policy: only releases 1.2, 1.2.x... ("" any); see bl_version_has_prefix */
    int source[BL_CFG_KEY_COUNT];
    char file_path[1024];      /* the launcher.json that was read, "" if none */
    char user_file_path[1024]; /* the launcher.user.json that was read, "" if none */
    char policy_path[1024];    /* where the machine policy was read, "" if none */
} bl_config;

/* Receives one message per problem ("launcher.json: 'keep_versions' must be an
 * integer from 1 to 100, got \"two\"; using 2"). */
typedef void (*bl_config_report_fn)(void *ctx, const char *message);

/* Looks a variable up; tests pass their own, main passes getenv. */
typedef const char *(*bl_config_getenv_fn)(void *ctx, const char *name);

void bl_config_defaults(bl_config *cfg);

/* Applies a launcher.json text. label names it in messages and --print-config.
 * Returns BL_ECORRUPT if the text is not a JSON object, BL_ENOMEM (nothing
 * applied); bad keys are reported and skipped, the rest applied. A key or a
 * string holding a NUL (\u0000) is bad, not cut short at it. */
int bl_config_apply_json(bl_config *cfg, const char *text, size_t len, const char *label,
                         bl_config_report_fn report, void *ctx);

/* The same for the user's file (launcher.user.json): a key the user may not
 * set is reported and skipped, the rest win over launcher.json's. */
int bl_config_apply_user_json(bl_config *cfg, const char *text, size_t len, const char *label,
                              bl_config_report_fn report, void *ctx);

/* 1 if the user's file may set key (enum bl_config_key). */
int bl_config_user_may_set(int key);

/* The machine policy's text (a JSON object, as bl_plat_read_policy gives it),
 * label naming where it is: its keys win over every other source; a key the
 * policy may not set is reported and skipped. */
int bl_config_apply_policy_json(bl_config *cfg, const char *text, size_t len, const char *label,
                                bl_config_report_fn report, void *ctx);

/* 1 if the machine policy may set key. */
int bl_config_policy_may_set(int key);

/* Reads the machine's policy (a machine without one is not a problem) and
 * applies it: call it last. */
int bl_config_load_policy(bl_config *cfg, bl_config_report_fn report, void *ctx);

/* Applies the BOMIOT_* variables that are set. */
void bl_config_apply_env(bl_config *cfg, bl_config_getenv_fn get, void *get_ctx,
                         bl_config_report_fn report, void *ctx);

/* Reads path if it exists (a missing file is not a problem) and applies it. */
int bl_config_load_file(bl_config *cfg, const char *path, bl_config_report_fn report, void *ctx);

/* bl_config_load_file for the user's file. */
int bl_config_load_user_file(bl_config *cfg, const char *path, bl_config_report_fn report, void *ctx);

/* The effective config, one key a line, with where each value came from. */
void bl_config_print(const bl_config *cfg, FILE *out);

/* For --help: every variable the table defines, each with the launcher.json
 * key it overrides and its default on its first line and what the key does
 * below, wrapped to fit an 80-column terminal. */
void bl_config_print_env_help(FILE *out);

/* For --help: the keys the user's file may set, wrapped like the above. */
void bl_config_print_user_help(FILE *out);

/* Milliseconds as the seconds a user writes: 900 is "0.9", 1000 "1",
 * 1250 "1.25". */
void bl_config_format_ms(int64_t ms, char *out, size_t size);

/* The app's name as users see it (the splash's title, the installers'
 * menu entries): display_name, else app_name with its first letter
 * capitalised ("bomiot" is Bomiot). english gets the latter alone (may be
 * NULL): the title in ASCII, for a splash no font of which covers the other. */
void bl_config_app_title(const bl_config *cfg, char *title, size_t title_size, char *english, size_t english_size);

const char *bl_config_key_name(int key);
const char *bl_config_env_name(int key); /* NULL when no variable overrides it */

#endif
