/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/appname.h"
#include "base/fsutil.h"
#include "base/utf8.h"
#include "i18n.h"
#include "log.h"
#include "platform.h"
#include "trial.h"

#define CONFIG_FILE_MAX (256 * 1024)

/* KIND_MS: seconds written with up to three decimals ("0.9", 2.5, 60),
 * stored as int64_t milliseconds; min and max are in milliseconds. */
enum value_kind { KIND_STRING, KIND_BOOL, KIND_INT, KIND_MS, KIND_LOG_LEVEL, KIND_MODE };

typedef struct {
    const char *name;     /* key in launcher.json */
    const char *env;      /* overriding variable, or NULL */
    enum value_kind kind;
    size_t offset;        /* into bl_config */
    size_t size;          /* for strings: the buffer size */
    int64_t min, max;     /* for integers; for KIND_MS, milliseconds */
    const char *expected; /* what a user must write, for messages */
    const char *summary;  /* what the key does, one line; --help shows those with a variable */
} key_spec;

#define STR(field) offsetof(bl_config, field), sizeof(((bl_config *)0)->field)
#define NUM(field) offsetof(bl_config, field), 0

/* Indexed by enum bl_config_key. */
static const key_spec keys[BL_CFG_KEY_COUNT] = {
    {"update_url", "BOMIOT_UPDATE_URL", KIND_STRING, STR(update_url), 0, 0,
     "an http://, https:// or file:// URL", "update repository: http://, https:// or file://"},
    {"update_interval", "BOMIOT_UPDATE_INTERVAL", KIND_INT, NUM(update_interval), 0, 30 * 86400,
     "seconds from 0 (off) to 2592000",
     "seconds between update checks, at launch or while the app runs; 0: every launch, none while it runs"},
    {"auto_update", "BOMIOT_AUTO_UPDATE", KIND_BOOL, NUM(auto_update), 0, 0, "true or false",
     "install updates automatically"},
    {"incremental_update", "BOMIOT_INCREMENTAL_UPDATE", KIND_BOOL, NUM(incremental_update), 0, 0,
     "true or false", "prefer bsdiff patches over full archives"},
    {"patch_max_percent", NULL, KIND_INT, NUM(patch_max_percent), 1, 100, "a percentage from 1 to 100",
     "patches only when they total at most this % of the archive's size"},
    {"file_watcher", "BOMIOT_FILE_WATCHER", KIND_BOOL, NUM(file_watcher), 0, 0, "true or false",
     "check when a file:// repository (or watch_dir) changes"},
    {"app_name", NULL, KIND_STRING, STR(app_name), 0, 0, BL_APP_NAME_RULE,
     "names the targets {app}-{version}.tar.gz and .patch"},
    {"app_executable", NULL, KIND_STRING, STR(app_executable), 0, 0,
     "a relative path inside the version folder, without '..'",
     "the app inside versions/<version>/ (.exe added on Windows)"},
    {"keep_versions", NULL, KIND_INT, NUM(keep_versions), 1, 100, "an integer from 1 to 100",
     "installed versions kept, the running one included"},
    {"log_level", NULL, KIND_LOG_LEVEL, NUM(log_level), 0, 0, "debug, info, warn or error",
     "the least severe lines update.log keeps"},
    {"mode", NULL, KIND_MODE, NUM(mode), 0, 0, "supervise or exec",
     "supervise the app as a child, or exec it (a version on trial is supervised)"},
    {"healthy_seconds", NULL, KIND_INT, NUM(healthy_seconds), 1, 3600, "seconds from 1 to 3600",
     "a new version that runs this long is confirmed"},
    {"trial_attempts", NULL, KIND_INT, NUM(trial_attempts), 1, 100, "an integer from 1 to 100",
     "starts of an unconfirmed new version before it is rolled back"},
    {"trial_exit_codes", NULL, KIND_STRING, STR(trial_exit_codes), 0, 0,
     "\"any\", \"none\", or a list of exit codes and ranges from 1 to 255 such as \"1,3,64-78\"",
     "exit codes that fail a new version's trial: any (non-zero), none, or a list"},
    {"rerun_after_rollback", NULL, KIND_BOOL, NUM(rerun_after_rollback), 0, 0, "true or false",
     "after a crash on trial, start the previous version with the same arguments"},
    {"channel", "BOMIOT_CHANNEL", KIND_STRING, STR(channel), 0, 0, "stable or beta",
     "stable, or beta which also offers pre-releases"},
    {"check_seconds", NULL, KIND_MS, NUM(check_ms), 100, 600000,
     "seconds from 0.1 to 600, at most 3 decimals",
     "time box of the update check at launch"},
    {"download_seconds", NULL, KIND_INT, NUM(download_seconds), 1, 3600, "seconds from 1 to 3600",
     "time box of the downloads at launch, after the check; the rest goes on in the background"},
    {"update_at_launch", NULL, KIND_BOOL, NUM(update_at_launch), 0, 0, "true or false",
     "install updates at launch, or only stage them in the background"},
    {"ca_file", NULL, KIND_STRING, STR(ca_file), 0, 0,
     "the path of a PEM file of CA certificates, absolute or relative to the install root",
     "extra CA certificates (PEM) for an https repository"},
    {"splash", "BOMIOT_SPLASH", KIND_BOOL, NUM(splash), 0, 0, "true or false",
     "show the splash while updating at launch"},
    {"splash_image", NULL, KIND_STRING, STR(splash_image), 0, 0,
     "the path of a PNG or BMP image, absolute or relative to the install root",
     "the splash picture, PNG or BMP"},
    {"splash_linger_ms", NULL, KIND_INT, NUM(splash_linger_ms), 0, 60000, "milliseconds from 0 to 60000",
     "how long the splash stays once the app has started"},
    {"display_name", NULL, KIND_STRING, STR(display_name), 0, 0,
     "UTF-8 text of at most 127 bytes without control characters, or \"\" for app_name capitalised",
     "the app's name as users see it, in any script: the splash's title and the installers' menu entries"},
    {"language", NULL, KIND_STRING, STR(language), 0, 0,
     "\"auto\" (the user's locale) or a language the launcher has words for (po/LINGUAS), such as \"en\" or "
     "\"zh_CN\"",
     "the splash's language; auto: LC_ALL, LC_MESSAGES or LANG (Windows: the user's UI language)"},
    {"watch_dir", "BOMIOT_WATCH_DIR", KIND_STRING, STR(watch_dir), 0, 0,
     "the path of a folder whose changes trigger a check (with file_watcher), absolute or relative to the "
     "install root",
     "a drop folder for file_watcher, not the repository"},
    {"restart_exit_code", NULL, KIND_INT, NUM(restart_exit_code), 1, 254,
     "an exit code from 1 to 254, not 125, 126 or 127 (the launcher's own)",
     "the app's exit code that asks the supervising launcher to restart into a staged update"},
    {"apply_on_exit", NULL, KIND_BOOL, NUM(apply_on_exit), 0, 0, "true or false",
     "when the app exits, switch to a staged update then rather than at the next start"},
    {"target_version_prefix", NULL, KIND_STRING, STR(target_version_prefix), 0, 0,
     "a version prefix such as \"2\" or \"2.3\" (numbers and dots), or \"\" for none",
     "machine policy only: install only releases that begin so (2.3 takes 2.3.x), going back to one if newer "
     "is installed"},
};

/* 125-127 are the launcher's own failures (launch.h): an app's restart
 * request must never read as one. */
static int is_restart_code_allowed(int64_t code)
{
    return code < 125 || code > 127;
}

/* Who owns a key. The user's file (launcher.user.json) holds what a person
 * chooses for this installation, which no reinstall or self-update may take
 * away: which releases they get (channel), whether, when and how updates come
 * (auto_update, update_interval, update_at_launch, incremental_update,
 * apply_on_exit), how
 * long a launch waits on the server (check_seconds, download_seconds), how
 * many versions the disk keeps, the log's detail, whether a splash shows and
 * in which language.
 * The rest is the publisher's launcher.json, replaced with each release of the
 * installer: where updates come from and which CA vouches for that server
 * (update_url, ca_file, file_watcher, watch_dir: a user file pointing
 * elsewhere would silently outlive the publisher's move to a new server,
 * through every reinstall), which app runs and how a new version of it is
 * judged and talks to it (app_name, app_executable, mode, healthy_seconds,
 * trial_*, rerun_after_rollback, restart_exit_code: the publisher knows its
 * app), patch_max_percent (a
 * property of the repository), the splash picture and the app's display
 * name (branding). A user who
 * must point the launcher elsewhere for once has the BOMIOT_* variables. */
static const int user_keys[] = {
    BL_CFG_CHANNEL, BL_CFG_AUTO_UPDATE, BL_CFG_UPDATE_INTERVAL, BL_CFG_UPDATE_AT_LAUNCH,
    BL_CFG_INCREMENTAL_UPDATE, BL_CFG_CHECK_SECONDS, BL_CFG_DOWNLOAD_SECONDS, BL_CFG_KEEP_VERSIONS,
    BL_CFG_LOG_LEVEL, BL_CFG_SPLASH, BL_CFG_APPLY_ON_EXIT, BL_CFG_LANGUAGE,
};

int bl_config_user_may_set(int key)
{
    size_t i;
    for (i = 0; i < sizeof user_keys / sizeof user_keys[0]; i++) {
        if (user_keys[i] == key)
            return 1;
    }
    return 0;
}

/* What an administrator decides for every user of a machine (a shared
 * office, a lab): whether updates install, how often the launcher asks,
 * which channel, which releases (a version prefix pins to them), and the
 * server with the CA that vouches for it (a company mirror). The rest is
 * about the app and its user, where a machine's policy has no say.
 * target_version_prefix is the policy's alone: a pin in a user's file would
 * silently keep one person on an old release for ever. */
static const int policy_keys[] = {
    BL_CFG_AUTO_UPDATE, BL_CFG_UPDATE_INTERVAL, BL_CFG_CHANNEL, BL_CFG_UPDATE_URL, BL_CFG_CA_FILE,
    BL_CFG_TARGET_VERSION_PREFIX,
};

int bl_config_policy_may_set(int key)
{
    size_t i;
    for (i = 0; i < sizeof policy_keys / sizeof policy_keys[0]; i++) {
        if (policy_keys[i] == key)
            return 1;
    }
    return 0;
}

/* "2", "2.3", "10.0.1": numbers and dots, as a version's release part
 * begins; "" lifts the pin. */
static int is_version_prefix(const char *s)
{
    if (!*s)
        return 1;
    for (;;) {
        size_t n = strspn(s, "0123456789");
        if (n == 0 || n > 9)
            return 0;
        s += n;
        if (*s == '\0')
            return 1;
        if (*s++ != '.')
            return 0;
    }
}

/* Text a title bar, a menu and a .desktop file show as it is: valid UTF-8
 * (any script), no control characters (C0, DEL, C1: a newline would end a
 * .desktop line), not blank. "" means none. */
static int is_display_name(const char *s)
{
    size_t len = strlen(s), i = 0, n;
    int visible = 0;
    uint32_t cp;
    while (i < len) {
        if ((n = bl_utf8_sequence((const unsigned char *)s + i, len - i, &cp)) == 0 || cp < 0x20 ||
            (cp >= 0x7F && cp <= 0x9F))
            return 0;
        if (cp != ' ' && cp != 0x3000) /* an ideographic space is blank too */
            visible = 1;
        i += n;
    }
    return len == 0 || visible;
}

static void report(bl_config_report_fn fn, void *ctx, const char *fmt, ...) BL_PRINTF(3, 4);

static void report(bl_config_report_fn fn, void *ctx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (!fn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fn(ctx, msg);
}

void bl_config_defaults(bl_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->update_url, sizeof cfg->update_url, "http://localhost:8000/updates");
    cfg->update_interval = 3600;
    cfg->auto_update = 1;
    cfg->incremental_update = 1;
    cfg->patch_max_percent = 80; /* tufup's MAX_SIZE_RATIO */
    cfg->file_watcher = 0;
    snprintf(cfg->app_name, sizeof cfg->app_name, "bomiot");
    snprintf(cfg->app_executable, sizeof cfg->app_executable, "bomiot%s", BL_EXE_SUFFIX);
    cfg->keep_versions = 2;
    cfg->log_level = BL_LOG_INFO;
    cfg->mode = BL_MODE_SUPERVISE;
    cfg->healthy_seconds = 10;
    cfg->trial_attempts = 2;
    snprintf(cfg->trial_exit_codes, sizeof cfg->trial_exit_codes, "any");
    cfg->rerun_after_rollback = 1;
    snprintf(cfg->channel, sizeof cfg->channel, "stable");
    cfg->check_ms = 900; /* README: "The time box at launch", why 0.9 s */
    cfg->download_seconds = 30;
    cfg->update_at_launch = 1;
    cfg->splash = 1;
    snprintf(cfg->splash_image, sizeof cfg->splash_image, "resources/splash.png");
    snprintf(cfg->language, sizeof cfg->language, "auto");
    cfg->splash_linger_ms = 0;
    cfg->restart_exit_code = 85;
    cfg->apply_on_exit = 1;
}

static int is_valid_url(const char *s)
{
    return (strncmp(s, "http://", 7) == 0 && s[7]) || (strncmp(s, "https://", 8) == 0 && s[8]) ||
           (strncmp(s, "file://", 7) == 0 && s[7]);
}

/* "https://h/updates/" is "https://h/updates": the client adds
 * "/metadata/...", and a doubled slash is another key to a bucket (S3). The
 * scheme's "//" and one character after it stay (is_valid_url). */
static void trim_trailing_slashes(char *url)
{
    size_t n = strlen(url), keep = strstr(url, "://") ? (size_t)(strstr(url, "://") - url) + 4 : 1;
    while (n > keep && url[n - 1] == '/')
        url[--n] = '\0';
}

/* The app executable must stay inside its version folder. */
static int is_valid_relative_path(const char *s)
{
    const char *part = s;
    if (!*s || *s == '/' || *s == '\\' || strchr(s, ':'))
        return 0;
    while (*part) {
        size_t n = strcspn(part, "/\\");
        if (n == 0 || (n == 1 && part[0] == '.') || (n == 2 && part[0] == '.' && part[1] == '.'))
            return 0;
        part += n;
        if (*part)
            part++;
    }
    return part[-1] != '/' && part[-1] != '\\';
}

static int equals_ignoring_case(const char *a, const char *b)
{
    while (*a && tolower((unsigned char)*a) == tolower((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

static int parse_bool_text(const char *s, int *out)
{
    static const char *truths[] = {"true", "1", "yes", "on"};
    static const char *lies[] = {"false", "0", "no", "off"};
    size_t i;
    for (i = 0; i < 4; i++) {
        if (equals_ignoring_case(s, truths[i]))
            return *out = 1, 1;
        if (equals_ignoring_case(s, lies[i]))
            return *out = 0, 1;
    }
    return 0;
}

static int parse_int_text(const char *s, int64_t *out)
{
    char *end;
    long long v;
    if (!isdigit((unsigned char)*s) && *s != '-')
        return 0;
    v = strtoll(s, &end, 10);
    if (*end != '\0' || end == s)
        return 0;
    *out = v;
    return 1;
}

/* "0.9", "2.5", "60", "1.250": seconds, at most three decimals, into
 * milliseconds. No sign, no exponent: the environment's text and a JSON
 * string read alike. Too many digits for an int64_t fail here. */
static int parse_ms_text(const char *s, int64_t *out)
{
    int64_t ms = 0;
    int decimals = 0;
    if (!isdigit((unsigned char)*s))
        return 0;
    for (; isdigit((unsigned char)*s); s++) {
        if (ms > (INT64_MAX - 9) / 10)
            return 0;
        ms = ms * 10 + (*s - '0');
    }
    if (ms > INT64_MAX / 1000)
        return 0;
    ms *= 1000;
    if (*s == '.') {
        int64_t unit = 100;
        for (s++; isdigit((unsigned char)*s); s++, decimals++) {
            if (decimals == 3)
                return 0;
            ms += (*s - '0') * unit;
            unit /= 10;
        }
        if (decimals == 0)
            return 0;
    }
    if (*s != '\0')
        return 0;
    *out = ms;
    return 1;
}

/* A JSON number of seconds into milliseconds: 0.9 is 900, 1 is 1000; more
 * than three decimals (0.0005) is refused rather than rounded. The range is
 * checked on the double first, so 1e300 never reaches the conversion. */
static int json_seconds_to_ms(double seconds, int64_t min, int64_t max, int64_t *out)
{
    double ms = seconds * 1000.0, whole;
    if (!(ms >= (double)min - 0.5 && ms <= (double)max + 0.5))
        return 0;
    whole = floor(ms + 0.5);
    if (fabs(ms - whole) > 1e-6) /* 0.9 * 1000 is 900.0000000000001: within; 0.0005 s is not */
        return 0;
    if (whole < (double)min || whole > (double)max)
        return 0;
    *out = (int64_t)whole;
    return 1;
}

/* Stores a textual value (from the environment, or a JSON string) for key k.
 * Returns 1 if it was valid and stored. */
static int store_text(bl_config *cfg, int k, const char *text)
{
    const key_spec *spec = &keys[k];
    char *base = (char *)cfg;
    int64_t number;
    int flag;

    switch (spec->kind) {
    case KIND_STRING:
        if (strlen(text) >= spec->size)
            return 0;
        if ((k == BL_CFG_UPDATE_URL && !is_valid_url(text)) ||
            (k == BL_CFG_APP_NAME && bl_app_name_check(text, NULL) != BL_OK) ||
            (k == BL_CFG_APP_EXECUTABLE && !is_valid_relative_path(text)) ||
            (k == BL_CFG_CHANNEL && strcmp(text, "stable") != 0 && strcmp(text, "beta") != 0) ||
            (k == BL_CFG_SPLASH_IMAGE && !*text) ||
            (k == BL_CFG_TRIAL_EXIT_CODES && !bl_trial_exit_rule_valid(text)) ||
            (k == BL_CFG_TARGET_VERSION_PREFIX && !is_version_prefix(text)) ||
            (k == BL_CFG_DISPLAY_NAME && !is_display_name(text)) ||
            (k == BL_CFG_LANGUAGE && strcmp(text, "auto") != 0 && !bl_i18n_known(text)))
            return 0;
        memcpy(base + spec->offset, text, strlen(text) + 1);
        if (k == BL_CFG_UPDATE_URL)
            trim_trailing_slashes(base + spec->offset);
        return 1;
    case KIND_BOOL:
        if (!parse_bool_text(text, &flag))
            return 0;
        *(int *)(base + spec->offset) = flag;
        return 1;
    case KIND_INT:
        if (!parse_int_text(text, &number) || number < spec->min || number > spec->max ||
            (k == BL_CFG_RESTART_EXIT_CODE && !is_restart_code_allowed(number)))
            return 0;
        *(int64_t *)(base + spec->offset) = number;
        return 1;
    case KIND_MS:
        if (!parse_ms_text(text, &number) || number < spec->min || number > spec->max)
            return 0;
        *(int64_t *)(base + spec->offset) = number;
        return 1;
    case KIND_LOG_LEVEL:
        return bl_log_level_parse(text, (int *)(base + spec->offset)) == BL_OK;
    case KIND_MODE:
        if (strcmp(text, "supervise") == 0)
            cfg->mode = BL_MODE_SUPERVISE;
        else if (strcmp(text, "exec") == 0)
            cfg->mode = BL_MODE_EXEC;
        else
            return 0;
        return 1;
    }
    return 0;
}

/* trial_exit_codes written as a JSON list of codes, [1, 3]: stored as the
 * text "1,3" would be. An empty list is "none". */
static int store_code_list(bl_config *cfg, int k, const cJSON *list)
{
    char text[sizeof cfg->trial_exit_codes] = "";
    size_t used = 0;
    const cJSON *code;
    cJSON_ArrayForEach(code, list) {
        int n;
        if (!cJSON_IsNumber(code) || code->valuedouble != floor(code->valuedouble) || code->valuedouble < 1 ||
            code->valuedouble > 255)
            return 0;
        n = snprintf(text + used, sizeof text - used, "%s%d", used ? "," : "", (int)code->valuedouble);
        if (n < 0 || (size_t)n >= sizeof text - used)
            return 0;
        used += (size_t)n;
    }
    return store_text(cfg, k, used ? text : "none");
}

/* JSON values: strings go through store_text; booleans and integers are also
 * accepted as JSON literals, the natural way to write them in a file. */
static int store_json(bl_config *cfg, int k, const cJSON *item, char *shown, size_t shown_size)
{
    const key_spec *spec = &keys[k];
    char *printed;

    printed = cJSON_PrintUnformatted(item);
    snprintf(shown, shown_size, "%.60s%s", printed ? printed : "?",
             printed && strlen(printed) > 60 ? "..." : "");
    free(printed);

    if (cJSON_IsString(item)) /* "3600" and "false" read as the environment's would */
        return store_text(cfg, k, item->valuestring);
    if (cJSON_IsArray(item) && k == BL_CFG_TRIAL_EXIT_CODES)
        return store_code_list(cfg, k, item);
    if (cJSON_IsBool(item) && spec->kind == KIND_BOOL) {
        *(int *)((char *)cfg + spec->offset) = cJSON_IsTrue(item);
        return 1;
    }
    if (cJSON_IsNumber(item) && spec->kind == KIND_INT) {
        double d = item->valuedouble; /* valueint saturates; check the double */
        if (d != floor(d) || d < (double)spec->min || d > (double)spec->max ||
            (k == BL_CFG_RESTART_EXIT_CODE && !is_restart_code_allowed((int64_t)d)))
            return 0;
        *(int64_t *)((char *)cfg + spec->offset) = (int64_t)d;
        return 1;
    }
    if (cJSON_IsNumber(item) && spec->kind == KIND_MS)
        return json_seconds_to_ms(item->valuedouble, spec->min, spec->max, (int64_t *)((char *)cfg + spec->offset));
    return 0;
}

static int find_key(const char *name)
{
    int k;
    for (k = 0; k < BL_CFG_KEY_COUNT; k++) {
        if (strcmp(keys[k].name, name) == 0)
            return k;
    }
    return -1;
}

static void describe_current(const bl_config *cfg, int k, char *out, size_t size);

enum { NUL_IN_KEY = 1, NUL_IN_VALUE = 2 };

/* cJSON ends its strings at the first NUL, so "bomiot\u0000.sh" would read
 * as "bomiot": marks, for each member of the top-level object (in order, as
 * cJSON keeps them), whether its key or its value holds a NUL, escaped or
 * raw. The text has parsed as an object, so a light walk is enough: strings,
 * depth, and the commas and colons at depth 1. */
static void find_nuls(const char *text, size_t len, unsigned char *marks, size_t members)
{
    size_t i = 0, member = 0;
    int depth = 0, in_value = 0;

    while (i < len) {
        char c = text[i];
        if (c == '"') {
            int nul = 0;
            for (i++; i < len && text[i] != '"'; i++) {
                if (text[i] == '\0')
                    nul = 1;
                if (text[i] == '\\' && i + 1 < len) {
                    if (text[i + 1] == 'u' && i + 5 < len && memcmp(text + i + 2, "0000", 4) == 0)
                        nul = 1;
                    i++;
                }
            }
            if (nul && depth >= 1 && member < members)
                marks[member] |= depth == 1 && !in_value ? NUL_IN_KEY : NUL_IN_VALUE;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (depth == 1 && c == ':') {
            in_value = 1;
        } else if (depth == 1 && c == ',') {
            member++;
            in_value = 0;
        } else if (c == '\0' && depth >= 1 && member < members) {
            marks[member] |= in_value ? NUL_IN_VALUE : NUL_IN_KEY;
        }
        i++;
    }
}

enum layer { LAYER_FILE, LAYER_USER, LAYER_POLICY };

/* Applies a JSON object as the publisher's file, the user's or the policy. */
static int apply_object(bl_config *cfg, const char *text, size_t len, const char *label, enum layer layer,
                        bl_config_report_fn fn, void *ctx)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    const cJSON *item;
    char shown[80], current[300];
    unsigned char *nuls = NULL;
    size_t members, member = 0;
    const char *fallback = layer == LAYER_FILE ? "using defaults for every key"
                           : layer == LAYER_USER ? "ignoring the file"
                                                 : "ignoring the policy";

    if (!root || !cJSON_IsObject(root)) {
        const char *where = root ? NULL : cJSON_GetErrorPtr();
        size_t offset = where && where >= text && where <= text + len ? (size_t)(where - text) : 0;
        if (!root)
            report(fn, ctx, "%s: not valid JSON (error near byte %zu); %s", label, offset, fallback);
        else
            report(fn, ctx, "%s: expected a JSON object {...}; %s", label, fallback);
        cJSON_Delete(root);
        return BL_ECORRUPT;
    }
    members = (size_t)cJSON_GetArraySize(root);
    if (members > 0 && !(nuls = calloc(members, 1))) {
        report(fn, ctx, "%s: out of memory; %s", label, fallback);
        cJSON_Delete(root);
        return BL_ENOMEM;
    }
    if (nuls)
        find_nuls(text, len, nuls, members);
    if (layer == LAYER_USER)
        snprintf(cfg->user_file_path, sizeof cfg->user_file_path, "%s", label);
    else if (layer == LAYER_POLICY)
        snprintf(cfg->policy_path, sizeof cfg->policy_path, "%s", label);
    else
        snprintf(cfg->file_path, sizeof cfg->file_path, "%s", label);
    cJSON_ArrayForEach(item, root) {
        int k = find_key(item->string), nul = nuls[member];
        member++;
        if (nul & NUL_IN_KEY) {
            report(fn, ctx, "%s: a key holding a NUL character (\\u0000), '%s...', ignored", label, item->string);
            continue;
        }
        if (k >= 0 && (nul & NUL_IN_VALUE)) {
            describe_current(cfg, k, current, sizeof current);
            report(fn, ctx, "%s: '%s' must be %s, got a string holding a NUL character (\\u0000); using %s", label,
                   keys[k].name, keys[k].expected, current);
            continue;
        }
        if (k < 0) {
            report(fn, ctx, "%s: unknown key '%s' ignored", label, item->string);
            continue;
        }
        if (layer != LAYER_POLICY && k == BL_CFG_TARGET_VERSION_PREFIX) {
            report(fn, ctx, "%s: '%s' is the machine policy's setting (%s), not this file's; ignored", label,
                   keys[k].name, bl_plat_policy_location());
            continue;
        }
        if (layer == LAYER_USER && !bl_config_user_may_set(k)) {
            report(fn, ctx, "%s: '%s' is the publisher's setting (launcher.json), not the user's; ignored", label,
                   keys[k].name);
            continue;
        }
        if (layer == LAYER_POLICY && !bl_config_policy_may_set(k)) {
            report(fn, ctx, "%s: '%s' is not a machine policy setting (those are auto_update, update_interval, "
                   "channel, update_url, ca_file, target_version_prefix); ignored", label, keys[k].name);
            continue;
        }
        if (store_json(cfg, k, item, shown, sizeof shown)) {
            cfg->source[k] = layer == LAYER_USER ? BL_SOURCE_USER_FILE
                             : layer == LAYER_POLICY ? BL_SOURCE_POLICY
                                                     : BL_SOURCE_FILE;
        } else {
            describe_current(cfg, k, current, sizeof current);
            report(fn, ctx, "%s: '%s' must be %s, got %s; using %s", label, keys[k].name,
                   keys[k].expected, shown, current);
        }
    }
    free(nuls);
    cJSON_Delete(root);
    return BL_OK;
}

int bl_config_apply_json(bl_config *cfg, const char *text, size_t len, const char *label,
                         bl_config_report_fn fn, void *ctx)
{
    return apply_object(cfg, text, len, label, LAYER_FILE, fn, ctx);
}

int bl_config_apply_user_json(bl_config *cfg, const char *text, size_t len, const char *label,
                              bl_config_report_fn fn, void *ctx)
{
    return apply_object(cfg, text, len, label, LAYER_USER, fn, ctx);
}

int bl_config_apply_policy_json(bl_config *cfg, const char *text, size_t len, const char *label,
                                bl_config_report_fn fn, void *ctx)
{
    return apply_object(cfg, text, len, label, LAYER_POLICY, fn, ctx);
}

int bl_config_load_policy(bl_config *cfg, bl_config_report_fn fn, void *ctx)
{
    char *text = NULL;
    size_t len = 0;
    bl_error err;
    int rc = bl_plat_read_policy(&text, &len, &err);
    if (rc == BL_ENOTFOUND)
        return BL_OK;
    if (rc != BL_OK) {
        report(fn, ctx, "%s; ignoring the machine policy", err.msg);
        return rc;
    }
    rc = apply_object(cfg, text, len, bl_plat_policy_location(), LAYER_POLICY, fn, ctx);
    free(text);
    return rc;
}

void bl_config_apply_env(bl_config *cfg, bl_config_getenv_fn get, void *get_ctx,
                         bl_config_report_fn fn, void *ctx)
{
    char current[300];
    int k;
    for (k = 0; k < BL_CFG_KEY_COUNT; k++) {
        const char *value;
        if (!keys[k].env || !(value = get(get_ctx, keys[k].env)))
            continue;
        if (store_text(cfg, k, value)) {
            cfg->source[k] = BL_SOURCE_ENV;
        } else {
            describe_current(cfg, k, current, sizeof current);
            report(fn, ctx, "environment: %s must be %s, got \"%.60s\"; using %s", keys[k].env,
                   keys[k].expected, value, current);
        }
    }
}

static int load_file(bl_config *cfg, const char *path, enum layer layer, bl_config_report_fn fn, void *ctx)
{
    char *text = NULL;
    size_t len = 0;
    bl_error err;
    int rc;

    rc = bl_fs_read_all(path, CONFIG_FILE_MAX, &text, &len, &err);
    if (rc == BL_ENOTFOUND)
        return BL_OK;
    if (rc != BL_OK) {
        report(fn, ctx, "%s; %s", err.msg, layer == LAYER_USER ? "ignoring it" : "using defaults");
        return rc;
    }
    rc = apply_object(cfg, text, len, path, layer, fn, ctx);
    free(text);
    return rc;
}

int bl_config_load_file(bl_config *cfg, const char *path, bl_config_report_fn fn, void *ctx)
{
    return load_file(cfg, path, LAYER_FILE, fn, ctx);
}

int bl_config_load_user_file(bl_config *cfg, const char *path, bl_config_report_fn fn, void *ctx)
{
    return load_file(cfg, path, LAYER_USER, fn, ctx);
}

static void describe_current(const bl_config *cfg, int k, char *out, size_t size)
{
    const char *base = (const char *)cfg;
    const key_spec *spec = &keys[k];
    switch (spec->kind) {
    case KIND_STRING:
        snprintf(out, size, "\"%s\"", base + spec->offset);
        break;
    case KIND_BOOL:
        snprintf(out, size, "%s", *(const int *)(base + spec->offset) ? "true" : "false");
        break;
    case KIND_INT:
        snprintf(out, size, "%lld", (long long)*(const int64_t *)(base + spec->offset));
        break;
    case KIND_MS:
        bl_config_format_ms(*(const int64_t *)(base + spec->offset), out, size);
        break;
    case KIND_LOG_LEVEL:
        snprintf(out, size, "%s", bl_log_level_name(cfg->log_level));
        break;
    case KIND_MODE:
        snprintf(out, size, "%s", cfg->mode == BL_MODE_EXEC ? "exec" : "supervise");
        break;
    }
}

void bl_config_print(const bl_config *cfg, FILE *out)
{
    char value[300];
    int k;
    for (k = 0; k < BL_CFG_KEY_COUNT; k++) {
        describe_current(cfg, k, value, sizeof value);
        if (keys[k].kind == KIND_LOG_LEVEL) /* print as it is written */
            for (char *p = value; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        if (cfg->source[k] == BL_SOURCE_ENV)
            fprintf(out, "%-21s %-40s (environment %s)\n", keys[k].name, value, keys[k].env);
        else if (cfg->source[k] == BL_SOURCE_FILE)
            fprintf(out, "%-21s %-40s (%s)\n", keys[k].name, value, cfg->file_path);
        else if (cfg->source[k] == BL_SOURCE_USER_FILE)
            fprintf(out, "%-21s %-40s (%s)\n", keys[k].name, value, cfg->user_file_path);
        else if (cfg->source[k] == BL_SOURCE_POLICY)
            fprintf(out, "%-21s %-40s (machine policy %s)\n", keys[k].name, value, cfg->policy_path);
        else
            fprintf(out, "%-21s %-40s (default)\n", keys[k].name, value);
    }
}

/* --help's layout: lines shorter than an 80-column terminal, so none wraps. */
#define HELP_WIDTH 79

/* Writes text's words from column *col, starting a new line indented to
 * indent before a word that would pass HELP_WIDTH. */
static void write_wrapped(FILE *out, const char *text, int indent, int *col)
{
    for (;;) {
        size_t n;
        text += strspn(text, " ");
        if (!(n = strcspn(text, " ")))
            return;
        if (*col > indent && *col + 1 + (int)n > HELP_WIDTH) {
            fprintf(out, "\n%*s", indent, "");
            *col = indent;
        } else if (*col > indent) {
            fputc(' ', out);
            (*col)++;
        }
        fwrite(text, 1, n, out);
        *col += (int)n;
        text += n;
    }
}

void bl_config_print_env_help(FILE *out)
{
    bl_config defaults;
    char value[300], text[400];
    size_t longest = 0;
    int k, indent, col;

    bl_config_defaults(&defaults);
    for (k = 0; k < BL_CFG_KEY_COUNT; k++) {
        if (keys[k].env && strlen(keys[k].env) > longest)
            longest = strlen(keys[k].env);
    }
    indent = 2 + (int)longest + 2;
    for (k = 0; k < BL_CFG_KEY_COUNT; k++) {
        const char *shown = value;
        if (!keys[k].env)
            continue;
        if (keys[k].kind == KIND_STRING) /* without describe_current's quotes */
            shown = (const char *)&defaults + keys[k].offset;
        else
            describe_current(&defaults, k, value, sizeof value);
        if (!*shown)
            shown = "none";
        snprintf(text, sizeof text, "%s, default %s", keys[k].name, shown);
        fprintf(out, "  %-*s", indent - 2, keys[k].env);
        col = indent;
        write_wrapped(out, text, indent, &col);
        fprintf(out, "\n%*s", indent, "");
        col = indent;
        write_wrapped(out, keys[k].summary, indent, &col);
        fputc('\n', out);
    }
}

void bl_config_print_user_help(FILE *out)
{
    size_t i;
    int col = 2;
    char name[40];

    fprintf(out, "  ");
    for (i = 0; i < sizeof user_keys / sizeof user_keys[0]; i++) {
        snprintf(name, sizeof name, "%s%s", keys[user_keys[i]].name,
                 i + 1 < sizeof user_keys / sizeof user_keys[0] ? "," : "");
        write_wrapped(out, name, 2, &col);
    }
    fputc('\n', out);
}

void bl_config_format_ms(int64_t ms, char *out, size_t size)
{
    /* Whole seconds, then up to three decimals without trailing zeros: 900
     * is "0.9", 1050 "1.05", 60000 "60". Digit arithmetic rather than
     * trimming a string: gcc -O3 could not see that the trimming loop stops
     * at the '.', and its stringop-overflow warning stopped Release builds. */
    int64_t whole = ms / 1000;
    int part = (int)(ms % 1000), digits = 3;
    if (part <= 0) { /* ms is never negative: the config refuses it */
        snprintf(out, size, "%lld", (long long)whole);
        return;
    }
    while (part % 10 == 0) {
        part /= 10;
        digits--;
    }
    snprintf(out, size, "%lld.%0*d", (long long)whole, digits, part);
}

void bl_config_app_title(const bl_config *cfg, char *title, size_t title_size, char *english, size_t english_size)
{
    char capitalised[sizeof cfg->app_name];
    snprintf(capitalised, sizeof capitalised, "%s", cfg->app_name);
    if (capitalised[0] >= 'a' && capitalised[0] <= 'z')
        capitalised[0] = (char)(capitalised[0] - 'a' + 'A');
    if (title && title_size > 0)
        snprintf(title, title_size, "%s", cfg->display_name[0] ? cfg->display_name : capitalised);
    if (english && english_size > 0)
        snprintf(english, english_size, "%s", capitalised);
}

const char *bl_config_key_name(int key)
{
    return key >= 0 && key < BL_CFG_KEY_COUNT ? keys[key].name : NULL;
}

const char *bl_config_env_name(int key)
{
    return key >= 0 && key < BL_CFG_KEY_COUNT ? keys[key].env : NULL;
}
