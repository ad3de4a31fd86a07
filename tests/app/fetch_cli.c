/* SPDX-License-Identifier: Apache-2.0 */
/* bl-fetch: drives launcher/update/fetch.c from tests (and by hand).
 *   bl-fetch memory URL MAX [DEADLINE_MS]   prints the body's length and sha256
 *   bl-fetch file URL PATH LENGTH            downloads (resuming) into PATH
 * Options by environment: BL_FETCH_CA (CA file), BL_FETCH_MIN_RATE and
 * BL_FETCH_RATE_WINDOW (slow retrieval), BL_FETCH_RETRIES.
 * Exit status: 0, or the bl_error code; the message goes to stderr. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "update/fetch.h"

static void print_sha256(const char *data, size_t len)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    size_t i;
    crypto_hash_sha256(digest, (const unsigned char *)data, len);
    for (i = 0; i < sizeof digest; i++)
        printf("%02x", digest[i]);
    printf("\n");
}

int main(int argc, char **argv)
{
    bl_fetch_options opt;
    bl_error err = {0, ""};
    int rc;

    if (argc < 4 || sodium_init() < 0 || bl_fetch_global_init(&err) != BL_OK) {
        fprintf(stderr, "usage: bl-fetch memory URL MAX [DEADLINE_MS] | file URL PATH LENGTH\n");
        return 2;
    }
    bl_fetch_defaults(&opt);
    opt.first_backoff_ms = 50;
    opt.ca_file = getenv("BL_FETCH_CA");
    if (getenv("BL_FETCH_MIN_RATE"))
        opt.min_bytes_per_second = atol(getenv("BL_FETCH_MIN_RATE"));
    if (getenv("BL_FETCH_RATE_WINDOW"))
        opt.min_rate_window_s = atol(getenv("BL_FETCH_RATE_WINDOW"));
    if (getenv("BL_FETCH_RETRIES"))
        opt.retries = atoi(getenv("BL_FETCH_RETRIES"));
    if (strcmp(argv[1], "memory") == 0) {
        char *body = NULL;
        size_t len = 0;
        if (argc > 4)
            opt.deadline = uv_hrtime() + strtoull(argv[4], NULL, 10) * 1000000ULL;
        rc = bl_fetch_memory(&opt, argv[2], strtoull(argv[3], NULL, 10), &body, &len, &err);
        if (rc == BL_OK) {
            printf("%zu ", len);
            print_sha256(body, len);
        }
        free(body);
    } else if (strcmp(argv[1], "file") == 0 && argc > 4) {
        rc = bl_fetch_file(&opt, argv[2], argv[3], strtoull(argv[4], NULL, 10), &err);
    } else {
        fprintf(stderr, "unknown verb %s\n", argv[1]);
        return 2;
    }
    if (rc != BL_OK)
        fprintf(stderr, "%s: %s\n", bl_strerror(rc), err.msg);
    bl_fetch_global_cleanup();
    return rc;
}
