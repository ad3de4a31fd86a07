/* SPDX-License-Identifier: Apache-2.0 */
#include <sodium.h>

#include "check.h"
#include "testutil.h"
#include "update/digest.h"

/* sha256("abc") and sha512("abc"), FIPS 180-2 test vectors. */
static const char abc_sha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char abc_sha512[] = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                                 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

static void test_digests_a_file(void)
{
    char dir[512], path[600], hex[129];
    bl_digest d;
    bl_error err;
    test_make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/abc", dir);
    test_write_file(path, "abc");
    CHECK_INT(bl_digest_file(path, &d, &err), BL_OK);
    CHECK_INT(d.size, 3);
    bl_digest_sha256_hex(d.sha256, hex);
    CHECK_STR(hex, abc_sha256);
    sodium_bin2hex(hex, sizeof hex, d.sha512, 64);
    CHECK_STR(hex, abc_sha512);
    bl_fs_remove_tree(dir, &err);
}

static void test_digests_an_empty_file(void)
{
    char dir[512], path[600], hex[129];
    bl_digest d;
    bl_error err;
    test_make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/empty", dir);
    test_write_file(path, "");
    CHECK_INT(bl_digest_file(path, &d, &err), BL_OK);
    CHECK_INT(d.size, 0);
    bl_digest_sha256_hex(d.sha256, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    bl_fs_remove_tree(dir, &err);
}

static void test_missing_file(void)
{
    bl_digest d;
    bl_error err;
    CHECK_INT(bl_digest_file("/nonexistent/x", &d, &err), BL_ENOTFOUND);
}

/* Fed in pieces of every size across block boundaries, the stream gives
 * what the one-shot hash of the whole gives (libsodium's, a second
 * implementation); without SHA-512 asked for, that field stays zero. */
static void test_streams_in_pieces_as_one_hash(void)
{
    static unsigned char data[3 * 1000 + 7];
    unsigned char sha256[32], sha512[64], zero[64] = {0};
    size_t i, piece;
    for (i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 131 + 17);
    crypto_hash_sha256(sha256, data, sizeof data);
    crypto_hash_sha512(sha512, data, sizeof data);
    for (piece = 1; piece <= 200; piece += 37) {
        bl_digest_state *s = NULL;
        bl_digest d;
        bl_error err;
        CHECK_INT(bl_digest_begin(piece % 2, &s, &err), BL_OK);
        if (!s)
            return;
        for (i = 0; i < sizeof data; i += piece)
            bl_digest_add(s, data + i, i + piece <= sizeof data ? piece : sizeof data - i);
        bl_digest_end(s, &d);
        CHECK_INT(d.size, sizeof data);
        CHECK(memcmp(d.sha256, sha256, 32) == 0);
        CHECK(memcmp(d.sha512, piece % 2 ? sha512 : zero, 64) == 0);
    }
    bl_digest_free(NULL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_digests_a_file);
    RUN(test_digests_an_empty_file);
    RUN(test_missing_file);
    RUN(test_streams_in_pieces_as_one_hash);
    return CHECK_DONE();
}
