/* SPDX-License-Identifier: Apache-2.0 */
#include <sodium.h>
#include <stdlib.h>

#include "check.h"
#include "start/sha256.h"

static void hex(const unsigned char d[32], char out[65])
{
    sodium_bin2hex(out, 65, d, 32);
}

static void digest_of(int portable, const void *data, size_t len, char out[65])
{
    bl_sha256 h;
    unsigned char d[32];
    if (portable)
        bl_sha256_init_portable(&h);
    else
        bl_sha256_init(&h);
    bl_sha256_update(&h, data, len);
    bl_sha256_final(&h, d);
    hex(d, out);
}

/* FIPS 180-2 examples, on both implementations. */
static void test_known_answers(void)
{
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    char out[65];
    int portable;
    for (portable = 0; portable < 2; portable++) {
        digest_of(portable, "", 0, out);
        CHECK_STR(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        digest_of(portable, "abc", 3, out);
        CHECK_STR(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        digest_of(portable, two_blocks, strlen(two_blocks), out);
        CHECK_STR(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    }
}

static void test_million_a(void)
{
    unsigned char *a = malloc(1000000);
    char out[65];
    CHECK(a != NULL);
    if (!a)
        return;
    memset(a, 'a', 1000000);
    digest_of(0, a, 1000000, out);
    CHECK_STR(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    digest_of(1, a, 1000000, out);
    CHECK_STR(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

/* Every length around the block and padding edges, fed in uneven pieces,
 * agrees with libsodium. */
static void test_matches_libsodium(void)
{
    unsigned char data[1100], expect[32], got[32];
    size_t len, step;
    int portable;

    randombytes_buf(data, sizeof data);
    for (len = 0; len <= sizeof data; len += len < 200 ? 1 : 37) {
        crypto_hash_sha256(expect, data, len);
        for (portable = 0; portable < 2; portable++) {
            for (step = 1; step <= 130; step += step < 3 ? 1 : 63) {
                bl_sha256 h;
                size_t at = 0;
                if (portable)
                    bl_sha256_init_portable(&h);
                else
                    bl_sha256_init(&h);
                while (at < len) {
                    size_t n = len - at < step ? len - at : step;
                    bl_sha256_update(&h, data + at, n);
                    at += n;
                }
                bl_sha256_final(&h, got);
                if (memcmp(got, expect, 32) != 0) {
                    fprintf(stderr, "  len %zu step %zu portable %d differs\n", len, step, portable);
                    CHECK(0);
                    return;
                }
            }
        }
    }
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    printf("# SHA extensions %s\n", bl_sha256_accelerated() ? "used" : "not available: portable only");
    RUN(test_known_answers);
    RUN(test_million_a);
    RUN(test_matches_libsodium);
    return CHECK_DONE();
}
