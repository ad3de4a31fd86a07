/* SPDX-License-Identifier: Apache-2.0 */
/* platform/win32 under Wine: UTF-16 paths from UTF-8 (a folder named in
 * Chinese), atomic replace over an existing file, retries while another
 * program holds the target open and a message naming it when it stays held,
 * the launcher lock, swapping a running executable by renaming it aside, and
 * the fonts folder the splash looks for the UI fonts in.
 * Built and run only in the Windows build (tests/windows/run.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "check.h"
#include "platform.h"

static char root[MAX_PATH * 3];

static wchar_t *wide(const char *utf8)
{
    static wchar_t out[4][MAX_PATH * 2];
    static int next;
    wchar_t *w = out[next++ % 4];
    if (!MultiByteToWideChar(CP_UTF8, 0, utf8, -1, w, MAX_PATH * 2))
        w[0] = L'\0';
    return w;
}

static void path_of(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s\\%s", root, name);
}

/* The file's bytes read through the wide API, so the test does not rely on
 * the code path it checks. */
static int read_wide(const char *path, char *buf, size_t size)
{
    HANDLE h = CreateFileW(wide(path), GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    DWORD n = 0;
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    if (!ReadFile(h, buf, (DWORD)size - 1, &n, NULL))
        n = 0;
    buf[n] = '\0';
    CloseHandle(h);
    return (int)n;
}

static void test_writes_atomically_under_a_chinese_folder_name(void)
{
    char path[MAX_PATH * 3], buf[64];
    bl_error err;
    path_of(path, sizeof path, "状态.json");
    CHECK_INT(bl_plat_write_file_atomic(path, "{\"a\": 1}", 8, &err), BL_OK);
    CHECK_INT(read_wide(path, buf, sizeof buf), 8);
    CHECK_STR(buf, "{\"a\": 1}");
    CHECK_INT(bl_plat_write_file_atomic(path, "two", 3, &err), BL_OK); /* over the existing file */
    CHECK_INT(read_wide(path, buf, sizeof buf), 3);
    CHECK_STR(buf, "two");
    CHECK_INT(bl_plat_sync_tree(root, &err), BL_OK);
}

typedef struct {
    HANDLE held;
    DWORD after_ms;
} release_later;

static DWORD WINAPI release_thread(void *arg)
{
    release_later *r = arg;
    Sleep(r->after_ms);
    CloseHandle(r->held);
    return 0;
}

static HANDLE hold_unshared(const char *path)
{
    /* What an antivirus scanner does for a moment: open with no sharing. */
    return CreateFileW(wide(path), GENERIC_READ, 0, NULL, OPEN_ALWAYS, 0, NULL);
}

static void test_replace_retries_while_the_target_is_held_for_a_moment(void)
{
    char from[MAX_PATH * 3], to[MAX_PATH * 3], buf[64];
    release_later r;
    HANDLE thread;
    bl_error err;
    path_of(from, sizeof from, "new.bin");
    path_of(to, sizeof to, "held.bin");
    CHECK_INT(bl_plat_write_file_atomic(from, "fresh", 5, &err), BL_OK);
    r.held = hold_unshared(to);
    CHECK(r.held != INVALID_HANDLE_VALUE);
    r.after_ms = 100;
    thread = CreateThread(NULL, 0, release_thread, &r, 0, NULL);
    CHECK(thread != NULL);
    CHECK_INT(bl_plat_replace_file(from, to, &err), BL_OK);
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
    CHECK_INT(read_wide(to, buf, sizeof buf), 5);
    CHECK_STR(buf, "fresh");
}

static void test_replace_names_the_file_that_stays_held(void)
{
    char from[MAX_PATH * 3], to[MAX_PATH * 3], buf[64];
    HANDLE held;
    bl_error err;
    path_of(from, sizeof from, "new2.bin");
    path_of(to, sizeof to, "锁定.bin");
    CHECK_INT(bl_plat_write_file_atomic(from, "fresh", 5, &err), BL_OK);
    held = hold_unshared(to);
    CHECK(held != INVALID_HANDLE_VALUE);
    CHECK_INT(bl_plat_replace_file(from, to, &err), BL_EBUSY);
    CHECK_CONTAINS(err.msg, "锁定.bin");
    CHECK_CONTAINS(err.msg, "in use");
    CloseHandle(held);
    CHECK_INT(read_wide(from, buf, sizeof buf), 5); /* the new file is still there to retry with */
}

static void test_a_second_lock_is_refused_until_the_first_is_released(void)
{
    char path[MAX_PATH * 3];
    bl_plat_lock *first = NULL, *second = NULL;
    bl_error err;
    path_of(path, sizeof path, "launcher.lock");
    CHECK_INT(bl_plat_lock_try(path, &first, &err), BL_OK);
    CHECK_INT(bl_plat_lock_try(path, &second, &err), BL_EBUSY);
    CHECK(second == NULL);
    bl_plat_lock_release(first);
    CHECK_INT(bl_plat_lock_try(path, &second, &err), BL_OK);
    bl_plat_lock_release(second);
}

static void test_swaps_a_running_executable_by_renaming_it_aside(void)
{
    char self[MAX_PATH * 3], exe[MAX_PATH * 3], next[MAX_PATH * 3], backup[MAX_PATH * 3], buf[64];
    wchar_t self_w[MAX_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    wchar_t cmd[MAX_PATH * 2];
    bl_error err;

    /* A copy of this test program, running (it waits on stdin-less sleep). */
    GetModuleFileNameW(NULL, self_w, MAX_PATH);
    WideCharToMultiByte(CP_UTF8, 0, self_w, -1, self, sizeof self, NULL, NULL);
    path_of(exe, sizeof exe, "运行.exe");
    path_of(next, sizeof next, "运行.new.exe");
    path_of(backup, sizeof backup, "运行.old.exe");
    CHECK(CopyFileW(self_w, wide(exe), FALSE));
    CHECK_INT(bl_plat_write_file_atomic(next, "the new one", 11, &err), BL_OK);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    swprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" --sleep", wide(exe));
    CHECK(CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    Sleep(300);
    /* While it runs, it cannot be overwritten... */
    CHECK(!CopyFileW(wide(next), wide(exe), FALSE));
    /* ...but it can be renamed aside and replaced. */
    CHECK_INT(bl_plat_swap_running_exe(next, exe, backup, &err), BL_OK);
    CHECK_INT(read_wide(exe, buf, sizeof buf), 11);
    CHECK_STR(buf, "the new one");
    CHECK(GetFileAttributesW(wide(backup)) != INVALID_FILE_ATTRIBUTES);
    TerminateProcess(pi.hProcess, 0);
    WaitForSingleObject(pi.hProcess, 5000);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
}

static void test_fonts_dir_is_the_windows_fonts_folder(void)
{
    char dir[MAX_PATH * 3], small[8];
    wchar_t windows[MAX_PATH];
    bl_error err;
    DWORD attributes;
    size_t len;
    CHECK_INT(bl_plat_fonts_dir(dir, sizeof dir, &err), BL_OK);
    len = strlen(dir);
    CHECK(len > 6 && strcmp(dir + len - 6, "\\Fonts") == 0);
    GetWindowsDirectoryW(windows, MAX_PATH);
    CHECK(_wcsnicmp(wide(dir), windows, wcslen(windows)) == 0); /* under the Windows folder */
    attributes = GetFileAttributesW(wide(dir));
    CHECK(attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY));
    CHECK_INT(bl_plat_fonts_dir(small, sizeof small, &err), BL_ETOOBIG);
    CHECK_CONTAINS(err.msg, "too long");
}

int main(int argc, char **argv)
{
    char base[MAX_PATH * 2];
    wchar_t base_w[MAX_PATH];
    if (argc > 1 && strcmp(argv[1], "--sleep") == 0) { /* the running copy of the swap test */
        Sleep(10000);
        return 0;
    }
    GetTempPathW(MAX_PATH, base_w);
    WideCharToMultiByte(CP_UTF8, 0, base_w, -1, base, sizeof base, NULL, NULL);
    snprintf(root, sizeof root, "%sbl-plat-用户-%lu", base, (unsigned long)GetCurrentProcessId());
    if (!CreateDirectoryW(wide(root), NULL)) {
        fprintf(stderr, "cannot create %s\n", root);
        return 1;
    }
    RUN(test_writes_atomically_under_a_chinese_folder_name);
    RUN(test_replace_retries_while_the_target_is_held_for_a_moment);
    RUN(test_replace_names_the_file_that_stays_held);
    RUN(test_a_second_lock_is_refused_until_the_first_is_released);
    RUN(test_swaps_a_running_executable_by_renaming_it_aside);
    RUN(test_fonts_dir_is_the_windows_fonts_folder);
    {
        /* Clean up: SHFileOperation-free, the folder holds only our files. */
        WIN32_FIND_DATAW found;
        wchar_t pattern[MAX_PATH * 2], file[MAX_PATH * 2];
        HANDLE search;
        swprintf(pattern, MAX_PATH * 2, L"%ls\\*", wide(root));
        search = FindFirstFileW(pattern, &found);
        if (search != INVALID_HANDLE_VALUE) {
            do {
                swprintf(file, MAX_PATH * 2, L"%ls\\%ls", wide(root), found.cFileName);
                DeleteFileW(file);
            } while (FindNextFileW(search, &found));
            FindClose(search);
        }
        RemoveDirectoryW(wide(root));
    }
    return CHECK_DONE();
}
