#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <stdlib.h>
#include <zlib.h>

#include "apply.h"
#include "check.h"
#include "testutil.h"

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

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_unpacks_and_caches_the_exact_tar);
    RUN(test_reads_every_gzip_member);
    RUN(test_rejects_a_truncated_archive);
    RUN(test_rejects_what_is_not_gzip);
    return CHECK_DONE();
}
