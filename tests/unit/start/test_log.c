/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "check.h"
#include "start/log.h"
#include "testutil.h"

static size_t file_size(const char *path)
{
    uv_fs_t req;
    size_t size = 0;
    if (uv_fs_stat(NULL, &req, path, NULL) == 0)
        size = (size_t)req.statbuf.st_size;
    uv_fs_req_cleanup(&req);
    return size;
}

static char *read_text(const char *path)
{
    char *text = NULL;
    size_t len;
    bl_error err;
    bl_fs_read_all(path, 1 << 20, &text, &len, &err);
    return text;
}

/* A log at INFO in a new folder dir, not echoed to stderr; path is its file. */
static void open_test_log(char *dir, size_t dir_size, char *path, size_t size)
{
    bl_error err;
    CHECK_INT(test_make_dir(dir, dir_size), 0);
    snprintf(path, size, "%s/update.log", dir);
    bl_log_set_stderr(0);
    bl_log_set_level(BL_LOG_INFO);
    CHECK_INT(bl_log_open(path, 1 << 20, 3, &err), BL_OK);
}

static void test_lines_have_time_level_and_module(void)
{
    char dir[512], path[600];
    char *text;
    bl_error err;
    open_test_log(dir, sizeof dir, path, sizeof path);
    bl_log(BL_LOG_INFO, "trust", "checked %d roles", 4);
    bl_log(BL_LOG_DEBUG, "trust", "hidden below the level");
    bl_log_close();
    text = read_text(path);
    CHECK(text != NULL);
    /* 2026-11-25T05:00:00.123Z INFO  trust: checked 4 roles */
    CHECK(text && strlen(text) > 25 && text[4] == '-' && text[10] == 'T' && text[23] == 'Z');
    CHECK_CONTAINS(text, "Z INFO  trust: checked 4 roles\n");
    CHECK(text && !strstr(text, "hidden"));
    free(text);
    bl_fs_remove_tree(dir, &err);
}

static void test_rotates_by_size_and_keeps_n_files(void)
{
    char dir[512], path[600], old[640];
    bl_error err;
    int i;
    CHECK_INT(test_make_dir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/update.log", dir);
    bl_log_set_stderr(0);
    CHECK_INT(bl_log_open(path, 4096, 2, &err), BL_OK);
    for (i = 0; i < 1000; i++)
        bl_log(BL_LOG_INFO, "test", "line %04d of a log that must not grow without bound", i);
    bl_log_close();
    CHECK(file_size(path) <= 4096);
    snprintf(old, sizeof old, "%s.1", path);
    CHECK(file_size(old) > 3000 && file_size(old) <= 4096);
    snprintf(old, sizeof old, "%s.2", path);
    CHECK(file_size(old) > 3000 && file_size(old) <= 4096);
    snprintf(old, sizeof old, "%s.3", path);
    CHECK(!bl_fs_exists(old));
    {
        char *text = read_text(path);
        CHECK_CONTAINS(text, "line 0999");
        free(text);
    }
    bl_fs_remove_tree(dir, &err);
}

typedef struct {
    int id;
} writer_arg;

static void writer(void *arg)
{
    int i, id = ((writer_arg *)arg)->id;
    for (i = 0; i < 500; i++)
        bl_log(BL_LOG_INFO, "thread", "writer %d line %d end", id, i);
}

static void test_threads_never_interleave_within_a_line(void)
{
    char dir[512], path[600];
    uv_thread_t threads[4];
    writer_arg args[4];
    bl_error err;
    char *text, *line;
    int i, lines = 0, bad = 0;
    CHECK_INT(test_make_dir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/update.log", dir);
    bl_log_set_stderr(0);
    CHECK_INT(bl_log_open(path, 1 << 22, 1, &err), BL_OK);
    for (i = 0; i < 4; i++) {
        args[i].id = i;
        uv_thread_create(&threads[i], writer, &args[i]);
    }
    for (i = 0; i < 4; i++)
        uv_thread_join(&threads[i]);
    bl_log_close();
    text = read_text(path);
    for (line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        lines++;
        if (!strstr(line, " INFO  thread: writer ") || strcmp(line + strlen(line) - 4, " end") != 0)
            bad++;
    }
    CHECK_INT(lines, 2000);
    CHECK_INT(bad, 0);
    free(text);
    bl_fs_remove_tree(dir, &err);
}

/* Text from outside (an HTTP reason, a metadata _type, an archive's entry
 * name) is logged as it came: a newline must not forge a line, an escape
 * sequence must not reach the terminal. */
static void test_escapes_what_could_forge_a_line_or_drive_a_terminal(void)
{
    char dir[512], path[600];
    char *text;
    bl_error err;
    open_test_log(dir, sizeof dir, path, sizeof path);
    bl_log(BL_LOG_WARN, "fetch", "server said \"%s\"",
           "OK\n2026-11-25T05:00:00.000Z ERROR trust: forged\r\t\x1b[2J\x7f\xc2\x9b\xff caf\xc3\xa9 \xe2\x82\xac");
    bl_log_close();
    text = read_text(path);
    CHECK(text != NULL);
    CHECK_CONTAINS(text, "WARN  fetch: server said \"OK\\n2026-11-25T05:00:00.000Z ERROR trust: forged"
                         "\\r\\t\\x1b[2J\\x7f\\xc2\\x9b\\xff caf\xc3\xa9 \xe2\x82\xac\"\n");
    CHECK(text && strchr(text, '\n') == text + strlen(text) - 1); /* one line */
    free(text);
    bl_fs_remove_tree(dir, &err);
}

static void test_escape_never_cuts_an_escape_or_a_character(void)
{
    char out[8];
    CHECK_INT(bl_log_escape("ab\ncd", out, sizeof out), 6);
    CHECK_STR(out, "ab\\ncd");
    CHECK_INT(bl_log_escape("abcde\x1b", out, sizeof out), 5); /* \x1b does not fit */
    CHECK_STR(out, "abcde");
    CHECK_INT(bl_log_escape("abcde\xe2\x82\xac", out, sizeof out), 5); /* nor the euro's 3 bytes */
    CHECK_STR(out, "abcde");
    CHECK_INT(bl_log_escape("\xe2\x82", out, sizeof out), 8 - 1 - 3); /* cut UTF-8: \xe2 fits, \x82 not */
    CHECK_STR(out, "\\xe2");
    CHECK_INT(bl_log_escape("\xed\xa0\x80", out, sizeof out), 4); /* a surrogate is not UTF-8 */
    CHECK_INT(bl_log_escape("C:\\x", out, sizeof out), 4); /* a backslash is kept as it is */
    CHECK_STR(out, "C:\\x");
}

static void test_formats_utc_without_the_local_timezone(void)
{
    char out[32];
    bl_log_format_utc(0, out, sizeof out);
    CHECK_STR(out, "1970-01-01T00:00:00Z");
    bl_log_format_utc(1795590000, out, sizeof out);
    CHECK_STR(out, "2026-11-25T07:00:00Z");
    bl_log_format_utc(951782400, out, sizeof out); /* leap day */
    CHECK_STR(out, "2000-02-29T00:00:00Z");
}

static void test_parses_level_names(void)
{
    int level = -1;
    CHECK_INT(bl_log_level_parse("warning", &level), BL_OK);
    CHECK_INT(level, BL_LOG_WARN);
    CHECK_INT(bl_log_level_parse("loud", &level), BL_EINVAL);
}

int main(void)
{
    RUN(test_lines_have_time_level_and_module);
    RUN(test_rotates_by_size_and_keeps_n_files);
    RUN(test_threads_never_interleave_within_a_line);
    RUN(test_escapes_what_could_forge_a_line_or_drive_a_terminal);
    RUN(test_escape_never_cuts_an_escape_or_a_character);
    RUN(test_formats_utc_without_the_local_timezone);
    RUN(test_parses_level_names);
    return CHECK_DONE();
}
