/* SPDX-License-Identifier: Apache-2.0 */
#include "platform.h"

#include <io.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <winhttp.h>

#include "base/fsutil.h"

/* Windows side of platform.h. Paths arrive as UTF-8 and are converted to
 * UTF-16 at each call, so a user name in Chinese works. */

#define WPATH_MAX 32768
/* Antivirus scanners and the search indexer open new files for a moment;
 * a rename that fails with a sharing violation usually succeeds soon after.
 * 8 tries, 20 ms doubling: about 5 s in all before the message naming the
 * file (10 tries waited 20 s, long for a user looking at a splash). */
#define LOCKED_RETRIES 8
#define LOCKED_FIRST_DELAY_MS 20

struct bl_plat_lock {
    HANDLE file;
};

static wchar_t *to_wide(const char *utf8)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
    wchar_t *w;
    if (n <= 0 || n > WPATH_MAX)
        return NULL;
    w = malloc((size_t)n * sizeof *w);
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

static char *to_utf8(const wchar_t *wide);

int bl_plat_wide_path(const char *utf8, wchar_t **out, bl_error *err)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
    *out = NULL;
    if (n <= 0)
        return bl_error_set(err, BL_EINVAL, "%.200s: not UTF-8 text, which a Windows path must be", utf8);
    if (n > WPATH_MAX)
        return bl_error_set(err, BL_ETOOBIG, "path too long for Windows: %.200s...", utf8);
    if (!(*out = to_wide(utf8)))
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    return BL_OK;
}

static const char *describe(DWORD e, char *buf, size_t size)
{
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, e, 0, buf,
                             (DWORD)size, NULL);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == '.'))
        buf[--n] = '\0';
    if (n == 0)
        snprintf(buf, size, "error %lu", (unsigned long)e);
    return buf;
}

/* A Windows error as the project's code and words: libuv translates it
 * (bl_error_sys). One libuv has no name for keeps Windows' own description. */
static int fail(bl_error *err, DWORD e, const char *what, const char *path)
{
    int uv_code = uv_translate_sys_error((int)e);
    char text[160];
    if (uv_code == UV_UNKNOWN)
        return bl_error_sys(err, uv_code, "%s %s (%s)", what, path, describe(e, text, sizeof text));
    return bl_error_sys(err, uv_code, "%s %s", what, path);
}

int bl_plat_sync_dir(const char *dir, bl_error *err)
{
    (void)dir;
    (void)err;
    return BL_OK; /* MOVEFILE_WRITE_THROUGH already flushed the rename */
}

/* FlushFileBuffers on each file; folders need no flush on NTFS. */
static int sync_tree_w(wchar_t *dir, size_t len, bl_error *err)
{
    WIN32_FIND_DATAW found;
    HANDLE search;
    int rc = BL_OK;

    if (len + 3 >= WPATH_MAX)
        return bl_error_set(err, BL_ETOOBIG, "path too long while flushing");
    wcscpy(dir + len, L"\\*");
    search = FindFirstFileW(dir, &found);
    dir[len] = L'\0';
    if (search == INVALID_HANDLE_VALUE)
        return BL_OK;
    do {
        size_t n = wcslen(found.cFileName);
        if (wcscmp(found.cFileName, L".") == 0 || wcscmp(found.cFileName, L"..") == 0 ||
            (found.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
            continue;
        if (len + 1 + n + 3 >= WPATH_MAX) {
            rc = bl_error_set(err, BL_ETOOBIG, "path too long while flushing");
            break;
        }
        dir[len] = L'\\';
        wcscpy(dir + len + 1, found.cFileName);
        if (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            rc = sync_tree_w(dir, len + 1 + n, err);
        } else {
            HANDLE h = CreateFileW(dir, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                                   FILE_ATTRIBUTE_NORMAL, NULL);
            if (h == INVALID_HANDLE_VALUE || !FlushFileBuffers(h))
                rc = bl_error_sys(err, uv_translate_sys_error((int)GetLastError()),
                                  "cannot flush a new file to disk");
            if (h != INVALID_HANDLE_VALUE)
                CloseHandle(h);
        }
        dir[len] = L'\0';
    } while (rc == BL_OK && FindNextFileW(search, &found));
    FindClose(search);
    return rc;
}

int bl_plat_sync_tree(const char *dir, bl_error *err)
{
    wchar_t *wide = to_wide(dir), *buf;
    int rc;
    if (!wide)
        return bl_error_set(err, BL_EINVAL, "path is not valid UTF-8 or too long: %s", dir);
    buf = malloc(WPATH_MAX * sizeof *buf);
    if (!buf) {
        free(wide);
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    wcscpy(buf, wide);
    rc = sync_tree_w(buf, wcslen(buf), err);
    free(buf);
    free(wide);
    return rc;
}

int bl_plat_replace_file(const char *from, const char *to, bl_error *err)
{
    wchar_t *wfrom = to_wide(from), *wto = to_wide(to);
    DWORD e = ERROR_SUCCESS, delay = LOCKED_FIRST_DELAY_MS;
    int attempt, rc = BL_OK;

    if (!wfrom || !wto) {
        rc = bl_error_set(err, BL_EINVAL, "path is not valid UTF-8 or too long: %s", to);
        goto cleanup;
    }
    for (attempt = 0; attempt < LOCKED_RETRIES; attempt++) {
        if (MoveFileExW(wfrom, wto, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
            goto cleanup;
        e = GetLastError();
        if (e != ERROR_SHARING_VIOLATION && e != ERROR_ACCESS_DENIED && e != ERROR_LOCK_VIOLATION)
            break;
        Sleep(delay);
        delay *= 2;
    }
    /* MoveFileEx says "access denied" for a target another program holds
     * open (a scanner, the indexer): still so after the retries, it is
     * reported as in use, as the message says. */
    if (attempt == LOCKED_RETRIES && e == ERROR_ACCESS_DENIED)
        e = ERROR_SHARING_VIOLATION;
    rc = fail(err, e, "cannot replace (still in use by another program?)", to);

cleanup:
    free(wfrom);
    free(wto);
    return rc;
}

int bl_plat_write_file_atomic(const char *path, const void *data, size_t len, bl_error *err)
{
    char tmp[4096];
    wchar_t *wtmp = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    const char *p = data;
    int rc;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%lu", path, (unsigned long)GetCurrentProcessId()) >=
            sizeof tmp ||
        !(wtmp = to_wide(tmp))) {
        rc = bl_error_set(err, BL_EINVAL, "path is not valid UTF-8 or too long: %s", path);
        goto cleanup;
    }
    h = CreateFileW(wtmp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        rc = fail(err, GetLastError(), "cannot create", tmp);
        goto cleanup;
    }
    while (len > 0) {
        DWORD chunk = len > 0x40000000 ? 0x40000000 : (DWORD)len, written = 0;
        if (!WriteFile(h, p, chunk, &written, NULL)) {
            rc = fail(err, GetLastError(), "cannot write", tmp);
            goto cleanup;
        }
        p += written;
        len -= written;
    }
    if (!FlushFileBuffers(h)) {
        rc = fail(err, GetLastError(), "cannot flush", tmp);
        goto cleanup;
    }
    CloseHandle(h);
    h = INVALID_HANDLE_VALUE;
    rc = bl_plat_replace_file(tmp, path, err);

cleanup:
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    if (rc != BL_OK && wtmp)
        DeleteFileW(wtmp);
    free(wtmp);
    return rc;
}

/* Locks the first byte of the open file h (mode LOCKFILE_EXCLUSIVE_LOCK or
 * 0 for shared, without waiting) and wraps it; closes h on failure. busy
 * completes "<path> ..." when another process holds the lock. */
static int hold_lock(HANDLE h, DWORD mode, const char *path, const char *busy, bl_plat_lock **out, bl_error *err)
{
    OVERLAPPED at_start;
    bl_plat_lock *lock;

    memset(&at_start, 0, sizeof at_start);
    if (!LockFileEx(h, mode | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &at_start)) {
        DWORD e = GetLastError();
        CloseHandle(h);
        if (e == ERROR_LOCK_VIOLATION || e == ERROR_IO_PENDING)
            return bl_error_set(err, BL_EBUSY, "%s %s", path, busy);
        return fail(err, e, "cannot lock", path);
    }
    if (!(lock = malloc(sizeof *lock))) {
        CloseHandle(h);
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    lock->file = h;
    *out = lock;
    return BL_OK;
}

int bl_plat_lock_try(const char *path, bl_plat_lock **out, bl_error *err)
{
    wchar_t *wpath = to_wide(path);
    HANDLE h;

    *out = NULL;
    if (!wpath)
        return bl_error_set(err, BL_EINVAL, "path is not valid UTF-8 or too long: %s", path);
    h = CreateFileW(wpath, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    free(wpath);
    if (h == INVALID_HANDLE_VALUE)
        return fail(err, GetLastError(), "cannot open lock file", path);
    /* Released by the OS when the process ends, however it ends. */
    return hold_lock(h, LOCKFILE_EXCLUSIVE_LOCK, path, "is held by another launcher", out, err);
}

void bl_plat_lock_release(bl_plat_lock *lock)
{
    if (!lock)
        return;
    CloseHandle(lock->file); /* closing releases the lock */
    free(lock);
}

int bl_plat_lock_shared_try(const char *path, bl_plat_lock **out, bl_error *err)
{
    wchar_t *wpath = to_wide(path);
    HANDLE h;

    *out = NULL;
    if (!wpath)
        return bl_error_set(err, BL_EINVAL, "path is not valid UTF-8 or too long: %s", path);
    h = CreateFileW(wpath, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    free(wpath);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND)
            return bl_error_set(err, BL_ENOTFOUND, "%s does not exist", path);
        return fail(err, e, "cannot open", path);
    }
    /* The same byte as bl_plat_lock_try's, shared: shared holders exclude an exclusive one. */
    return hold_lock(h, 0, path, "is held exclusively (a version being removed)", out, err);
}

int bl_plat_dir_writable(const char *dir)
{
    char probe[BL_PATH_MAX];
    wchar_t *wprobe;
    HANDLE h;
    int n = snprintf(probe, sizeof probe, "%s\\.bomiot-write-probe-%lu", dir, (unsigned long)GetCurrentProcessId());
    if (n < 0 || (size_t)n >= sizeof probe || !(wprobe = to_wide(probe)))
        return 0;
    /* Access checks on Windows are ACLs that only an attempt answers. */
    h = CreateFileW(wprobe, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE,
                    NULL);
    free(wprobe);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    CloseHandle(h);
    return 1;
}

int bl_plat_file_owner(uv_file fd, char *out, size_t size, bl_error *err)
{
    HANDLE h = (HANDLE)uv_get_osfhandle(fd);
    PSECURITY_DESCRIPTOR sd = NULL;
    PSID owner = NULL;
    char *text = NULL;
    DWORD rc;
    if (h == INVALID_HANDLE_VALUE)
        return bl_error_set(err, BL_EINVAL, "cannot look at the file's owner: not an open file");
    rc = GetSecurityInfo(h, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &owner, NULL, NULL, NULL, &sd);
    if (rc != ERROR_SUCCESS)
        return bl_error_sys(err, uv_translate_sys_error((int)rc), "cannot look at the file's owner");
    if (!owner || !ConvertSidToStringSidA(owner, &text)) {
        LocalFree(sd);
        return bl_error_set(err, BL_EIO, "the file's owner has no SID to name it by");
    }
    snprintf(out, size, "%s", text);
    LocalFree(text);
    LocalFree(sd);
    return BL_OK;
}

int bl_plat_user_state_dir(const char *app, char *out, size_t size, bl_error *err)
{
    const wchar_t *local = _wgetenv(L"LOCALAPPDATA");
    char *base;
    int n;
    if (!local || !local[0] || !(base = to_utf8(local)))
        return bl_error_set(err, BL_ENOTFOUND, "LOCALAPPDATA names no folder for this user's log");
    n = snprintf(out, size, "%s\\Bomiot\\%s", base, app);
    free(base);
    if (n < 0 || (size_t)n >= size)
        return bl_error_set(err, BL_ETOOBIG, "the user's state folder is too long a path");
    return BL_OK;
}

int bl_plat_swap_running_exe(const char *new_exe, const char *exe, const char *backup, bl_error *err)
{
    wchar_t *wnew = to_wide(new_exe), *wexe = to_wide(exe), *wbackup = to_wide(backup);
    int rc = BL_OK;

    if (!wnew || !wexe || !wbackup) {
        rc = bl_error_set(err, BL_EINVAL, "path is not valid UTF-8 or too long: %s", exe);
        goto cleanup;
    }
    /* A running .exe cannot be overwritten or deleted, but it can be renamed. */
    if (!MoveFileExW(wexe, wbackup, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        rc = fail(err, GetLastError(), "cannot move the running launcher aside", exe);
        goto cleanup;
    }
    if (!MoveFileExW(wnew, wexe, MOVEFILE_WRITE_THROUGH)) {
        DWORD e = GetLastError();
        MoveFileExW(wbackup, wexe, MOVEFILE_WRITE_THROUGH); /* put the old one back */
        rc = fail(err, e, "cannot move the new launcher into place", exe);
    }

cleanup:
    free(wnew);
    free(wexe);
    free(wbackup);
    return rc;
}

int bl_plat_exec(const char *path, char *const argv[], bl_error *err)
{
    (void)argv;
    return bl_error_set(err, BL_EUNSUPPORTED, "Windows has no exec; %s is started as a new process", path);
}

void bl_plat_die_by_signal(int signum)
{
    (void)signum; /* no such status on Windows: the caller exits with 128 + signum */
}

void bl_plat_lower_thread_priority(void)
{
    SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL);
}

void bl_plat_prefer_huge_pages(void *p, size_t size)
{
    /* Large pages need the "Lock pages in memory" privilege and an
     * allocation of their own (VirtualAlloc with MEM_LARGE_PAGES). */
    (void)p;
    (void)size;
}

struct bl_plat_child {
    uv_process_t process;
    int exited;
    bl_plat_child_exit_cb on_exit;
    void *ctx;
};

static void on_child_exit(uv_process_t *process, int64_t exit_status, int term_signal)
{
    bl_plat_child *child = process->data;
    child->exited = 1;
    child->on_exit(child->ctx, exit_status, term_signal);
}

static void free_child(uv_handle_t *handle)
{
    free(handle->data);
}

/* CreateProcess has no fork to avoid: libuv's uv_spawn is the whole job. */
int bl_plat_child_spawn(uv_loop_t *loop, const char *app, char *const argv[],
                        bl_plat_child_exit_cb on_exit, void *ctx, bl_plat_child **out, bl_error *err)
{
    bl_plat_child *child = calloc(1, sizeof *child);
    uv_process_options_t options;
    uv_stdio_container_t stdio[3];
    int fd, rc;

    *out = NULL;
    if (!child)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    memset(&options, 0, sizeof options);
    for (fd = 0; fd < 3; fd++) {
        stdio[fd].flags = UV_INHERIT_FD;
        stdio[fd].data.fd = fd;
    }
    options.file = app;
    options.args = (char **)argv;
    options.exit_cb = on_child_exit;
    options.stdio = stdio;
    options.stdio_count = 3;
    child->on_exit = on_exit;
    child->ctx = ctx;
    child->process.data = child;
    if ((rc = uv_spawn(loop, &child->process, &options)) != 0) {
        uv_close((uv_handle_t *)&child->process, free_child);
        return bl_error_sys(err, rc, "cannot start %s", app);
    }
    *out = child;
    return BL_OK;
}

int bl_plat_child_pid(const bl_plat_child *child)
{
    return child->process.pid;
}

void bl_plat_child_kill(bl_plat_child *child, int signum)
{
    if (!child->exited)
        uv_process_kill(&child->process, signum);
}

void bl_plat_child_close(bl_plat_child *child)
{
    uv_close((uv_handle_t *)&child->process, free_child);
}

static const int forwarded[] = {SIGTERM};
static const int terminal[] = {SIGINT, SIGBREAK};

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
    return signum == SIGINT || signum == SIGBREAK || signum == SIGHUP || signum == SIGTERM;
}

int bl_plat_exit_code_is_crash(int exit_code)
{
    DWORD code = (DWORD)exit_code;
    return code >= 0xC0000000u && code != (DWORD)STATUS_CONTROL_C_EXIT;
}

/* The parent's console, for a launcher linked as a GUI program: Windows gives
 * a GUI program no standard handles unless its parent redirected them (a pipe
 * or file: those are kept as they are). AttachConsole fails when the parent
 * has no console (Explorer, a shortcut), and the launcher stays silent, as a
 * double-clicked program should. The reopened stream also takes its usual
 * descriptor and standard handle, so the app the launcher starts with
 * inherited stdio (libuv passes descriptors 0 to 2) writes there too. */
static void reopen_on_console(FILE *stream, int fd, DWORD which)
{
    if (!freopen("CONOUT$", "w", stream))
        return;
    if (_fileno(stream) != fd)
        _dup2(_fileno(stream), fd);
    SetStdHandle(which, (HANDLE)_get_osfhandle(fd));
}

static int has_std_handle(DWORD which)
{
    HANDLE h = GetStdHandle(which);
    return h != NULL && h != INVALID_HANDLE_VALUE;
}

void bl_plat_attach_parent_console(void)
{
    int out = has_std_handle(STD_OUTPUT_HANDLE), errs = has_std_handle(STD_ERROR_HANDLE);
    if ((out && errs) || !AttachConsole(ATTACH_PARENT_PROCESS))
        return;
    if (!out)
        reopen_on_console(stdout, 1, STD_OUTPUT_HANDLE);
    if (!errs)
        reopen_on_console(stderr, 2, STD_ERROR_HANDLE);
}

int bl_plat_has_desktop(void)
{
    return 1;
}

int bl_plat_fonts_dir(char *out, size_t size, bl_error *err)
{
    wchar_t windows[MAX_PATH];
    UINT len = GetWindowsDirectoryW(windows, MAX_PATH);
    char *base;
    int n;
    if (len == 0 || len >= MAX_PATH || !(base = to_utf8(windows)))
        return bl_error_set(err, BL_ENOTFOUND, "the system does not say where Windows is installed");
    n = snprintf(out, size, "%s\\Fonts", base);
    free(base);
    if (n < 0 || (size_t)n >= size)
        return bl_error_set(err, BL_ETOOBIG, "the fonts folder is too long a path");
    return BL_OK;
}

int bl_plat_process_alive(int pid)
{
    HANDLE process;
    DWORD wait;
    if (pid <= 0 || !(process = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid)))
        return 0; /* gone (or never ours to see) */
    wait = WaitForSingleObject(process, 0);
    CloseHandle(process);
    return wait == WAIT_TIMEOUT;
}

int bl_plat_control_endpoint(const char *cache_dir, const char *root_id, char *out, size_t size, bl_error *err)
{
    int n = snprintf(out, size, "\\\\.\\pipe\\bomiot-%s", root_id);
    (void)cache_dir;
    if (n > 0 && (size_t)n < size)
        return BL_OK;
    out[0] = '\0';
    return bl_error_set(err, BL_ETOOBIG, "no control pipe: the name does not fit");
}

#define POLICY_KEY L"Software\\Policies\\Bomiot"
#define POLICY_TEXT_MAX (256 * 1024)

const char *bl_plat_policy_location(void)
{
    return "HKLM\\Software\\Policies\\Bomiot";
}

/* Appends s to the growing JSON text as a string literal, escaped. */
static int append_json_string(char *out, size_t size, size_t *used, const char *s)
{
    size_t n = *used;
    if (n + 1 >= size)
        return 0;
    out[n++] = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int w;
        if (c == '"' || c == '\\')
            w = snprintf(out + n, size - n, "\\%c", c);
        else if (c < 0x20)
            w = snprintf(out + n, size - n, "\\u%04x", c);
        else
            w = snprintf(out + n, size - n, "%c", c);
        if (w < 0 || (size_t)w >= size - n)
            return 0;
        n += (size_t)w;
    }
    if (n + 1 >= size)
        return 0;
    out[n++] = '"';
    out[n] = '\0';
    *used = n;
    return 1;
}

/* Appends "name":"value" to the object being written, after a comma when it
 * is not the first member. */
static int append_json_member(char *out, size_t size, size_t *used, const char *name, const char *value)
{
    if (*used > 1) {
        if (*used + 1 >= size)
            return 0;
        out[(*used)++] = ',';
    }
    if (!append_json_string(out, size, used, name) || *used + 1 >= size)
        return 0;
    out[(*used)++] = ':';
    return append_json_string(out, size, used, value);
}

static char *to_utf8(const wchar_t *wide)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, wide, -1, NULL, 0, NULL, NULL);
    char *s;
    if (n <= 0 || !(s = malloc((size_t)n)))
        return NULL;
    if (WideCharToMultiByte(CP_UTF8, 0, wide, -1, s, n, NULL, NULL) != n) {
        free(s);
        return NULL;
    }
    return s;
}

/* Group Policy writes REG_SZ or REG_DWORD values; both become JSON strings
 * (the config reads "0" and "false" alike, as from the environment). A value
 * of another type becomes a string naming its type, which the config then
 * refuses with the key's usual message. */
int bl_plat_read_policy(char **text, size_t *len, bl_error *err)
{
    HKEY key;
    LSTATUS rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, POLICY_KEY, 0, KEY_QUERY_VALUE, &key);
    char *out;
    size_t used = 0;
    DWORD index;

    if (rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND)
        return bl_error_set(err, BL_ENOTFOUND, "no machine policy");
    if (rc != ERROR_SUCCESS)
        return fail(err, (DWORD)rc, "cannot read the machine policy", bl_plat_policy_location());
    if (!(out = malloc(POLICY_TEXT_MAX))) {
        RegCloseKey(key);
        return bl_error_set(err, BL_ENOMEM, "out of memory reading the machine policy");
    }
    out[used++] = '{';
    out[used] = '\0';
    for (index = 0;; index++) {
        wchar_t name[256], data[2048];
        DWORD name_len = sizeof name / sizeof name[0], data_size = sizeof data - sizeof data[0], type;
        char *name8, *value8 = NULL, number[32];
        const char *value;
        int ok;

        rc = RegEnumValueW(key, index, name, &name_len, NULL, &type, (BYTE *)data, &data_size);
        if (rc == ERROR_NO_MORE_ITEMS)
            break;
        if (rc == ERROR_MORE_DATA) /* a name or value longer than any policy's: refused as a wrong type */
            type = REG_NONE;
        else if (rc != ERROR_SUCCESS) {
            free(out);
            RegCloseKey(key);
            return fail(err, (DWORD)rc, "cannot read the machine policy", bl_plat_policy_location());
        }
        if (rc == ERROR_MORE_DATA) {
            /* name may be cut: read it alone */
            name_len = sizeof name / sizeof name[0];
            if (RegEnumValueW(key, index, name, &name_len, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
                continue;
        }
        name[name_len] = L'\0';
        if (type == REG_SZ || type == REG_EXPAND_SZ) {
            data[data_size / sizeof data[0]] = L'\0';
            value = value8 = to_utf8(data);
        } else if (type == REG_DWORD && data_size == sizeof(DWORD)) {
            DWORD dword;
            memcpy(&dword, data, sizeof dword);
            snprintf(number, sizeof number, "%lu", (unsigned long)dword);
            value = number;
        } else {
            value = "(a registry value that is neither REG_SZ nor REG_DWORD)";
        }
        name8 = to_utf8(name);
        ok = name8 && value && append_json_member(out, POLICY_TEXT_MAX, &used, name8, value);
        free(name8);
        free(value8);
        if (!ok) {
            free(out);
            RegCloseKey(key);
            return bl_error_set(err, BL_ETOOBIG, "the machine policy in %s is too large or not text",
                                bl_plat_policy_location());
        }
    }
    RegCloseKey(key);
    if (used + 2 > POLICY_TEXT_MAX) {
        free(out);
        return bl_error_set(err, BL_ETOOBIG, "the machine policy in %s is too large", bl_plat_policy_location());
    }
    out[used++] = '}';
    out[used] = '\0';
    *text = out;
    *len = used;
    return BL_OK;
}

/* A wide string from WinHTTP into out as UTF-8 ("" for NULL). */
static void copy_wide(const wchar_t *wide, char *out, size_t size)
{
    char *text = wide ? to_utf8(wide) : NULL;
    if (size)
        snprintf(out, size, "%s", text ? text : "");
    free(text);
}

/* Runs the auto-config script, or auto-detection, for url. 1 when it
 * answered (a proxy, or DIRECT: proxy ""); 0 when it could not (no script
 * found, a script that fails): then the fixed settings apply. */
static int proxy_by_script(const WINHTTP_CURRENT_USER_IE_PROXY_CONFIG *ie, const char *url, char *proxy,
                           size_t proxy_size, char *bypass, size_t bypass_size, char *how, size_t how_size)
{
    WINHTTP_AUTOPROXY_OPTIONS options;
    WINHTTP_PROXY_INFO info;
    HINTERNET session;
    wchar_t *wide_url = to_wide(url);
    int answered = 0;

    memset(&options, 0, sizeof options);
    memset(&info, 0, sizeof info);
    if (ie->lpszAutoConfigUrl) {
        options.dwFlags |= WINHTTP_AUTOPROXY_CONFIG_URL;
        options.lpszAutoConfigUrl = ie->lpszAutoConfigUrl;
    }
    if (ie->fAutoDetect) {
        options.dwFlags |= WINHTTP_AUTOPROXY_AUTO_DETECT;
        options.dwAutoDetectFlags = WINHTTP_AUTO_DETECT_TYPE_DHCP | WINHTTP_AUTO_DETECT_TYPE_DNS_A;
    }
    options.fAutoLogonIfChallenged = TRUE; /* a script behind the proxy's own login */
    session = wide_url ? WinHttpOpen(L"bomiot-launcher", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                                     WINHTTP_NO_PROXY_BYPASS, 0)
                       : NULL;
    if (session && WinHttpGetProxyForUrl(session, wide_url, &options, &info)) {
        answered = 1;
        if (info.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY) {
            copy_wide(info.lpszProxy, proxy, proxy_size);
            copy_wide(info.lpszProxyBypass, bypass, bypass_size);
        }
        if (ie->lpszAutoConfigUrl) {
            char *script = to_utf8(ie->lpszAutoConfigUrl);
            snprintf(how, how_size, "auto-config script %.60s", script ? script : "?");
            free(script);
        } else {
            snprintf(how, how_size, "auto-detection (WPAD)");
        }
    }
    if (info.lpszProxy)
        GlobalFree(info.lpszProxy);
    if (info.lpszProxyBypass)
        GlobalFree(info.lpszProxyBypass);
    if (session)
        WinHttpCloseHandle(session);
    free(wide_url);
    return answered;
}

int bl_plat_system_proxy(const char *url, char *proxy, size_t proxy_size, char *bypass, size_t bypass_size,
                         char *how, size_t how_size, bl_error *err)
{
    WINHTTP_CURRENT_USER_IE_PROXY_CONFIG ie;
    WINHTTP_PROXY_INFO machine;

    (void)err;
    copy_wide(NULL, proxy, proxy_size);
    copy_wide(NULL, bypass, bypass_size);
    copy_wide(NULL, how, how_size);
    memset(&ie, 0, sizeof ie);
    memset(&machine, 0, sizeof machine);
    if (WinHttpGetIEProxyConfigForCurrentUser(&ie)) {
        if (!((ie.fAutoDetect || ie.lpszAutoConfigUrl) &&
              proxy_by_script(&ie, url, proxy, proxy_size, bypass, bypass_size, how, how_size)) &&
            ie.lpszProxy) {
            copy_wide(ie.lpszProxy, proxy, proxy_size);
            copy_wide(ie.lpszProxyBypass, bypass, bypass_size);
            snprintf(how, how_size, "Internet Options");
        }
    }
    if (!how[0] && WinHttpGetDefaultProxyConfiguration(&machine) &&
        machine.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY && machine.lpszProxy) {
        copy_wide(machine.lpszProxy, proxy, proxy_size);
        copy_wide(machine.lpszProxyBypass, bypass, bypass_size);
        snprintf(how, how_size, "WinHTTP machine proxy");
    }
    if (ie.lpszAutoConfigUrl)
        GlobalFree(ie.lpszAutoConfigUrl);
    if (ie.lpszProxy)
        GlobalFree(ie.lpszProxy);
    if (ie.lpszProxyBypass)
        GlobalFree(ie.lpszProxyBypass);
    if (machine.lpszProxy)
        GlobalFree(machine.lpszProxy);
    if (machine.lpszProxyBypass)
        GlobalFree(machine.lpszProxyBypass);
    return BL_OK;
}

const char *bl_plat_user_language(char *out, size_t size)
{
    wchar_t name[LOCALE_NAME_MAX_LENGTH];
    char *name8;
    if (size > 0)
        out[0] = '\0';
    if (LCIDToLocaleName(MAKELCID(GetUserDefaultUILanguage(), SORT_DEFAULT), name, LOCALE_NAME_MAX_LENGTH, 0) <= 0 ||
        !(name8 = to_utf8(name)))
        return NULL;
    snprintf(out, size, "%s", name8);
    free(name8);
    return "the user's UI language";
}
