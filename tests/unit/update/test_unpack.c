/* SPDX-License-Identifier: Apache-2.0 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <uv.h>

#include "check.h"
#include "platform.h"
#include "testutil.h"
#include "update/unpack.h"

/* Builds a tar (pax, as Python's tarfile writes) from a list of entries. */
typedef struct {
    const char *name;
    unsigned type; /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR */
    unsigned perm;
    const char *data_or_target;
    const char *hardlink;
} fake_entry;

static int make_tar_as(const char *path, const fake_entry *entries, int n, int gzip, int binary_names)
{
    struct archive *a = archive_write_new();
    int i;
    archive_write_set_format_pax_restricted(a);
    /* names as their bytes, whatever the locale, as bomiot-release writes them */
    if (binary_names)
        archive_write_set_format_option(a, "pax", "hdrcharset", "BINARY");
    if (gzip)
        archive_write_add_filter_gzip(a);
    if (archive_write_open_filename(a, path) != ARCHIVE_OK)
        return -1;
    for (i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, entries[i].name);
        archive_entry_set_filetype(e, entries[i].type);
        archive_entry_set_perm(e, entries[i].perm);
        archive_entry_set_mtime(e, 1700000000, 500000000);
        if (entries[i].hardlink) {
            archive_entry_set_hardlink(e, entries[i].hardlink);
            archive_entry_set_size(e, 0);
        } else if (entries[i].type == AE_IFLNK) {
            archive_entry_set_symlink(e, entries[i].data_or_target);
        } else if (entries[i].type == AE_IFREG && entries[i].data_or_target) {
            archive_entry_set_size(e, (la_int64_t)strlen(entries[i].data_or_target));
        }
        archive_write_header(a, e);
        if (entries[i].type == AE_IFREG && entries[i].data_or_target && !entries[i].hardlink)
            archive_write_data(a, entries[i].data_or_target, strlen(entries[i].data_or_target));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return 0;
}

static int make_tar(const char *path, const fake_entry *entries, int n, int gzip)
{
    return make_tar_as(path, entries, n, gzip, 0);
}

typedef struct {
    char dir[512];
    char tar[600];
    char dest[600];
} sandbox;

static void sandbox_new(sandbox *s)
{
    test_make_dir(s->dir, sizeof s->dir);
    snprintf(s->tar, sizeof s->tar, "%s/app.tar.gz", s->dir);
    snprintf(s->dest, sizeof s->dest, "%s/versions/1.0.0.partial", s->dir);
}

static void sandbox_free(sandbox *s)
{
    bl_error err;
    bl_fs_remove_tree(s->dir, &err);
}

static void test_normalises_entry_names(void)
{
    char out[256];
    bl_error err;
    CHECK_INT(bl_unpack_check_name("./bin/bomiot", out, sizeof out, &err), BL_OK);
    CHECK_STR(out, "bin/bomiot");
    CHECK_INT(bl_unpack_check_name(".", out, sizeof out, &err), BL_OK);
    CHECK_STR(out, "");
    CHECK_INT(bl_unpack_check_name("a//b/./c/", out, sizeof out, &err), BL_OK);
    CHECK_STR(out, "a/b/c");
}

static void test_rejects_names_that_leave_the_folder(void)
{
    const char *bad[] = {"/etc/passwd", "../x", "a/../../x", "a/..", "C:/Windows/x", "a\\..\\x", "\\x"};
    size_t i;
    char out[256];
    bl_error err;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(bl_unpack_check_name(bad[i], out, sizeof out, &err), BL_ECORRUPT);
}

static void test_judges_symlink_targets(void)
{
    CHECK(bl_unpack_link_stays_inside("lib/libx.so", "libx.so.1"));
    CHECK(bl_unpack_link_stays_inside("lib/python/os.py", "../../bin/x"));
    CHECK(bl_unpack_link_stays_inside("a", "./b"));
    CHECK(!bl_unpack_link_stays_inside("a", "../b"));
    CHECK(!bl_unpack_link_stays_inside("lib/x", "../../etc/passwd"));
    CHECK(!bl_unpack_link_stays_inside("x", "/etc/passwd"));
    CHECK(!bl_unpack_link_stays_inside("x", ""));
    CHECK(!bl_unpack_link_stays_inside("lib/x", "a/../../../y"));
}

/* stat (follow = 1) or lstat through libuv, the same call on every OS. */
static int stat_of(const char *path, int follow, uv_stat_t *out)
{
    uv_fs_t req;
    int r = follow ? uv_fs_stat(NULL, &req, path, NULL) : uv_fs_lstat(NULL, &req, path, NULL);
    if (r == 0)
        *out = req.statbuf;
    uv_fs_req_cleanup(&req);
    return r;
}

static void test_unpacks_a_tufup_style_archive_with_modes_and_links(void)
{
    const fake_entry entries[] = {
        {".", AE_IFDIR, 0755, NULL, NULL},
        {"./bomiot", AE_IFREG, 04755, "#!/bin/sh\necho hi\n", NULL}, /* setuid must be dropped */
        {"./lib", AE_IFDIR, 0755, NULL, NULL},
        {"./lib/libx.so.1", AE_IFREG, 0644, "ELF", NULL},
        {"./lib/libx.so", AE_IFLNK, 0777, "libx.so.1", NULL},
        {"./lib/copy.so", AE_IFREG, 0644, NULL, "./lib/libx.so.1"},
    };
    sandbox s;
    uv_stat_t st;
    char path[700];
    bl_error err;
    char *text = NULL;
    size_t len;
    /* Windows has no permission bits, and a symlink needs a privilege a user
     * lacks (libarchive then leaves it out; Windows releases carry none). */
    const int posix = BL_EXE_SUFFIX[0] == '\0';

    sandbox_new(&s);
    CHECK_INT(make_tar(s.tar, entries, 6, 1), 0);
    CHECK_INT(bl_unpack_file(s.tar, s.dest, NULL, &err), BL_OK);
    snprintf(path, sizeof path, "%s/bomiot", s.dest);
    CHECK_INT(stat_of(path, 1, &st), 0);
    if (posix)
        CHECK_INT(st.st_mode & 07777, 0755);
    CHECK_INT(st.st_mtim.tv_sec, 1700000000);
    snprintf(path, sizeof path, "%s/lib/libx.so", s.dest);
    if (posix) {
        CHECK_INT(stat_of(path, 0, &st), 0);
        CHECK_INT(st.st_mode & S_IFMT, S_IFLNK);
        CHECK_INT(bl_fs_read_all(path, 100, &text, &len, &err), BL_OK);
        CHECK_STR(text, "ELF");
        free(text);
    }
    snprintf(path, sizeof path, "%s/lib/copy.so", s.dest);
    CHECK_INT(stat_of(path, 1, &st), 0);
    CHECK_INT(st.st_nlink, 2);
    sandbox_free(&s);
}

static int count_entry(void *ctx, const char *name, int is_dir)
{
    (void)name;
    (void)is_dir;
    ++*(int *)ctx;
    return BL_OK;
}

static void check_file(const char *dir, const char *rel, const char *expected)
{
    char path[800], *text = NULL;
    size_t len = 0;
    bl_error err;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    CHECK_INT(bl_fs_read_all(path, 100, &text, &len, &err), BL_OK);
    if (text)
        CHECK_STR(text, expected);
    free(text);
}

/* A root under a folder named in Chinese (C:\Users\张伟\AppData\...), and
 * names in Chinese in the archive: on Windows libarchive widened the narrow
 * UTF-8 paths it was given byte by byte (the C locale), and every file went
 * into a sibling folder named in Latin-1 characters, leaving the version
 * folder empty. */
static void test_unpacks_under_a_folder_named_in_chinese(void)
{
    const fake_entry entries[] = {
        {".", AE_IFDIR, 0755, NULL, NULL},
        {"./bomiot", AE_IFREG, 0755, "the app", NULL},
        {"./数据", AE_IFDIR, 0755, NULL, NULL},
        {"./数据/说明.txt", AE_IFREG, 0644, "读我", NULL},
        {"./数据/副本.txt", AE_IFREG, 0644, NULL, "./数据/说明.txt"},
        {"./数据/链接.txt", AE_IFLNK, 0777, "说明.txt", NULL},
    };
    const int posix = BL_EXE_SUFFIX[0] == '\0'; /* see the tufup-style test: symlinks */
    sandbox s;
    uv_stat_t st = {0};
    char path[800];
    bl_error err;
    int entries_beside = 0;

    sandbox_new(&s);
    snprintf(s.dest, sizeof s.dest, "%s/用户张伟/versions/1.0.0.partial", s.dir);
    CHECK_INT(make_tar_as(s.tar, entries, 6, 1, 1), 0);
    CHECK_INT(bl_unpack_file(s.tar, s.dest, NULL, &err), BL_OK);
    check_file(s.dest, "bomiot", "the app");
    check_file(s.dest, "数据/说明.txt", "读我");
    check_file(s.dest, "数据/副本.txt", "读我");
    snprintf(path, sizeof path, "%s/数据/副本.txt", s.dest);
    CHECK_INT(stat_of(path, 1, &st), 0);
    CHECK_INT(st.st_nlink, 2);
    if (posix) {
        snprintf(path, sizeof path, "%s/数据/链接.txt", s.dest);
        CHECK_INT(stat_of(path, 0, &st), 0);
        CHECK_INT(st.st_mode & S_IFMT, S_IFLNK);
        check_file(s.dest, "数据/链接.txt", "读我");
    }
    /* nothing beside the archive and the root: no folder of other names */
    CHECK_INT(bl_fs_list_dir(s.dir, count_entry, &entries_beside, &err), BL_OK);
    CHECK_INT(entries_beside, 2);
    sandbox_free(&s);
}

/* A name in a legacy encoding (Latin-1 "é"): its bytes are the name on
 * POSIX; Windows names are Unicode, so there it is refused by name rather
 * than guessed at. */
static void test_a_name_that_is_not_utf8_is_its_bytes_on_posix_and_refused_on_windows(void)
{
    const fake_entry entries[] = {{"./caf\xe9.txt", AE_IFREG, 0644, "latin-1", NULL}};
    const int posix = BL_EXE_SUFFIX[0] == '\0';
    sandbox s;
    bl_error err;

    sandbox_new(&s);
    CHECK_INT(make_tar_as(s.tar, entries, 1, 0, 1), 0);
    if (posix) {
        CHECK_INT(bl_unpack_file(s.tar, s.dest, NULL, &err), BL_OK);
        check_file(s.dest, "caf\xe9.txt", "latin-1");
    } else {
        CHECK_INT(bl_unpack_file(s.tar, s.dest, NULL, &err), BL_EINVAL);
        CHECK_CONTAINS(err.msg, "not UTF-8 text");
    }
    sandbox_free(&s);
}

/* tufup's archives make the version folder 0700 (issue 20: it stayed so,
 * and other users of a system-wide install could not start the app). */
static void test_modes_are_normal_whatever_the_archive_says(void)
{
    const fake_entry entries[] = {
        {"./", AE_IFDIR, 0700, NULL, NULL},
        {"./bin", AE_IFDIR, 0750, NULL, NULL},
        {"./bin/bomiot", AE_IFREG, 06700, "#!/bin/sh\n", NULL},
        {"./secret", AE_IFREG, 0600, "x", NULL},
        {"./shared", AE_IFREG, 0666, "x", NULL},
        {"./tool", AE_IFREG, 0701, "x", NULL},
    };
    const char *expected[][2] = {{"", "755"}, {"/bin", "755"}, {"/bin/bomiot", "755"},
                                 {"/secret", "644"}, {"/shared", "644"}, {"/tool", "755"}};
    const int posix = BL_EXE_SUFFIX[0] == '\0'; /* Windows has no permission bits */
    sandbox s;
    uv_stat_t st = {0};
    char path[700], mode[8];
    bl_error err;
    size_t i;

    sandbox_new(&s);
    CHECK_INT(make_tar(s.tar, entries, 6, 1), 0);
    CHECK_INT(bl_unpack_file(s.tar, s.dest, NULL, &err), BL_OK);
    for (i = 0; posix && i < sizeof expected / sizeof expected[0]; i++) {
        snprintf(path, sizeof path, "%s%s", s.dest, expected[i][0]);
        CHECK_INT(stat_of(path, 1, &st), 0);
        snprintf(mode, sizeof mode, "%o", (unsigned)(st.st_mode & 07777));
        CHECK_STR(mode, expected[i][1]);
    }
    sandbox_free(&s);
}

static void expect_refused(const fake_entry *entries, int n, const char *fragment)
{
    sandbox s;
    bl_error err;
    char outside[700];
    sandbox_new(&s);
    make_tar(s.tar, entries, n, 0);
    CHECK_INT(bl_unpack_file(s.tar, s.dest, NULL, &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, fragment);
    snprintf(outside, sizeof outside, "%s/versions/evil", s.dir);
    CHECK(!bl_fs_exists(outside));
    sandbox_free(&s);
}

static void test_refuses_path_traversal(void)
{
    const fake_entry e[] = {{"./ok", AE_IFREG, 0644, "x", NULL}, {"../evil", AE_IFREG, 0644, "x", NULL}};
    expect_refused(e, 2, "leaves the folder");
}

static void test_refuses_absolute_paths(void)
{
    const fake_entry e[] = {{"/tmp/evil-absolute", AE_IFREG, 0644, "x", NULL}};
    expect_refused(e, 1, "absolute path");
    CHECK(!bl_fs_exists("/tmp/evil-absolute"));
}

static void test_refuses_symlinks_that_escape(void)
{
    const fake_entry e[] = {{"./link", AE_IFLNK, 0777, "../evil", NULL}};
    expect_refused(e, 1, "links outside the folder");
}

static void test_refuses_writing_through_a_symlink(void)
{
    /* a link that is fine by itself, then a file written "through" it */
    const fake_entry e[] = {{"./dir", AE_IFLNK, 0777, "sub/../../..", NULL}, {"./dir/evil", AE_IFREG, 0644, "x", NULL}};
    expect_refused(e, 2, "links outside the folder");
}

static void test_refuses_hardlinks_outside(void)
{
    const fake_entry e[] = {{"./h", AE_IFREG, 0644, NULL, "../../etc/passwd"}};
    expect_refused(e, 1, "leaves the folder");
}

static void test_refuses_device_files(void)
{
    const fake_entry e[] = {{"./null", AE_IFCHR, 0666, NULL, NULL}};
    expect_refused(e, 1, "device, fifo or socket");
}

static void test_rejects_a_truncated_archive(void)
{
    const fake_entry e[] = {{"./big", AE_IFREG, 0644,
                             "0123456789012345678901234567890123456789012345678901234567890123456789", NULL}};
    sandbox s;
    bl_error err;
    char *bytes = NULL;
    size_t n = 0;
    FILE *f;
    sandbox_new(&s);
    make_tar(s.tar, e, 1, 0);
    CHECK_INT(bl_fs_read_all(s.tar, 1 << 20, &bytes, &n, &err), BL_OK);
    CHECK(n > 530);
    f = fopen(s.tar, "wb");
    CHECK(f != NULL);
    if (f && bytes && n > 530) {
        CHECK_INT(fwrite(bytes, 1, 530, f), 530); /* header + part of the data */
    }
    if (f)
        fclose(f);
    free(bytes);
    CHECK(bl_unpack_file(s.tar, s.dest, NULL, &err) != BL_OK);
    sandbox_free(&s);
}

static void test_enforces_the_size_limit(void)
{
    const fake_entry e[] = {{"./a", AE_IFREG, 0644, "0123456789", NULL}, {"./b", AE_IFREG, 0644, "0123456789", NULL}};
    sandbox s;
    bl_error err;
    bl_unpack_options opt = {15, NULL, NULL, 0};
    sandbox_new(&s);
    make_tar(s.tar, e, 2, 0);
    CHECK_INT(bl_unpack_file(s.tar, s.dest, &opt, &err), BL_ELENGTH);
    sandbox_free(&s);
}

/* A file whose header states more than the limit is refused before any of
 * it is written (a sparse 10 GB file has a small tar but not a small size);
 * issue 20: it was written up to the limit first. */
static void test_a_file_over_the_limit_is_refused_at_its_header(void)
{
    char big[4097], path[700];
    const fake_entry e[] = {{"./small", AE_IFREG, 0644, "0123456789", NULL}, {"./big", AE_IFREG, 0644, big, NULL}};
    sandbox s;
    bl_error err;
    bl_unpack_options opt = {100, NULL, "the stated size", 0};
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sandbox_new(&s);
    make_tar(s.tar, e, 2, 1);
    CHECK_INT(bl_unpack_file(s.tar, s.dest, &opt, &err), BL_ELENGTH);
    CHECK_CONTAINS(err.msg, "unpacks to more than 100 bytes (the stated size)");
    snprintf(path, sizeof path, "%s/small", s.dest);
    CHECK(bl_fs_exists(path));
    snprintf(path, sizeof path, "%s/big", s.dest);
    CHECK(!bl_fs_exists(path));
    sandbox_free(&s);
}

static void test_refuses_an_existing_destination(void)
{
    const fake_entry e[] = {{"./a", AE_IFREG, 0644, "x", NULL}};
    sandbox s;
    bl_error err;
    sandbox_new(&s);
    make_tar(s.tar, e, 1, 0);
    bl_fs_mkdir_p(s.dest, &err);
    CHECK_INT(bl_unpack_file(s.tar, s.dest, NULL, &err), BL_EINVAL);
    sandbox_free(&s);
}

typedef struct {
    FILE *f;
    char buf[100]; /* small chunks: the reader must cope with any split */
} chunk_reader;

static long long read_chunk(void *ctx, const void **buf, bl_error *err)
{
    (void)err;
    chunk_reader *r = ctx;
    *buf = r->buf;
    return (long long)fread(r->buf, 1, sizeof r->buf, r->f);
}

static void test_streams_from_a_reader_callback(void)
{
    const fake_entry e[] = {{"./bomiot", AE_IFREG, 0755, "streamed", NULL}};
    sandbox s;
    bl_error err;
    chunk_reader r;
    char path[700];
    sandbox_new(&s);
    make_tar(s.tar, e, 1, 1);
    r.f = fopen(s.tar, "rb");
    CHECK_INT(bl_unpack_stream(read_chunk, &r, s.dest, NULL, &err), BL_OK);
    fclose(r.f);
    snprintf(path, sizeof path, "%s/bomiot", s.dest);
    CHECK(bl_fs_exists(path));
    sandbox_free(&s);
}

int main(void)
{
    RUN(test_normalises_entry_names);
    RUN(test_rejects_names_that_leave_the_folder);
    RUN(test_judges_symlink_targets);
    RUN(test_unpacks_a_tufup_style_archive_with_modes_and_links);
    RUN(test_unpacks_under_a_folder_named_in_chinese);
    RUN(test_a_name_that_is_not_utf8_is_its_bytes_on_posix_and_refused_on_windows);
    RUN(test_modes_are_normal_whatever_the_archive_says);
    RUN(test_refuses_path_traversal);
    RUN(test_refuses_absolute_paths);
    RUN(test_refuses_symlinks_that_escape);
    RUN(test_refuses_writing_through_a_symlink);
    RUN(test_refuses_hardlinks_outside);
    RUN(test_refuses_device_files);
    RUN(test_rejects_a_truncated_archive);
    RUN(test_enforces_the_size_limit);
    RUN(test_a_file_over_the_limit_is_refused_at_its_header);
    RUN(test_refuses_an_existing_destination);
    RUN(test_streams_from_a_reader_callback);
    return CHECK_DONE();
}
