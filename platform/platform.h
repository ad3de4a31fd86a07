/* SPDX-License-Identifier: Apache-2.0 */
/* The thin OS layer. Everything that differs between POSIX and Windows and that
 * libuv does not already cover lives behind this header, one implementation
 * file per OS (posix/, win32/). Paths are UTF-8 everywhere; the Windows side
 * converts to UTF-16 at the system call. Forward slashes work on both. */
#ifndef BL_PLATFORM_H
#define BL_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/error.h"

#ifdef _WIN32
#define BL_EXE_SUFFIX ".exe"
/* Where bl_plat_user_state_dir puts a read-only launcher's log, for --help. */
#define BL_USER_LOG_HELP "%LOCALAPPDATA%\\Bomiot\\<install folder name>\\update.log"
#else
#define BL_EXE_SUFFIX ""
#define BL_USER_LOG_HELP "$XDG_STATE_HOME/bomiot/<install folder name>/update.log\n(~/.local/state/bomiot/... by default)"
#endif

/* Writes data to path so that a reader sees either the old file or the whole
 * new one, even across a crash or power loss: temp file beside it, flush to
 * disk, atomic replace, flush the folder entry. */
int bl_plat_write_file_atomic(const char *path, const void *data, size_t len, bl_error *err);

/* Atomically replaces `to` with `from` (same folder) and makes it durable. */
int bl_plat_replace_file(const char *from, const char *to, bl_error *err);

/* The UTF-16 form of a UTF-8 path, for a library that takes paths in both
 * forms and on Windows widens a narrow one by the C locale, byte by byte
 * (libarchive: a folder named in Chinese became one named in Latin-1
 * characters). Windows: *out is the path in UTF-16, malloc'd (the caller
 * frees it); BL_EINVAL for a path that is not UTF-8, BL_ETOOBIG beyond
 * 32767 characters. POSIX, where a path is its bytes: *out is NULL and the
 * caller passes the narrow path as it is. */
int bl_plat_wide_path(const char *utf8, wchar_t **out, bl_error *err);

/* Flushes a folder's entries (renames, creations) to disk; a no-op where the
 * OS has no such call (Windows flushes with MOVEFILE_WRITE_THROUGH instead). */
int bl_plat_sync_dir(const char *dir, bl_error *err);

/* Flushes every file written under dir to disk (Linux: syncfs of its file
 * system, one call however many files; elsewhere each file in turn). */
int bl_plat_sync_tree(const char *dir, bl_error *err);

/* An advisory, non-blocking, per-file lock that the OS drops when the process
 * dies, so a crashed launcher never leaves the installation locked. */
typedef struct bl_plat_lock bl_plat_lock;
int bl_plat_lock_try(const char *path, bl_plat_lock **out, bl_error *err); /* BL_EBUSY if held */
void bl_plat_lock_release(bl_plat_lock *lock);
/* The same lock taken shared, on a file that must exist (BL_ENOTFOUND if
 * not), opened read-only: a reader who may not write the folder (a user's
 * launcher on a machine-wide install) can hold it. Any number of shared
 * holders exclude an exclusive one (bl_plat_lock_try): BL_EBUSY when one
 * holds it exclusively. POSIX flock(LOCK_SH), its descriptor inherited by
 * the processes started after it (an exec'd app goes on holding it);
 * Windows LockFileEx without LOCKFILE_EXCLUSIVE_LOCK. Released by
 * bl_plat_lock_release. */
int bl_plat_lock_shared_try(const char *path, bl_plat_lock **out, bl_error *err);

/* 1 when this process may create files in the folder dir: POSIX access(2)
 * with W_OK (0 for EACCES, EPERM and EROFS alike); Windows creates and
 * deletes a probe file there, the only answer the ACLs give truly. 0 also
 * when dir does not exist. */
int bl_plat_dir_writable(const char *dir);

/* Who owns the file open as fd (uv_fs_open's), in words a log line can
 * carry: POSIX "uid 1001" (fstat's st_uid), Windows the owner's SID
 * ("S-1-5-21-...", GetSecurityInfo). Asked of the open file, not of a
 * path, so a name swapped meanwhile cannot answer for it: the machine's
 * updater names who reported a crash (start/trial_report.h). */
int bl_plat_file_owner(uv_file fd, char *out, size_t size, bl_error *err);

/* The user's own folder for an app's state and logs, named for app (a
 * folder name): POSIX $XDG_STATE_HOME/bomiot/<app> (an absolute
 * XDG_STATE_HOME, else ~/.local/state), Windows
 * %LOCALAPPDATA%\Bomiot\<app>. Not created. BL_ENOTFOUND when there is no
 * home folder to put it in; BL_ETOOBIG when it does not fit. */
int bl_plat_user_state_dir(const char *app, char *out, size_t size, bl_error *err);

/* Puts new_exe in the place of the running executable exe, keeping the old
 * one as backup: POSIX renames over it (the running image stays mapped);
 * Windows renames the running .exe aside first (it may be renamed, not
 * overwritten), then moves the new one in. */
int bl_plat_swap_running_exe(const char *new_exe, const char *exe, const char *backup, bl_error *err);

/* Replaces the current process image with path (argv as given). Returns only
 * on failure; BL_EUNSUPPORTED where the OS has no exec (Windows). */
int bl_plat_exec(const char *path, char *const argv[], bl_error *err);

/* Ends this process the way a child that died of `signum` ended, so whoever
 * started the launcher sees the same status. Returns if that is not possible;
 * the caller then exits with 128 + signum. */
void bl_plat_die_by_signal(int signum);

/* Lowers the calling thread's CPU priority for good (background staging must
 * not slow the app down). Best effort: failures are ignored. */
void bl_plat_lower_thread_priority(void);

/* Asks for huge pages behind [p, p + size), a big buffer not yet touched
 * that will be read at random (the delta engine's old file, suffix array and
 * string filter): fewer TLB misses and page faults. Linux only, where
 * transparent huge pages are often granted on request only (madvise mode);
 * best effort elsewhere and on failure: a no-op. */
void bl_plat_prefer_huge_pages(void *p, size_t size);

/* A child process (the app under supervision) with the launcher's standard
 * streams, working folder and environment, its signal dispositions and mask
 * reset to the defaults, and its end reported on a libuv loop. POSIX starts
 * it with posix_spawn: no copy of the launcher's address space, which fork
 * (libuv's uv_spawn) pays for in page-table copies and copy-on-write faults
 * (about 1 ms here: bench/RESULTS.md); Windows with uv_spawn. */
typedef struct bl_plat_child bl_plat_child;
/* exit_status is the exit code, or 0 with term_signal set when a signal ended it. */
typedef void (*bl_plat_child_exit_cb)(void *ctx, int64_t exit_status, int term_signal);
/* BL_ENOTFOUND when there is no such program, BL_EDENIED when it may not be
 * run; err says which program and why. */
int bl_plat_child_spawn(uv_loop_t *loop, const char *app, char *const argv[],
                        bl_plat_child_exit_cb on_exit, void *ctx, bl_plat_child **out, bl_error *err);
int bl_plat_child_pid(const bl_plat_child *child);
/* Sends signum; after the exit was reported, does nothing. */
void bl_plat_child_kill(bl_plat_child *child, int signum);
/* Stops watching and frees the child once the loop runs again. */
void bl_plat_child_close(bl_plat_child *child);

/* Signals a supervising launcher passes on to the app. Terminal signals
 * (Ctrl+C, Ctrl+\) are not among them: the terminal already sends them to the
 * app, which shares the launcher's process group (as system(3) does). */
const int *bl_plat_forwarded_signals(size_t *count);
const int *bl_plat_terminal_signals(size_t *count);

/* 1 for a signal that only asks a process to end, which a process gets from
 * someone else (a user, the terminal, the session, a service manager) and
 * never from a fault of its own: POSIX SIGHUP, SIGINT, SIGQUIT, SIGTERM and
 * SIGPIPE (the reader of its output went away); Windows SIGINT, SIGBREAK,
 * SIGHUP (a console's Ctrl+C, Ctrl+Break, close) and SIGTERM. */
int bl_plat_signal_asks_to_end(int signum);

/* 1 for an exit code by which the OS reports a crash rather than the app's
 * own exit: Windows' exception codes (NTSTATUS errors, 0xC0000000 and up:
 * an access violation, a stack overflow, ...), except STATUS_CONTROL_C_EXIT
 * (a console Ctrl+C or close); never on POSIX, where a crash is a signal. */
int bl_plat_exit_code_is_crash(int exit_code);

/* Gives a launcher built as a GUI program (Windows: WIN32_EXECUTABLE, so a
 * double-click opens no console window) the console of the program that
 * started it, if that one has a console (cmd, PowerShell): stdout and stderr
 * that the parent did not already redirect are reopened on it, so --help,
 * --version, --print-config and the log reach the terminal. Started from
 * Explorer there is no such console, and nothing changes. A no-op on POSIX,
 * where the standard streams are always inherited. Call it first in main. */
#ifdef _WIN32
void bl_plat_attach_parent_console(void);
#else
static inline void bl_plat_attach_parent_console(void) {}
#endif

/* 1 when this session can show a window: always on Windows and macOS, where
 * a user who starts an app has a desktop; on X11/Wayland systems only when
 * DISPLAY or WAYLAND_DISPLAY names a server (or SDL_VIDEODRIVER picks a
 * driver), since a splash tried without one would fail, or slowly. */
int bl_plat_has_desktop(void);

/* The folder of the system's fonts, where the splash finds the UI font for
 * the user's language by its file name (splash/splash_font.h): Windows
 * <windows folder>\Fonts. BL_ENOTFOUND on POSIX, where fonts are found
 * through fontconfig, not by file name; BL_ETOOBIG when it does not fit. */
int bl_plat_fonts_dir(char *out, size_t size, bl_error *err);

/* 1 while process pid runs (what `--restart-after PID` waits on): POSIX
 * kill(pid, 0), and on Linux a zombie (exited, not yet reaped by its
 * parent) counts as ended; Windows the process not yet signalled. */
int bl_plat_process_alive(int pid);

/* Where a supervising launcher serves `--check` (start/control.h) for the
 * installation whose cache folder is cache_dir, root_id the first 16 hex of
 * SHA-256 of its root: POSIX a Unix socket, <cache>/control.sock when it
 * fits a socket address, else $XDG_RUNTIME_DIR/bomiot-<root_id>.sock (both
 * folders the user's own); Windows the named pipe \\.\pipe\bomiot-<root_id>.
 * BL_ENOTFOUND when there is no such name (a deep root and no
 * XDG_RUNTIME_DIR): then there is no endpoint. */
int bl_plat_control_endpoint(const char *cache_dir, const char *root_id, char *out, size_t size, bl_error *err);

/* The machine's update policy, which an administrator sets and a user cannot
 * (start/config.h says what it may hold): POSIX the file
 * /etc/bomiot/policy.json, Windows the values of the registry key
 * HKLM\Software\Policies\Bomiot, each as a member of a JSON object whose
 * value is a string (a REG_DWORD 0 as "0"; other value types are left out
 * with a message in *text's place: see below). Fills *text (malloc'd, the
 * caller frees) and *len; BL_ENOTFOUND when the machine has no policy; any
 * other error names the location. bl_plat_policy_location() names it for
 * messages and --print-config. */
int bl_plat_read_policy(char **text, size_t *len, bl_error *err);
const char *bl_plat_policy_location(void);

/* The system's proxy for url, in WinHTTP's terms (start/proxy.h reads
 * them): proxy a list ("proxy:3128", "http=a:80;https=b:443"; "" none),
 * bypass its bypass list ("*.corp;<local>"), how a few words on where it
 * was found ("Internet Options", "auto-config script http://wpad/wpad.dat").
 * Windows: the user's Internet Options (WinHttpGetIEProxyConfigForCurrentUser);
 * an auto-config script or auto-detection (WPAD) there is run for url
 * (WinHttpGetProxyForUrl), the fixed proxy being the fallback when it fails;
 * without any, the machine's WinHTTP proxy (netsh winhttp set proxy).
 * POSIX: always none, the environment being the convention there (README:
 * Proxies says why desktop settings are not read). Never fails for want of
 * a configuration: 0, with proxy "". */
int bl_plat_system_proxy(const char *url, char *proxy, size_t proxy_size, char *bypass, size_t bypass_size,
                         char *how, size_t how_size, bl_error *err);

/* The user's language as the system states it, for the splash's words
 * (start/i18n.h maps it to a catalog): POSIX the first of LC_ALL,
 * LC_MESSAGES and LANG that is set and not empty (POSIX's precedence for
 * messages), "zh_CN.UTF-8"; Windows the user's UI language
 * (GetUserDefaultUILanguage) as a locale name, "zh-CN". Fills out ("" when
 * nothing says) and returns where it was read, for --print-config ("LANG",
 * "the user's UI language"), or NULL. */
const char *bl_plat_user_language(char *out, size_t size);

#endif
