/* SPDX-License-Identifier: Apache-2.0 */
#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

#include "check.h"
#include "delta/delta.h"
#include "start/progress.h"
#include "testutil.h"
#include "update/apply.h"

/* A small tar in memory (pax), so the test knows its exact bytes. */
static size_t make_tar(unsigned char *buf, size_t cap)
{
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    size_t used = 0;
    const char *text = "#!/bin/sh\necho bomiot\n";
    archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, buf, cap, &used);
    archive_entry_set_pathname(e, "./bomiot");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0755);
    archive_entry_set_size(e, (la_int64_t)strlen(text));
    archive_write_header(a, e);
    archive_write_data(a, text, strlen(text));
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    return used;
}

/* Writes data as gzip, split into `members` concatenated gzip members. */
static void write_gzip(const char *path, const unsigned char *data, size_t len, int members)
{
    FILE *f = fopen(path, "wb");
    size_t part = len / (size_t)members, off = 0;
    int m;
    for (m = 0; m < members; m++) {
        size_t n = m == members - 1 ? len - off : part;
        z_stream z;
        unsigned char out[65536];
        memset(&z, 0, sizeof z);
        deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
        z.next_in = (unsigned char *)data + off;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = sizeof out;
        deflate(&z, Z_FINISH);
        fwrite(out, 1, sizeof out - z.avail_out, f);
        deflateEnd(&z);
        off += n;
    }
    fclose(f);
}

typedef struct {
    char dir[512], gz[600], tar[600], dest[600];
} sandbox;

static void sandbox_new(sandbox *s)
{
    test_make_dir(s->dir, sizeof s->dir);
    snprintf(s->gz, sizeof s->gz, "%s/bomiot-1.0.0.tar.gz", s->dir);
    snprintf(s->tar, sizeof s->tar, "%s/bomiot-1.0.0.tar", s->dir);
    snprintf(s->dest, sizeof s->dest, "%s/1.0.0.partial", s->dir);
}

static void check_archive_with_members(int members)
{
    static unsigned char tar[1 << 16];
    unsigned char expected[32];
    size_t len = make_tar(tar, sizeof tar);
    sandbox s;
    bl_tar_digest d;
    bl_error err;
    char *cached = NULL, exe[700];
    size_t cached_len = 0;

    sandbox_new(&s);
    write_gzip(s.gz, tar, len, members);
    CHECK_INT(bl_apply_archive(s.gz, s.tar, s.dest, NULL, &d, &err), BL_OK);
    crypto_hash_sha256(expected, tar, len);
    CHECK_INT(d.size, len);
    CHECK(memcmp(d.sha256, expected, 32) == 0);
    CHECK_INT(bl_fs_read_all(s.tar, 1 << 20, &cached, &cached_len, &err), BL_OK);
    CHECK_INT(cached_len, len);
    CHECK(cached && memcmp(cached, tar, len) == 0); /* byte-identical: the next patch applies to it */
    snprintf(exe, sizeof exe, "%s/bomiot", s.dest);
    CHECK(bl_fs_exists(exe));
    free(cached);
    bl_fs_remove_tree(s.dir, &err);
}

static void test_unpacks_and_caches_the_exact_tar(void)
{
    check_archive_with_members(1);
}

static void test_reads_every_gzip_member(void)
{
    check_archive_with_members(3);
}

static void test_rejects_a_truncated_archive(void)
{
    static unsigned char tar[1 << 16];
    size_t len = make_tar(tar, sizeof tar);
    sandbox s;
    bl_tar_digest d;
    bl_error err;
    FILE *f;
    long size;

    sandbox_new(&s);
    write_gzip(s.gz, tar, len, 1);
    f = fopen(s.gz, "r+");
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    CHECK_INT(ftruncate(fileno(f), size - 10), 0);
    fclose(f);
    CHECK(bl_apply_archive(s.gz, s.tar, s.dest, NULL, &d, &err) != BL_OK);
    bl_fs_remove_tree(s.dir, &err);
}

static void test_rejects_what_is_not_gzip(void)
{
    sandbox s;
    bl_tar_digest d;
    bl_error err;
    sandbox_new(&s);
    test_write_file(s.gz, "this is not a gzip file at all, just text that goes on");
    CHECK_INT(bl_apply_archive(s.gz, s.tar, s.dest, NULL, &d, &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "not valid gzip");
    bl_fs_remove_tree(s.dir, &err);
}

/* A tar of `files` files whose contents depend on seed, big enough that the
 * patch streams through the pipe in many chunks (about 100 KB a file). */
static size_t make_app_tar(unsigned char *buf, size_t cap, int files, unsigned seed, const char *first_name)
{
    struct archive *a = archive_write_new();
    static unsigned char data[100000];
    size_t used = 0, i;
    int f;
    archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, buf, cap, &used);
    for (f = 0; f < files; f++) {
        struct archive_entry *e = archive_entry_new();
        char name[64];
        for (i = 0; i < sizeof data; i++) /* mostly the same across seeds: a small change */
            data[i] = (unsigned char)(i * 7 + f + (i % 9973 == 0 ? seed : 0));
        snprintf(name, sizeof name, "./lib/f%d.so", f);
        if (f == 0 && first_name)
            snprintf(name, sizeof name, "%s", first_name);
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0755);
        archive_entry_set_size(e, (la_int64_t)sizeof data);
        archive_write_header(a, e);
        archive_write_data(a, data, sizeof data);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return used;
}

typedef struct {
    sandbox s;
    char old[600], new_tar[600], patch[600];
    unsigned char *new_data;
    size_t new_len;
    const char *first_name; /* new's first entry, when not ./lib/f0.so */
} patch_case;

/* old -> new as files, and the patch between them. */
static void patch_case_new(patch_case *c, const char *first_name)
{
    size_t cap = 80 * 110000;
    unsigned char *old_data = malloc(cap);
    bl_error err;
    FILE *f;
    size_t old_len;

    sandbox_new(&c->s);
    c->first_name = first_name;
    c->new_data = malloc(cap);
    old_len = make_app_tar(old_data, cap, 80, 1, NULL);
    c->new_len = make_app_tar(c->new_data, cap, 80, 2, c->first_name);
    snprintf(c->old, sizeof c->old, "%s/old.tar", c->s.dir);
    snprintf(c->new_tar, sizeof c->new_tar, "%s/new.tar", c->s.dir);
    snprintf(c->patch, sizeof c->patch, "%s/new.patch", c->s.dir);
    f = fopen(c->old, "wb");
    fwrite(old_data, 1, old_len, f);
    fclose(f);
    f = fopen(c->new_tar, "wb");
    fwrite(c->new_data, 1, c->new_len, f);
    fclose(f);
    CHECK_INT(bl_delta_diff_file(c->old, c->new_tar, c->patch, NULL, &err), BL_OK);
    free(old_data);
}

static void patch_case_free(patch_case *c)
{
    bl_error err;
    free(c->new_data);
    bl_fs_remove_tree(c->s.dir, &err);
}

static void check_patch_streams(int unpack)
{
    patch_case c;
    unsigned char expected[32];
    bl_tar_digest d;
    bl_error err;
    char *cached = NULL, file[700];
    size_t cached_len = 0;
    bl_progress *progress = bl_progress_new();
    bl_unpack_options opt = {0, progress, NULL, 0};
    bl_progress_view view;

    patch_case_new(&c, NULL);
    CHECK_INT(bl_apply_patch(c.old, c.patch, c.new_len, c.s.tar, unpack ? c.s.dest : NULL, &opt, &d, &err), BL_OK);
    bl_progress_snapshot(progress, &view); /* the bar ends full, in bytes of the tar */
    CHECK_INT(view.done, c.new_len);
    CHECK_INT(view.total, c.new_len);
    bl_progress_free(progress);
    crypto_hash_sha256(expected, c.new_data, c.new_len);
    CHECK_INT(d.size, c.new_len);
    CHECK(memcmp(d.sha256, expected, 32) == 0);
    CHECK_INT(bl_fs_read_all(c.s.tar, 64 << 20, &cached, &cached_len, &err), BL_OK);
    CHECK_INT(cached_len, c.new_len);
    CHECK(cached && memcmp(cached, c.new_data, c.new_len) == 0);
    snprintf(file, sizeof file, "%s/lib/f79.so", c.s.dest);
    CHECK_INT(bl_fs_exists(file), unpack);
    free(cached);
    patch_case_free(&c);
}

static void test_a_patch_streams_into_the_cache_and_the_unpacker(void)
{
    check_patch_streams(1);
}

static void test_a_patch_without_unpacking_rebuilds_the_tar(void)
{
    check_patch_streams(0);
}

/* A patch damaged in the middle of its diff block fails with the patch's
 * own error, after part of the tar was unpacked: the caller removes it. */
static void test_a_patch_corrupt_midstream_fails_with_its_reason(void)
{
    patch_case c;
    bl_tar_digest d;
    bl_error err;
    FILE *f;
    long size;
    int unpack, byte;

    patch_case_new(&c, NULL);
    f = fopen(c.patch, "r+b");
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, size / 2, SEEK_SET);
    byte = fgetc(f);
    fseek(f, size / 2, SEEK_SET); /* C requires a seek between reading and writing */
    fputc(byte ^ 0x55, f);
    fclose(f);
    for (unpack = 0; unpack < 2; unpack++) {
        int rc = bl_apply_patch(c.old, c.patch, c.new_len, c.s.tar, unpack ? c.s.dest : NULL, NULL, &d, &err);
        CHECK_INT(rc, BL_ECORRUPT); /* bzip2's block CRC, or a bound the patch broke */
        CHECK_CONTAINS(err.msg, "new.patch");
    }
    patch_case_free(&c);
}

static void test_a_missing_old_tar_is_reported(void)
{
    patch_case c;
    bl_tar_digest d;
    bl_error err;

    patch_case_new(&c, NULL);
    remove(c.old);
    CHECK_INT(bl_apply_patch(c.old, c.patch, c.new_len, c.s.tar, c.s.dest, NULL, &d, &err), BL_ENOTFOUND);
    CHECK_CONTAINS(err.msg, "old.tar");
    patch_case_free(&c);
}

/* The header's size is checked against the trusted one before the pass
 * starts: nothing is written, neither the tar nor the version. */
static void test_a_patch_for_another_size_is_refused_before_writing(void)
{
    patch_case c;
    bl_tar_digest d;
    bl_error err;
    int unpack;

    patch_case_new(&c, NULL);
    for (unpack = 0; unpack < 2; unpack++) {
        CHECK_INT(bl_apply_patch(c.old, c.patch, c.new_len + 1, c.s.tar, unpack ? c.s.dest : NULL, NULL, &d, &err),
                  BL_ELENGTH);
        CHECK_CONTAINS(err.msg, "the trusted size is");
        CHECK(!bl_fs_exists(c.s.tar));
        CHECK(!bl_fs_exists(c.s.dest));
    }
    patch_case_free(&c);
}

/* A patch whose header does not parse names itself, before anything is written. */
static void test_a_patch_with_a_bad_header_is_refused_before_writing(void)
{
    patch_case c;
    bl_tar_digest d;
    bl_error err;
    FILE *f;

    patch_case_new(&c, NULL);
    f = fopen(c.patch, "r+b");
    fputc('X', f); /* BSDIFF40 -> XSDIFF40 */
    fclose(f);
    CHECK_INT(bl_apply_patch(c.old, c.patch, c.new_len, c.s.tar, c.s.dest, NULL, &d, &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "new.patch: ");
    CHECK(!bl_fs_exists(c.s.tar));
    CHECK(!bl_fs_exists(c.s.dest));
    patch_case_free(&c);
}

/* Cancel from the UI stops both sides, unpacking or not. */
static void test_cancel_stops_the_pass(void)
{
    patch_case c;
    bl_tar_digest d;
    bl_error err;
    bl_progress *progress = bl_progress_new();
    bl_unpack_options opt = {0, progress, NULL, 0};
    int unpack;

    patch_case_new(&c, NULL);
    bl_progress_request_cancel(progress);
    for (unpack = 0; unpack < 2; unpack++) {
        CHECK_INT(bl_apply_patch(c.old, c.patch, c.new_len, c.s.tar, unpack ? c.s.dest : NULL, &opt, &d, &err), BL_ECANCELED);
        CHECK_CONTAINS(err.msg, "canceled");
    }
    bl_progress_free(progress);
    patch_case_free(&c);
}

/* A tar whose entries would leave the folder is refused while streaming,
 * and the patch thread is stopped. */
static void test_the_unpacker_refusing_stops_the_patch(void)
{
    patch_case c;
    bl_tar_digest d;
    bl_error err;

    patch_case_new(&c, "/tmp/bl-escaped.so");
    CHECK_INT(bl_apply_patch(c.old, c.patch, c.new_len, c.s.tar, c.s.dest, NULL, &d, &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "absolute path");
    patch_case_free(&c);
}

/* The tar bomiot-release publishes, unpacked by the launcher's unpacker and
 * rebuilt from that folder (completion marker left out), is the published
 * tar byte for byte: modes the unpacker normalises and names outside ASCII
 * included (issue 21, item 7). */
static void test_a_tar_rebuilt_from_an_unpacked_folder_is_the_published_one(void)
{
    char dir[512], src[600], dest[600], path[700], published[600], rebuilt[600];
    char *a = NULL, *b = NULL;
    size_t a_len = 0, b_len = 0;
    bl_tar_digest first, again;
    bl_error err;

    test_make_dir(dir, sizeof dir);
    snprintf(src, sizeof src, "%s/app", dir);
    snprintf(dest, sizeof dest, "%s/1.0.0", dir);
    snprintf(published, sizeof published, "%s/published.tar", dir);
    snprintf(rebuilt, sizeof rebuilt, "%s/rebuilt.tar", dir);
    snprintf(path, sizeof path, "%s/sub/dir", src);
    CHECK_INT(bl_fs_mkdir_p(path, &err), BL_OK);
#ifdef _WIN32
    /* The unpacker passes names to libarchive's disk writer as multibyte
     * strings, which Windows reads in the ANSI code page: names outside it
     * are not unpacked as they are there yet (issue 21 left it). */
    snprintf(path, sizeof path, "%s/sub/dir/naive.txt", src);
#else
    snprintf(path, sizeof path, "%s/sub/dir/na\xc3\xafve \xe4\xb8\xad.txt", src);
#endif
    CHECK_INT(test_write_file(path, "text"), 0);
    snprintf(path, sizeof path, "%s/run", src);
    CHECK_INT(test_write_file(path, "#!/bin/sh\n"), 0);
#ifndef _WIN32
    {
        uv_fs_t req;
        chmod(path, 0700); /* unpacked as 0755: the tar says 0755 already */
        snprintf(path, sizeof path, "%s/sub", src);
        chmod(path, 0750);
        snprintf(path, sizeof path, "%s/link", src);
        CHECK_INT(uv_fs_symlink(NULL, &req, "sub/dir", path, 0, NULL), 0);
        uv_fs_req_cleanup(&req);
    }
#endif
    CHECK_INT(bl_apply_rebuild_tar(src, NULL, UINT64_MAX, published, &first, &err), BL_OK);
    CHECK_INT(bl_unpack_file(published, dest, NULL, &err), BL_OK);
    snprintf(path, sizeof path, "%s/%s", dest, BL_INSTALL_MARKER);
    CHECK_INT(test_write_file(path, "{\"version\": \"1.0.0\"}"), 0);
    CHECK_INT(bl_apply_rebuild_tar(dest, BL_INSTALL_MARKER, first.size, rebuilt, &again, &err), BL_OK);
    CHECK_INT(again.size, first.size);
    CHECK(memcmp(again.sha256, first.sha256, 32) == 0);
    CHECK_INT(bl_fs_read_all(published, 1 << 20, &a, &a_len, &err), BL_OK);
    CHECK_INT(bl_fs_read_all(rebuilt, 1 << 20, &b, &b_len, &err), BL_OK);
    CHECK(a && b && a_len == b_len && memcmp(a, b, a_len) == 0);
    /* A folder that grew stops at the signed size, not at its end. */
    snprintf(path, sizeof path, "%s/added.bin", dest);
    CHECK_INT(test_write_file(path, "more than the padding holds, once repeated"), 0);
    {
        FILE *f = fopen(path, "ab");
        int i;
        for (i = 0; f && i < 1000; i++)
            fputs("0123456789abcdef0123456789abcdef", f);
        if (f)
            fclose(f);
    }
    CHECK_INT(bl_apply_rebuild_tar(dest, BL_INSTALL_MARKER, first.size, rebuilt, &again, &err), BL_ELENGTH);
    CHECK_CONTAINS(err.msg, "longer than the signed size");
    free(a);
    free(b);
    bl_fs_remove_tree(dir, &err);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_unpacks_and_caches_the_exact_tar);
    RUN(test_reads_every_gzip_member);
    RUN(test_rejects_a_truncated_archive);
    RUN(test_rejects_what_is_not_gzip);
    RUN(test_a_patch_streams_into_the_cache_and_the_unpacker);
    RUN(test_a_patch_without_unpacking_rebuilds_the_tar);
    RUN(test_a_patch_corrupt_midstream_fails_with_its_reason);
    RUN(test_a_missing_old_tar_is_reported);
    RUN(test_a_patch_for_another_size_is_refused_before_writing);
    RUN(test_a_patch_with_a_bad_header_is_refused_before_writing);
    RUN(test_cancel_stops_the_pass);
    RUN(test_the_unpacker_refusing_stops_the_patch);
    RUN(test_a_tar_rebuilt_from_an_unpacked_folder_is_the_published_one);
    return CHECK_DONE();
}
