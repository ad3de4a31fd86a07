/* SPDX-License-Identifier: Apache-2.0 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* syncfs */
#endif
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fsutil.h"

struct bl_plat_lock {
    int fd;
};

static int write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* dirname without modifying the input; "." for a bare file name. */
static void parent_dir(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(out, size, ".");
    } else if (slash == path) {
        snprintf(out, size, "/");
    } else {
        snprintf(out, size, "%.*s", (int)(slash - path), path);
    }
}

int bl_plat_sync_dir(const char *dir, bl_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return bl_error_set(err, BL_EIO, "cannot open folder %s: %s", dir, strerror(errno));
    /* Some file systems (and some test sandboxes) refuse fsync on a folder;
     * EINVAL there means there is nothing to flush. */
    if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
        int saved = errno;
        close(fd);
        return bl_error_set(err, BL_EIO, "cannot flush folder %s: %s", dir, strerror(saved));
    }
    close(fd);
    return BL_OK;
}

#if !defined(__linux__)
static int fsync_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    int fd;
    (void)st;
    (void)ftw;
    if (type != FTW_F && type != FTW_D)
        return 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fsync(fd) != 0 && errno != EINVAL) {
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}
#endif

int bl_plat_sync_tree(const char *dir, bl_error *err)
{
#if defined(__linux__)
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return bl_error_set(err, BL_EIO, "cannot open folder %s: %s", dir, strerror(errno));
    if (syncfs(fd) != 0) {
        int saved = errno;
        close(fd);
        return bl_error_sys(err, uv_translate_sys_error(saved), "cannot flush %s to disk", dir);
    }
    close(fd);
    return BL_OK;
#else
    if (nftw(dir, fsync_entry, 32, FTW_PHYS) != 0)
        return bl_error_sys(err, uv_translate_sys_error(errno), "cannot flush %s to disk", dir);
    return BL_OK;
#endif
}

int bl_plat_replace_file(const char *from, const char *to, bl_error *err)
{
    char dir[BL_PATH_MAX];
    if (rename(from, to) != 0)
        return bl_error_sys(err, uv_translate_sys_error(errno), "cannot replace %s", to);
    parent_dir(to, dir, sizeof dir);
    return bl_plat_sync_dir(dir, err);
}

int bl_plat_write_file_atomic(const char *path, const void *data, size_t len, bl_error *err)
{
    char tmp[BL_PATH_MAX];
    int fd = -1;
    int rc;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp)
        return bl_error_set(err, BL_EINVAL, "path too long: %s", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = bl_error_sys(err, uv_translate_sys_error(errno), "cannot create %s", tmp);
        goto cleanup;
    }
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        rc = bl_error_sys(err, uv_translate_sys_error(errno), "cannot write %s", tmp);
        goto cleanup;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = bl_error_sys(err, uv_translate_sys_error(errno), "cannot write %s", tmp);
        goto cleanup;
    }
    fd = -1;
    rc = bl_plat_replace_file(tmp, path, err);

cleanup:
    if (fd >= 0)
        close(fd);
    if (rc != BL_OK)
        unlink(tmp);
    return rc;
}

/* Locks the open fd (operation LOCK_EX or LOCK_SH, without waiting) and
 * wraps it; closes it on failure. busy completes "<path> ..." when another
 * process holds the lock. */
static int hold_lock(int fd, int operation, const char *path, const char *busy, bl_plat_lock **out, bl_error *err)
{
    bl_plat_lock *lock;
    if (flock(fd, operation | LOCK_NB) != 0) {
        int saved = errno;
        close(fd);
        if (saved == EWOULDBLOCK)
            return bl_error_set(err, BL_EBUSY, "%s %s", path, busy);
        return bl_error_set(err, BL_EIO, "cannot lock %s: %s", path, strerror(saved));
    }
    if (!(lock = malloc(sizeof *lock))) {
        close(fd);
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    lock->fd = fd;
    *out = lock;
    return BL_OK;
}

int bl_plat_lock_try(const char *path, bl_plat_lock **out, bl_error *err)
{
    int fd;

    *out = NULL;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return bl_error_set(err, BL_EIO, "cannot open lock file %s: %s", path, strerror(errno));
    /* flock, not fcntl locks: fcntl locks are dropped when any descriptor of the
     * file is closed by any thread, which a multi-threaded process cannot rule out. */
    return hold_lock(fd, LOCK_EX, path, "is held by another launcher", out, err);
}

void bl_plat_lock_release(bl_plat_lock *lock)
{
    if (!lock)
        return;
    close(lock->fd); /* closing drops the flock */
    free(lock);
}

int bl_plat_lock_shared_try(const char *path, bl_plat_lock **out, bl_error *err)
{
    int fd;

    *out = NULL;
    /* No O_CLOEXEC: an app the launcher execs, or starts, holds the lock
     * on its version as long as it runs, even if the launcher is gone. */
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        int saved = errno;
        return bl_error_set(err, saved == ENOENT ? BL_ENOTFOUND : BL_EIO, "cannot open %s: %s", path,
                            strerror(saved));
    }
    return hold_lock(fd, LOCK_SH, path, "is held exclusively (a version being removed)", out, err);
}

int bl_plat_dir_writable(const char *dir)
{
    /* The effective ids, which are the ones open(2) and mkdir(2) use. */
    return faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == 0;
}

int bl_plat_file_owner(uv_file fd, char *out, size_t size, bl_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return bl_error_sys(err, uv_translate_sys_error(errno), "cannot look at the file's owner");
    snprintf(out, size, "uid %lu", (unsigned long)st.st_uid);
    return BL_OK;
}

int bl_plat_user_state_dir(const char *app, char *out, size_t size, bl_error *err)
{
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    int n;
    if (state && state[0] == '/') /* the XDG spec: a relative value is ignored */
        n = snprintf(out, size, "%s/bomiot/%s", state, app);
    else if (home && home[0] == '/')
        n = snprintf(out, size, "%s/.local/state/bomiot/%s", home, app);
    else
        return bl_error_set(err, BL_ENOTFOUND, "neither XDG_STATE_HOME nor HOME names a folder for this "
                            "user's log");
    if (n < 0 || (size_t)n >= size)
        return bl_error_set(err, BL_ETOOBIG, "the user's state folder is too long a path");
    return BL_OK;
}

int bl_plat_swap_running_exe(const char *new_exe, const char *exe, const char *backup, bl_error *err)
{
    unlink(backup);
    /* A hard link keeps the old launcher reachable for a restore without a
     * moment where exe does not exist. */
    if (link(exe, backup) != 0)
        return bl_error_set(err, BL_EIO, "cannot keep a backup of %s: %s", exe, strerror(errno));
    return bl_plat_replace_file(new_exe, exe, err);
}

int bl_plat_wide_path(const char *utf8, wchar_t **out, bl_error *err)
{
    (void)utf8;
    (void)err;
    *out = NULL; /* the bytes are the path; a wide form would go through the C locale */
    return BL_OK;
}

int bl_plat_exec(const char *path, char *const argv[], bl_error *err)
{
    execv(path, argv);
    return bl_error_sys(err, uv_translate_sys_error(errno), "cannot execute %s", path);
}

void bl_plat_die_by_signal(int signum)
{
    struct sigaction dfl;
    sigset_t set;

    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(signum, &dfl, NULL);
    sigemptyset(&set);
    sigaddset(&set, signum);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    /* The app may have dumped core already; a second core of the launcher
     * would only hide it. */
    if (signum == SIGSEGV || signum == SIGABRT || signum == SIGBUS || signum == SIGILL ||
        signum == SIGFPE || signum == SIGQUIT || signum == SIGTRAP || signum == SIGSYS) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
    }
    raise(signum);
}

void bl_plat_lower_thread_priority(void)
{
#if defined(__linux__)
    /* On Linux, nice values belong to threads. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
#endif
}

void bl_plat_prefer_huge_pages(void *p, size_t size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* Only whole 2 MiB pages inside the buffer can be huge. */
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t end = ((uintptr_t)p + size) & ~(huge - 1);

    if (end > start)
        madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    (void)p;
    (void)size;
#endif
}

extern char **environ;

struct bl_plat_child {
    uv_signal_t sigchld;
    pid_t pid;
    int exited;
    bl_plat_child_exit_cb on_exit;
    void *ctx;
};

/* SIGCHLD from any child: reap ours if it is the one that ended. */
static void on_sigchld(uv_signal_t *handle, int signum)
{
    bl_plat_child *child = handle->data;
    int status;
    pid_t pid;

    (void)signum;
    if (child->exited)
        return;
    do
        pid = waitpid(child->pid, &status, WNOHANG);
    while (pid < 0 && errno == EINTR);
    if (pid != child->pid || !(WIFEXITED(status) || WIFSIGNALED(status)))
        return;
    child->exited = 1;
    uv_signal_stop(handle);
    child->on_exit(child->ctx, WIFEXITED(status) ? WEXITSTATUS(status) : 0,
                   WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static void free_child(uv_handle_t *handle)
{
    free(handle->data);
}

int bl_plat_child_spawn(uv_loop_t *loop, const char *app, char *const argv[],
                        bl_plat_child_exit_cb on_exit, void *ctx, bl_plat_child **out, bl_error *err)
{
    bl_plat_child *child = calloc(1, sizeof *child);
    posix_spawnattr_t attr;
    sigset_t all, none;
    int fd, rc;

    *out = NULL;
    if (!child)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    child->on_exit = on_exit;
    child->ctx = ctx;
    child->sigchld.data = child;
    /* Watching before the spawn: a child that ends at once is not missed. */
    if ((rc = uv_signal_init(loop, &child->sigchld)) != 0) {
        free(child);
        return bl_error_sys(err, rc, "cannot start %s", app);
    }
    if ((rc = uv_signal_start(&child->sigchld, on_sigchld, SIGCHLD)) != 0) {
        uv_close((uv_handle_t *)&child->sigchld, free_child);
        return bl_error_sys(err, rc, "cannot start %s", app);
    }
    /* What uv_spawn gives a child: blocking standard streams (the flag
     * belongs to the open file, shared with the launcher, which does not
     * read or write them as a stream), every signal at its default, none
     * blocked. (glibc starts its own two internal signals ignored; it sets
     * them up again when it needs them.) */
    for (fd = 0; fd < 3; fd++) {
        int flags = fcntl(fd, F_GETFL);
        if (flags >= 0 && (flags & O_NONBLOCK))
            fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    sigfillset(&all);
    sigemptyset(&none);
    if ((rc = posix_spawnattr_init(&attr)) == 0) {
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
        rc = posix_spawn(&child->pid, app, NULL, &attr, argv, environ);
        posix_spawnattr_destroy(&attr);
    }
    if (rc != 0) {
        uv_close((uv_handle_t *)&child->sigchld, free_child);
        return bl_error_sys(err, uv_translate_sys_error(rc), "cannot start %s", app);
    }
    *out = child;
    return BL_OK;
}

int bl_plat_child_pid(const bl_plat_child *child)
{
    return (int)child->pid;
}

void bl_plat_child_kill(bl_plat_child *child, int signum)
{
    if (!child->exited) /* once reaped, the pid may be another process's */
        kill(child->pid, signum);
}

void bl_plat_child_close(bl_plat_child *child)
{
    uv_close((uv_handle_t *)&child->sigchld, free_child);
}

static const int forwarded[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
static const int terminal[] = {SIGINT, SIGQUIT};

const int *bl_plat_forwarded_signals(size_t *count)
{
    *count = sizeof forwarded / sizeof forwarded[0];
    return forwarded;
}

const int *bl_plat_terminal_signals(size_t *count)
{
    *count = sizeof terminal / sizeof terminal[0];
    return terminal;
}

int bl_plat_signal_asks_to_end(int signum)
{
    return signum == SIGHUP || signum == SIGINT || signum == SIGQUIT || signum == SIGTERM || signum == SIGPIPE;
}

int bl_plat_exit_code_is_crash(int exit_code)
{
    (void)exit_code;
    return 0;
}

int bl_plat_has_desktop(void)
{
#ifdef __APPLE__
    return 1;
#else
    const char *display = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
    return (display && *display) || (wayland && *wayland) || getenv("SDL_VIDEODRIVER") != NULL;
#endif
}

int bl_plat_fonts_dir(char *out, size_t size, bl_error *err)
{
    if (size > 0)
        out[0] = '\0';
    return bl_error_set(err, BL_ENOTFOUND, "fonts are found through fontconfig here, not in one folder");
}

int bl_plat_process_alive(int pid)
{
#ifdef __linux__
    char path[64], stat[512], *close_paren;
    FILE *f;
    size_t n;
#endif
    if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno != EPERM))
        return 0;
#ifdef __linux__
    /* "pid (comm) S ...": the state follows the last ')' (comm may hold one) */
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (!(f = fopen(path, "r")))
        return 1;
    n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    if ((close_paren = strrchr(stat, ')')) && close_paren[1] == ' ' && close_paren[2] == 'Z')
        return 0;
#endif
    return 1;
}

int bl_plat_control_endpoint(const char *cache_dir, const char *root_id, char *out, size_t size, bl_error *err)
{
    struct sockaddr_un addr;
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    int n = snprintf(out, size, "%s/control.sock", cache_dir);
    if (n > 0 && (size_t)n < size && (size_t)n < sizeof addr.sun_path)
        return BL_OK;
    if (runtime && runtime[0] == '/' && (n = snprintf(out, size, "%s/bomiot-%s.sock", runtime, root_id)) > 0 &&
        (size_t)n < size && (size_t)n < sizeof addr.sun_path)
        return BL_OK;
    out[0] = '\0';
    return bl_error_set(err, BL_ENOTFOUND, "no control socket: %s/control.sock is too long for a socket address "
                        "and XDG_RUNTIME_DIR names no shorter folder", cache_dir);
}

/* Not under the install root: a user who can write the root (a per-user
 * install) must not be able to lift a policy, nor can they write /etc. */
#define POLICY_FILE "/etc/bomiot/policy.json"
#define POLICY_FILE_MAX (256 * 1024)

const char *bl_plat_policy_location(void)
{
    return POLICY_FILE;
}

int bl_plat_read_policy(char **text, size_t *len, bl_error *err)
{
    return bl_fs_read_all(POLICY_FILE, POLICY_FILE_MAX, text, len, err);
}

/* GNOME's gsettings, KDE's kioslaverc and macOS's SCDynamicStore each hold
 * a desktop's proxy; none is read (README: Proxies): the launcher would
 * link a desktop's libraries or a framework for one of several answers,
 * and a desktop session exports its proxy to the environment, which step 3
 * reads (and a service has no desktop session at all). */
int bl_plat_system_proxy(const char *url, char *proxy, size_t proxy_size, char *bypass, size_t bypass_size,
                         char *how, size_t how_size, bl_error *err)
{
    (void)url;
    (void)err;
    if (proxy_size)
        proxy[0] = '\0';
    if (bypass_size)
        bypass[0] = '\0';
    if (how_size)
        snprintf(how, how_size, "none on this system: the environment is the convention");
    return BL_OK;
}

const char *bl_plat_user_language(char *out, size_t size)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    size_t i;
    if (size > 0)
        out[0] = '\0';
    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *value = getenv(vars[i]);
        if (value && *value) {
            snprintf(out, size, "%s", value);
            return vars[i];
        }
    }
    return NULL;
}
