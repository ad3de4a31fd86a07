#include <sodium.h>

#include "check.h"
#include "digest.h"
#include "testutil.h"

/* sha256("abc") and sha512("abc"), FIPS 180-2 test vectors. */
#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define ABC_SHA512 "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" \
                   "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"

static void test_digests_a_file(void)
{
    char dir[512], path[600];
    bl_digest d;
    bl_error err;
    test_make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/abc", dir);
    test_write_file(path, "abc");
    CHECK_INT(bl_digest_file(path, &d, &err), BL_OK);
    CHECK_INT(d.size, 3);
    CHECK_INT(bl_digest_check(&d, "abc", 3, ABC_SHA256, ABC_SHA512, &err), BL_OK);
    CHECK_INT(bl_digest_check(&d, "abc", 3, ABC_SHA256, NULL, &err), BL_OK);
    bl_fs_remove_tree(dir, &err);
}

static void test_accepts_upper_case_hex(void)
{
    bl_digest d;
    bl_error err;
    memset(&d, 0, sizeof d);
    d.size = 3;
    crypto_hash_sha256(d.sha256, (const unsigned char *)"abc", 3);
    CHECK_INT(bl_digest_check(&d, "abc", 3, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", NULL,
                              &err), BL_OK);
}

static void test_names_what_did_not_match(void)
{
    bl_digest d;
    bl_error err;
    memset(&d, 0, sizeof d);
    d.size = 3;
    crypto_hash_sha256(d.sha256, (const unsigned char *)"abc", 3);
    crypto_hash_sha512(d.sha512, (const unsigned char *)"abd", 3);
    CHECK_INT(bl_digest_check(&d, "bomiot-1.1.0.patch", 4, ABC_SHA256, NULL, &err), BL_ELENGTH);
    CHECK_STR(err.msg, "bomiot-1.1.0.patch: 3 bytes, trusted metadata says 4");
    CHECK_INT(bl_digest_check(&d, "t", 3, ABC_SHA256, ABC_SHA512, &err), BL_EHASH);
    CHECK_CONTAINS(err.msg, "t: sha512");
    CHECK_INT(bl_digest_check(&d, "t", 3, "00", NULL, &err), BL_EHASH);
    CHECK_INT(bl_digest_check(&d, "t", 3, NULL, NULL, &err), BL_EHASH);
    CHECK_CONTAINS(err.msg, "gives no sha256 or sha512");
}

static void test_missing_file(void)
{
    bl_digest d;
    bl_error err;
    CHECK_INT(bl_digest_file("/nonexistent/x", &d, &err), BL_ENOTFOUND);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_digests_a_file);
    RUN(test_accepts_upper_case_hex);
    RUN(test_names_what_did_not_match);
    RUN(test_missing_file);
    return CHECK_DONE();
}
