/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "update/pipe.h"

#define CHUNK 4096
#define CHUNKS 3

typedef struct {
    uint64_t total;   /* bytes to write */
    uint64_t written; /* bytes bl_pipe_write took */
    int fail_at_end;  /* return BL_ECORRUPT after writing */
    int write_rc;     /* the last write's result */
} producer;

static uint8_t pattern(uint64_t i)
{
    return (uint8_t)(i * 131 + (i >> 12));
}

/* Writes total bytes of the pattern in pieces of uneven sizes. */
static int produce(void *ctx, bl_pipe *pipe, bl_error *err)
{
    producer *p = ctx;
    uint8_t piece[7919];
    size_t len = 1;

    while (p->written < p->total) {
        size_t i, n = p->total - p->written < len ? (size_t)(p->total - p->written) : len;
        for (i = 0; i < n; i++)
            piece[i] = pattern(p->written + i);
        if ((p->write_rc = bl_pipe_write(pipe, piece, n, err)) != BL_OK)
            return p->write_rc;
        p->written += n;
        len = len * 3 % sizeof piece + 1;
    }
    if (p->fail_at_end)
        return bl_error_set(err, BL_ECORRUPT, "the patch is damaged at byte %llu", (unsigned long long)p->written);
    return BL_OK;
}

static void test_bytes_arrive_in_order(void)
{
    producer p = {3 * 1024 * 1024 + 17, 0, 0, 0};
    bl_pipe *pipe;
    bl_error err;
    uint64_t got = 0;
    long long n;
    int bad = 0;

    CHECK_INT(bl_pipe_start(CHUNK, CHUNKS, produce, &p, &pipe, &err), BL_OK);
    for (;;) {
        const void *buf;
        long long i;
        n = bl_pipe_read(pipe, &buf, &err);
        if (n <= 0)
            break;
        CHECK(n <= CHUNK);
        for (i = 0; i < n; i++)
            bad += ((const uint8_t *)buf)[i] != pattern(got + (uint64_t)i);
        got += (uint64_t)n;
    }
    CHECK_INT(n, 0);
    CHECK_INT(bad, 0);
    CHECK_INT(got, p.total);
    CHECK_INT(bl_pipe_finish(pipe, &err), BL_OK);
}

static void test_an_empty_stream_ends_at_once(void)
{
    producer p = {0, 0, 0, 0};
    bl_pipe *pipe;
    bl_error err;
    const void *buf;

    CHECK_INT(bl_pipe_start(CHUNK, CHUNKS, produce, &p, &pipe, &err), BL_OK);
    CHECK_INT(bl_pipe_read(pipe, &buf, &err), 0);
    CHECK_INT(bl_pipe_read(pipe, &buf, &err), 0); /* and stays ended */
    CHECK_INT(bl_pipe_finish(pipe, &err), BL_OK);
}

/* The producer's failure reaches the reader with its own message, even with
 * chunks still queued ahead of it. */
static void check_producer_failure(uint64_t total)
{
    producer p = {total, 0, 1, 0};
    bl_pipe *pipe;
    bl_error err, finish_err;
    long long n;
    int reads = 0;

    CHECK_INT(bl_pipe_start(CHUNK, CHUNKS, produce, &p, &pipe, &err), BL_OK);
    do {
        const void *buf;
        n = bl_pipe_read(pipe, &buf, &err);
        reads++;
    } while (n > 0 && reads < 1000);
    CHECK_INT(n, -1);
    CHECK_INT(err.code, BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "the patch is damaged at byte");
    CHECK_INT(bl_pipe_finish(pipe, &finish_err), BL_ECORRUPT);
    CHECK_CONTAINS(finish_err.msg, "the patch is damaged");
}

static void test_a_producer_failing_at_once_is_reported(void)
{
    check_producer_failure(0);
}

static void test_a_producer_failing_midstream_is_reported(void)
{
    check_producer_failure(10 * CHUNK + 5);
}

/* A reader that stops early (the unpacker refused an entry, the user
 * canceled) stops the producer, which never runs more than the ring ahead. */
static void test_a_reader_stopping_early_stops_the_producer(void)
{
    producer p = {(uint64_t)1 << 40, 0, 0, 0}; /* far more than will ever be read */
    bl_pipe *pipe;
    bl_error err;
    const void *buf;

    CHECK_INT(bl_pipe_start(CHUNK, CHUNKS, produce, &p, &pipe, &err), BL_OK);
    CHECK_INT(bl_pipe_read(pipe, &buf, &err), CHUNK);
    CHECK_INT(bl_pipe_read(pipe, &buf, &err), CHUNK);
    CHECK_INT(bl_pipe_finish(pipe, &err), BL_ECANCELED);
    CHECK_INT(p.write_rc, BL_ECANCELED);
    /* Two chunks read, the ring full behind them and one piece in hand. */
    CHECK(p.written <= (2 + CHUNKS + 2) * (uint64_t)CHUNK);
}

/* Stopping before reading anything works too: no one is left waiting. */
static void test_finish_without_reading(void)
{
    producer p = {(uint64_t)1 << 40, 0, 0, 0};
    bl_pipe *pipe;
    bl_error err;

    CHECK_INT(bl_pipe_start(CHUNK, CHUNKS, produce, &p, &pipe, &err), BL_OK);
    CHECK_INT(bl_pipe_finish(pipe, &err), BL_ECANCELED);
    CHECK(p.written <= (CHUNKS + 2) * (uint64_t)CHUNK);
    CHECK_INT(bl_pipe_finish(NULL, &err), BL_OK);
}

static void test_refuses_an_empty_ring(void)
{
    producer p = {0, 0, 0, 0};
    bl_pipe *pipe;
    bl_error err;

    CHECK_INT(bl_pipe_start(0, CHUNKS, produce, &p, &pipe, &err), BL_EINVAL);
    CHECK(pipe == NULL);
    CHECK_INT(bl_pipe_start(CHUNK, 0, produce, &p, &pipe, &err), BL_EINVAL);
}

int main(void)
{
    RUN(test_bytes_arrive_in_order);
    RUN(test_an_empty_stream_ends_at_once);
    RUN(test_a_producer_failing_at_once_is_reported);
    RUN(test_a_producer_failing_midstream_is_reported);
    RUN(test_a_reader_stopping_early_stops_the_producer);
    RUN(test_finish_without_reading);
    RUN(test_refuses_an_empty_ring);
    return CHECK_DONE();
}
