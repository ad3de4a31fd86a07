/* bomiot-launcher: the entry point a user's icon points to.
 * The path reads top to bottom: locate the install root, open the log, read
 * the config, take the lock, clean up, pick the version from state.json, start
 * the app. Later steps (trust, plan, fetch, delta, unpack, switch) slot in
 * between the lock and the start. Nothing below may stop the installed app
 * from starting: every failure before the start is logged and worked around. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "config.h"
#include "fsutil.h"
#include "install.h"
#include "log.h"
#include "platform.h"
#include "state.h"
#include "supervise.h"

/* Exit codes of the launcher's own failures, in the range shells use for
 * "could not run the command", so they do not look like the app's own. */
#define EXIT_LAUNCHER_FAILED 125
#define EXIT_APP_NOT_RUNNABLE 126
#define EXIT_NOTHING_INSTALLED 127

static void print_help(FILE *out)
{
    fprintf(out,
            "Usage: bomiot-launcher [ARGS...]\n"
            "       bomiot-launcher --help | --version | --print-config\n"
            "       bomiot-launcher -- ARGS...\n"
            "\n"
            "Starts the installed Bomiot app from the folder this launcher is in,\n"
            "passing ARGS, the working folder and the environment through unchanged,\n"
            "and exits with the app's exit code.\n"
            "\n"
            "Launcher options are recognised only as the first argument; everything\n"
            "else, and everything after a leading --, goes to the app.\n"
            "  --help          show this help\n"
            "  --version       show the launcher's version\n"
            "  --print-config  show the effective configuration and where each value\n"
            "                  came from (default, launcher.json, environment)\n"
            "\n"
            "Configuration: launcher.json beside the launcher, overridden by\n"
            "BOMIOT_UPDATE_URL, BOMIOT_UPDATE_INTERVAL, BOMIOT_AUTO_UPDATE,\n"
            "BOMIOT_INCREMENTAL_UPDATE and BOMIOT_FILE_WATCHER.\n"
            "Log: cache/update.log beside the launcher.\n"
            "\n"
            "Exit status: the app's; if the app died of a signal, the same signal;\n"
            "%d the launcher failed, %d the app could not be started, %d no version\n"
            "is installed.\n",
            EXIT_LAUNCHER_FAILED, EXIT_APP_NOT_RUNNABLE, EXIT_NOTHING_INSTALLED);
}

static void log_warning(void *ctx, const char *message)
{
    bl_log(BL_LOG_WARN, (const char *)ctx, "%s", message);
}

static const char *env_lookup(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

/* The install root is the folder of the launcher's real executable, so a
 * shortcut or a symlink in ~/.local/bin finds the same installation. */
static int locate_root(char *root, size_t size, bl_error *err)
{
    char exe[BL_PATH_MAX];
    size_t len = sizeof exe;
    int rc = uv_exepath(exe, &len);
    if (rc != 0)
        return bl_error_set(err, BL_EIO, "cannot find the launcher's own path: %s", uv_strerror(rc));
    return bl_fs_dirname(exe, root, size) == BL_OK ? BL_OK
                                                   : bl_error_set(err, BL_ETOOBIG, "path too long: %s", exe);
}

static void load_config(const bl_layout *layout, bl_config *cfg)
{
    bl_config_defaults(cfg);
    bl_config_load_file(cfg, layout->config_path, log_warning, "config");
    bl_config_apply_env(cfg, env_lookup, NULL, log_warning, "config");
    bl_log_set_level(cfg->log_level);
}

/* Reads state.json, recovering from what versions/ holds when it is missing,
 * corrupt or names a version that is not there. Only the lock holder writes
 * the recovered state back. */
static int choose_version(const bl_layout *layout, int have_lock, bl_state *state, char *version)
{
    bl_version_list complete;
    bl_error err;
    char why[512];
    int state_ok, rc;

    rc = bl_state_load(layout->state_path, state, &err);
    state_ok = rc == BL_OK;
    if (rc == BL_ENOTFOUND)
        bl_log(BL_LOG_INFO, "state", "no state.json yet");
    else if (rc != BL_OK)
        bl_log(BL_LOG_WARN, "state", "%s; recovering from the installed versions", err.msg);
    if (!state_ok)
        bl_state_init(state);

    if (bl_install_list_complete(layout, &complete, &err) != BL_OK) {
        bl_log(BL_LOG_ERROR, "install", "%s", err.msg);
        return EXIT_NOTHING_INSTALLED;
    }
    if (bl_install_pick(state, state_ok, &complete, version, why, sizeof why) != BL_OK) {
        bl_log(BL_LOG_ERROR, "install", "%s in %s; reinstall Bomiot", why, layout->versions_dir);
        return EXIT_NOTHING_INSTALLED;
    }
    if (why[0]) {
        /* No state.json is the normal first start after an installer. */
        bl_log(rc == BL_ENOTFOUND ? BL_LOG_INFO : BL_LOG_WARN, "state", "%s", why);
        if (strcmp(state->current, version) != 0 && state->current[0] &&
            bl_version_is_safe_name(state->current))
            snprintf(state->previous, sizeof state->previous, "%s", state->current);
        snprintf(state->current, sizeof state->current, "%s", version);
        state->trial = 0;
        state->attempts = 0;
        if (have_lock && bl_state_save(layout->state_path, state, &err) != BL_OK)
            bl_log(BL_LOG_WARN, "state", "could not save the recovered state: %s", err.msg);
    }
    return 0;
}

static int start_app(const bl_config *cfg, const char *app, char **argv, bl_plat_lock *lock)
{
    bl_app_status status;
    bl_error err;
    int rc;

    argv[0] = (char *)app;
    if (cfg->mode == BL_MODE_EXEC) {
        bl_log(BL_LOG_INFO, "launch", "exec %s", app);
        bl_plat_lock_release(lock);
        bl_log_close();
        rc = bl_plat_exec(app, argv, &err);
        if (rc == BL_EUNSUPPORTED) /* Windows: start it and step aside */
            rc = bl_supervise_spawn_detached(app, argv, &err);
        if (rc == BL_OK)
            return 0;
        bl_log(BL_LOG_ERROR, "launch", "%s", err.msg);
        return rc == BL_ENOTFOUND ? EXIT_NOTHING_INSTALLED : EXIT_APP_NOT_RUNNABLE;
    }

    rc = bl_supervise_run(app, argv, &status, &err);
    bl_plat_lock_release(lock);
    if (rc != BL_OK) {
        bl_log(BL_LOG_ERROR, "launch", "%s", err.msg);
        return rc == BL_ENOTFOUND ? EXIT_NOTHING_INSTALLED : EXIT_APP_NOT_RUNNABLE;
    }
    if (status.term_signal) {
        bl_log(BL_LOG_WARN, "supervise", "the app was killed by signal %d", status.term_signal);
        bl_log_close();
        bl_plat_die_by_signal(status.term_signal);
        return 128 + status.term_signal;
    }
    bl_log(BL_LOG_INFO, "supervise", "the app exited with code %d", status.exit_code);
    return status.exit_code;
}

int main(int argc, char **argv)
{
    char root[BL_PATH_MAX], version[BL_VERSION_MAX_TEXT], app[BL_PATH_MAX];
    char **app_argv = argv;
    bl_layout layout;
    bl_config cfg;
    bl_state state;
    bl_plat_lock *lock = NULL;
    bl_error err;
    int rc;

    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        print_help(stdout);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("bomiot-launcher %s\n", BL_VERSION_STRING);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--") == 0) { /* everything after goes to the app */
        argv[1] = argv[0];
        app_argv = argv + 1;
    }

    if (locate_root(root, sizeof root, &err) != BL_OK || bl_install_layout(root, &layout, &err) != BL_OK) {
        fprintf(stderr, "bomiot-launcher: %s\n", err.msg);
        return EXIT_LAUNCHER_FAILED;
    }
    /* A read-only install (or a full disk) must not stop the app: without a
     * log file, lines go to stderr. */
    if (bl_fs_mkdir_p(layout.cache_dir, &err) != BL_OK ||
        bl_log_open(layout.log_path, BL_LOG_DEFAULT_MAX_BYTES, BL_LOG_DEFAULT_KEEP, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "log", "%s; logging to stderr only", err.msg);

    load_config(&layout, &cfg);
    if (argc > 1 && strcmp(argv[1], "--print-config") == 0) {
        printf("%-20s %s\n", "install root", layout.root);
        printf("%-20s %s\n", "config file", layout.config_path);
        printf("%-20s %s\n\n", "log", layout.log_path);
        bl_config_print(&cfg, stdout);
        return 0;
    }
    bl_log(BL_LOG_INFO, "launch", "bomiot-launcher %s in %s", BL_VERSION_STRING, layout.root);

    /* One launcher per installation does maintenance (and, later, updates);
     * a second one started by a double double-click just starts the app. */
    if (bl_plat_lock_try(layout.lock_path, &lock, &err) != BL_OK) {
        bl_log(BL_LOG_INFO, "launch", "%s; starting the installed version without maintenance",
               err.msg);
        lock = NULL;
    }
    if (lock && bl_install_remove_incomplete(&layout, log_warning, "install", &err) != BL_OK)
        bl_log(BL_LOG_WARN, "install", "%s", err.msg);

    rc = choose_version(&layout, lock != NULL, &state, version);
    if (rc != 0)
        goto fail;
    if (bl_install_app_path(&layout, &cfg, version, app, sizeof app, &err) != BL_OK) {
        bl_log(BL_LOG_ERROR, "launch", "%s", err.msg);
        rc = EXIT_LAUNCHER_FAILED;
        goto fail;
    }
    if (!bl_fs_exists(app)) {
        bl_log(BL_LOG_ERROR, "launch",
               "version %s has no app executable %s (check app_executable in launcher.json)", version, app);
        rc = EXIT_APP_NOT_RUNNABLE;
        goto fail;
    }
    bl_log(BL_LOG_INFO, "launch", "starting version %s", version);
    return start_app(&cfg, app, app_argv, lock);

fail:
    bl_plat_lock_release(lock);
    bl_log_close();
    return rc;
}
