/* SPDX-License-Identifier: Apache-2.0 */
#include "delta_format.h"

#include <string.h>

#include "delta.h"

int64_t bl_delta_get_int(const uint8_t buf[8])
{
    uint64_t magnitude = 0;
    int i;

    for (i = 6; i >= 0; i--)
        magnitude = (magnitude << 8) | buf[i];
    magnitude |= (uint64_t)(buf[7] & 0x7f) << 56;
    /* 63 bits of magnitude always fit; negation cannot overflow. */
    return (buf[7] & 0x80) ? -(int64_t)magnitude : (int64_t)magnitude;
}

void bl_delta_put_int(uint8_t buf[8], int64_t value)
{
    /* INT64_MIN has no sign-magnitude form; no caller produces it. */
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    int i;

    for (i = 0; i < 8; i++) {
        buf[i] = (uint8_t)(magnitude & 0xff);
        magnitude >>= 8;
    }
    if (value < 0)
        buf[7] |= 0x80;
}

int bl_delta_header_parse(const uint8_t buf[32], uint64_t patch_size, bl_delta_header *out,
                          bl_error *err)
{
    uint64_t rest;

    if (patch_size < BL_DELTA_HEADER_SIZE)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch is %llu bytes, shorter than the 32-byte BSDIFF40 header",
                            (unsigned long long)patch_size);
    if (memcmp(buf, BL_DELTA_MAGIC, 8) != 0)
        return bl_error_set(err, BL_ECORRUPT, "not a BSDIFF40 patch (bad magic)");
    out->control_len = bl_delta_get_int(buf + 8);
    out->diff_len = bl_delta_get_int(buf + 16);
    out->new_size = bl_delta_get_int(buf + 24);
    if (out->control_len < 0 || out->diff_len < 0 || out->new_size < 0)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch header has a negative size (control %lld, diff %lld, new %lld)",
                            (long long)out->control_len, (long long)out->diff_len,
                            (long long)out->new_size);
    rest = patch_size - BL_DELTA_HEADER_SIZE;
    if ((uint64_t)out->control_len > rest || (uint64_t)out->diff_len > rest - (uint64_t)out->control_len)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch header says control and diff blocks take %lld + %lld bytes, "
                            "but only %llu follow the header",
                            (long long)out->control_len, (long long)out->diff_len,
                            (unsigned long long)rest);
    out->extra_len = (int64_t)(rest - (uint64_t)out->control_len - (uint64_t)out->diff_len);
    return BL_OK;
}

void bl_delta_header_write(uint8_t buf[32], int64_t control_len, int64_t diff_len,
                           int64_t new_size)
{
    memcpy(buf, BL_DELTA_MAGIC, 8);
    bl_delta_put_int(buf + 8, control_len);
    bl_delta_put_int(buf + 16, diff_len);
    bl_delta_put_int(buf + 24, new_size);
}
