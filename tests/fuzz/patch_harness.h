/* SPDX-License-Identifier: Apache-2.0 */
/* What the two patch readers' fuzz targets share (fuzz_patch.c for
 * BSDIFF40, fuzz_patch_zstd.c for the zstd format): a source that aborts on
 * any read outside its bytes, and a sink that counts what it is given,
 * aborts past the size the patch's header states and refuses past SINK_CAP,
 * so a patch that claims gigabytes fails fast. */
#ifndef BL_FUZZ_PATCH_HARNESS_H
#define BL_FUZZ_PATCH_HARNESS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "delta/delta.h"

#define SINK_CAP (4u * 1024 * 1024)

typedef struct {
    const uint8_t *data;
    uint64_t size;
} bounded;

/* Unlike bl_delta_memory_source, refuses to be trusted: any read outside the
 * buffer is a bug in the reader, reported as a crash. */
static int bounded_read_at(void *ctx, uint64_t offset, void *buf, size_t len, bl_error *err)
{
    const bounded *b = ctx;
    (void)err;
    if (offset > b->size || len > b->size - offset)
        abort();
    if (len)
        memcpy(buf, b->data + offset, len);
    return BL_OK;
}

typedef struct {
    uint64_t written;
    uint64_t limit; /* the header's new size */
} counter;

static int count_write(void *ctx, const void *buf, size_t len, bl_error *err)
{
    counter *c = ctx;
    volatile uint8_t sink = 0;
    size_t i;

    /* Touch every byte so ASan sees a write from a bad buffer. */
    for (i = 0; i < len; i += 4096)
        sink ^= ((const uint8_t *)buf)[i];
    if (len)
        sink ^= ((const uint8_t *)buf)[len - 1];
    (void)sink;
    c->written += len;
    if (c->written > c->limit)
        abort(); /* more than the header said */
    if (c->written > SINK_CAP)
        return bl_error_set(err, BL_EIO, "fuzz sink full");
    return BL_OK;
}

/* The input's first three bytes: a mode byte (each target reads its bits),
 * then old's length L (16 bits, little endian), capped by what is there;
 * the next L bytes are old, the rest the patch. 0 when the input is too
 * short for the three bytes. */
static int split_input(const uint8_t *data, size_t size, int *mode, bounded *old_buf, bounded *patch_buf)
{
    size_t old_len;
    if (size < 3)
        return 0;
    *mode = data[0];
    old_len = (size_t)data[1] | (size_t)data[2] << 8;
    data += 3;
    size -= 3;
    if (old_len > size)
        old_len = size;
    old_buf->data = data;
    old_buf->size = old_len;
    patch_buf->data = data + old_len;
    patch_buf->size = size - old_len;
    return 1;
}

static bl_delta_source bounded_source(bounded *b)
{
    bl_delta_source src;
    src.ctx = b;
    src.size = b->size;
    src.read_at = bounded_read_at;
    return src;
}

#endif
