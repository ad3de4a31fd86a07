/* SPDX-License-Identifier: Apache-2.0 */
#include "rollout.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "sha256.h"

unsigned bl_rollout_bucket(const char *install_id, const char *version)
{
    bl_sha256 st;
    unsigned char digest[32];
    uint64_t n = 0;
    int i;

    bl_sha256_init(&st);
    bl_sha256_update(&st, install_id, strlen(install_id));
    bl_sha256_update(&st, ":", 1);
    bl_sha256_update(&st, version, strlen(version));
    bl_sha256_final(&st, digest);
    for (i = 0; i < 8; i++)
        n = (n << 8) | digest[i];
    return (unsigned)(n % 10000);
}

int bl_rollout_takes(const char *install_id, const char *version, double percent)
{
    if (percent >= 100.0)
        return 1;
    if (!(percent > 0.0)) /* also NaN */
        return 0;
    /* Rounded to hundredths: 0.29 * 100 is 28.999..., which must count as 29. */
    return bl_rollout_bucket(install_id, version) < (unsigned)(percent * 100.0 + 0.5);
}

int bl_rollout_new_id(char *out, size_t size, bl_error *err)
{
    unsigned char bytes[BL_ROLLOUT_ID_HEX / 2];
    size_t i;
    int rc;

    if (size < BL_ROLLOUT_ID_HEX + 1)
        return bl_error_set(err, BL_EINVAL, "buffer too small for an install id");
    rc = uv_random(NULL, NULL, bytes, sizeof bytes, 0, NULL);
    if (rc != 0)
        return bl_error_set(err, BL_EIO, "no randomness for an install id: %s", uv_strerror(rc));
    for (i = 0; i < sizeof bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
    return BL_OK;
}
