/* SPDX-License-Identifier: Apache-2.0 */
/* A bounded pipe of bytes from a producer thread to the thread that reads
 * it, so two stages of one pass (rebuilding a tar from a patch, and caching,
 * hashing and unpacking it) run on two cores at once. Memory is fixed: a
 * ring of `chunks` buffers of `chunk_size` bytes; a producer that gets ahead
 * waits for the reader. Errors travel both ways: a failed producer's error is
 * what the reader's next read returns (before any chunks still queued), and
 * a reader that stops early (bl_pipe_finish) makes the producer's next write
 * fail with BL_ECANCELED, so neither side is left waiting. */
#ifndef BL_PIPE_H
#define BL_PIPE_H

#include <stddef.h>

#include "base/error.h"

typedef struct bl_pipe bl_pipe;

/* Runs on the pipe's own thread; writes with bl_pipe_write. Its result (and
 * err when not BL_OK) reaches the reader. */
typedef int (*bl_pipe_producer_fn)(void *ctx, bl_pipe *pipe, bl_error *err);

/* Allocates the ring and starts fn(ctx, pipe, err) on a new thread. */
int bl_pipe_start(size_t chunk_size, int chunks, bl_pipe_producer_fn fn, void *ctx, bl_pipe **out,
                  bl_error *err);

/* Producer side: copies len bytes in, waiting for room. BL_ECANCELED once
 * the reader has stopped. */
int bl_pipe_write(bl_pipe *pipe, const void *buf, size_t len, bl_error *err);

/* Reader side, a bl_unpack_read_fn: *buf is the next chunk, valid until the
 * next call; returns its length, 0 when the producer finished with BL_OK,
 * -1 with err set to the producer's error when it failed. */
long long bl_pipe_read(void *pipe, const void **buf, bl_error *err);

/* Reader side, at the end or to stop early: tells the producer to stop,
 * waits for its thread and frees the pipe. Returns the producer's result
 * (err filled when it is not BL_OK; BL_ECANCELED when it was stopped).
 * Accepts NULL. */
int bl_pipe_finish(bl_pipe *pipe, bl_error *err);

#endif
