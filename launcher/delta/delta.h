/* SPDX-License-Identifier: Apache-2.0 */
/* The delta engine: bsdiff patches in two formats (docs/patch-format.md,
 * byte by byte): "bsdiff40", the BSDIFF40 format of bsdiff 4.3 and of
 * Python's bsdiff4, so patches made by either apply here and ours apply
 * there; and "zstd" (magic BLZDIFF1), the same control/diff/extra model cut
 * into independent chunks of new, each a zstd frame, with an index of their
 * lengths in front, which a launcher decodes on every core. Both are made
 * from one match search (bl_delta_diff_both writes both at once), and
 * bl_delta_patch reads either, told apart by the magic.
 *
 * BSDIFF40: a 32-byte header ("BSDIFF40", then the compressed lengths of the
 * control and diff blocks and the new file's length, each a sign-magnitude
 * little-endian 64-bit integer), then three bzip2 streams: control (triples
 * x, y, z: add x diff bytes to old bytes, copy y extra bytes, seek old by z),
 * diff and extra.
 *
 * Making a patch (bl_delta_diff): old is a whole buffer, new is read through
 * a callback a slice at a time. First, anchors: old's 128-byte blocks are
 * hashed into a table (14 to 28 bytes a block) and a rolling hash over
 * new finds the runs of new, 255 bytes or longer, that repeat old; each is
 * extended both ways as far as the bytes agree. Where the anchors cover 3/8
 * of old's size or more, the suffix array indexes only the pieces of old no anchor
 * covers, and the anchors stand for the rest (two nearly identical files:
 * next to nothing is sorted); elsewhere all of old is indexed and the
 * anchors are dropped. The suffix array comes from libdivsufsort, 4 bytes an
 * entry while the indexed text is under 2 GiB, 8 bytes beyond
 * (divsufsort64); while it sorts, a second thread builds a filter of the
 * text's 8-byte strings (n/8 to n/4 bytes, for a text of 64 MiB or more).
 * A match must pay for its control entry: in code, save more than 8 bytes
 * over the current alignment; in text (a slice of new with no control
 * bytes), where an extra byte compresses four times better, more than 32.
 * Memory: n for old (n old, m new), 4t for the suffix array of the text
 * indexed (t = n, or the pieces' copy t plus 4t; 8t past 2 GiB), the filter,
 * two slices of new (m/32 and at least 512 KiB each), the control triples
 * (24 bytes a match), the compressed patch and two bzip2 compressors
 * (~16 MB): about 5.2n + m/16 + patch + 16 MB in all when all of old is
 * indexed, n + 5t + m/16 + patch + 16 MB with anchors (the table and a
 * 1 MiB window of new come and go before); bsdiff 4.3 needs 9n + 3m and
 * more. Two threads match slices of new, then compress the diff and the
 * extra blocks side by side. The output does not depend on thread timing.
 *
 * The zstd format's writer cuts the same control entries at chunk
 * boundaries (2 MiB of new), takes each entry's diff as new minus old read
 * as little-endian integers (moved code's changed addresses then repeat
 * exactly; 12% off esbuild's patch) and compresses the chunks at zstd level
 * 22 on every core; it holds the compressed patch until the index is known.
 *
 * Applying a BSDIFF40 patch (bl_delta_patch) streams: old is read at random through
 * a callback, the three blocks are decompressed as they are needed (the diff
 * block on a second thread), new is handed out in order to a sink callback,
 * which can hash it or pipe it to an unpacker. Memory is bounded by about
 * 20 MB whatever the sizes. Every malformed patch is refused with BL_ECORRUPT
 * before any byte it describes is read or written out of bounds: bad magic,
 * negative or oversized lengths, control entries that run past old, new or
 * their blocks, truncated, corrupt or trailing bzip2 data, a control stream
 * that does not end exactly at the new size with every block consumed, more
 * control entries than bytes of new plus one (what bounds the work).
 *
 * Applying a zstd-format patch checks the header and the whole index first
 * (nothing written before), then one worker a core (at most 8) decompresses
 * a chunk's frame into a buffer of the size the index gives, checks its
 * entries and rebuilds its bytes of new, reading old at random; the calling
 * thread hands the chunks to the sink in order. Memory: a few chunks a
 * worker, under 48 MB at worst whatever the sizes. Refused with BL_ECORRUPT
 * as BSDIFF40 is, and besides: an old of another size than the header's, a
 * frame that claims another content size than its index entry, a control
 * section over its bound, trailing data after the last frame.
 *
 * Sizes are 64-bit throughout; files past 2 GiB work where size_t is 64-bit
 * and memory allows, and are refused with BL_ETOOBIG otherwise. */
#ifndef BL_DELTA_H
#define BL_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define BL_DELTA_MAGIC "BSDIFF40"
#define BL_DELTA_HEADER_SIZE 32
#define BL_DELTA_ZSTD_MAGIC "BLZDIFF1"

/* The two patch formats: "bsdiff40" and "zstd" (docs/patch-format.md). */
enum bl_delta_format { BL_DELTA_BSDIFF40 = 0, BL_DELTA_ZSTD = 1 };

/* Random access to bytes: old files, new files, patches. read_at fills buf
 * with exactly len bytes at offset (callers stay inside size) or fails with
 * err; the engine may call it from several threads at once. */
typedef struct {
    void *ctx;
    uint64_t size;
    int (*read_at)(void *ctx, uint64_t offset, void *buf, size_t len, bl_error *err);
} bl_delta_source;

/* Where bytes go, in order: a patch being made, a file being rebuilt. */
typedef struct {
    void *ctx;
    int (*write)(void *ctx, const void *buf, size_t len, bl_error *err);
} bl_delta_sink;

enum bl_delta_stage {
    BL_DELTA_SORTING = 1,  /* suffix-sorting old; done/total in bytes of old */
    BL_DELTA_MATCHING,     /* searching new for matches; bytes of new */
    BL_DELTA_COMPRESSING,  /* compressing the blocks; bytes of new */
    BL_DELTA_APPLYING      /* rebuilding new; bytes of new written */
};

/* Called from the calling thread only, often: cheap work only. */
typedef void (*bl_delta_progress_fn)(void *ctx, int stage, uint64_t done, uint64_t total);

typedef struct {
    bl_delta_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    /* Applying: sees every output byte, in order, just before it is written,
     * so a caller can hash the result without reading it back. May be NULL. */
    void (*observe)(void *ctx, const void *buf, size_t len);
    void *observe_ctx;
    /* Making: the format bl_delta_diff writes (enum bl_delta_format); 0,
     * as in zeroed options, is BSDIFF40. Applying reads either. */
    int format;
} bl_delta_options;

/* Writes to patch the patch that turns old into new, in opts->format
 * (BSDIFF40 when opts is NULL). Old is a whole buffer (the suffix array
 * indexes it); new is read a slice at a time, from several threads at once.
 * Errors: BL_ENOMEM, BL_ETOOBIG, or the callbacks' own. */
int bl_delta_diff(const uint8_t *old, uint64_t old_size, const bl_delta_source *new_src,
                  const bl_delta_sink *patch, const bl_delta_options *opts, bl_error *err);

/* One match search, both encodings: the BSDIFF40 patch to bsdiff40 and the
 * zstd one to zstd, either of which may be NULL (opts->format is ignored).
 * Errors as bl_delta_diff. */
int bl_delta_diff_both(const uint8_t *old, uint64_t old_size, const bl_delta_source *new_src,
                       const bl_delta_sink *bsdiff40, const bl_delta_sink *zstd,
                       const bl_delta_options *opts, bl_error *err);

/* Rebuilds new from old and patch into out, in order. On failure some bytes
 * may already have gone to out: a caller writing a file removes it. opts may
 * be NULL. Errors: BL_ECORRUPT for any malformed patch, BL_ENOMEM, or the
 * callbacks' own. */
int bl_delta_patch(const bl_delta_source *old, const bl_delta_source *patch,
                   const bl_delta_sink *out, const bl_delta_options *opts,
                   bl_error *err);

/* Reads the header only: the size of the file the patch rebuilds. */
int bl_delta_patch_size(const bl_delta_source *patch, uint64_t *new_size, bl_error *err);

/* Reads the magic only: *format is BL_DELTA_BSDIFF40 or BL_DELTA_ZSTD;
 * BL_ECORRUPT for anything else. */
int bl_delta_patch_format(const bl_delta_source *patch, int *format, bl_error *err);

/* A source over a buffer the caller keeps alive. */
void bl_delta_memory_source(bl_delta_source *src, const void *data, uint64_t size);

/* The file edges, for the CLI and the launcher. Output is written beside its
 * path and renamed over it when complete: a failed run leaves the output path
 * as it was (absent if it was absent), and the output may name an input. */
int bl_delta_diff_file(const char *old_path, const char *new_path, const char *patch_path,
                       const bl_delta_options *opts, bl_error *err);
int bl_delta_patch_file(const char *old_path, const char *patch_path, const char *out_path,
                        const bl_delta_options *opts, bl_error *err);

/* A source reading a file with positioned reads. close frees what open made. */
typedef struct bl_delta_file bl_delta_file;
int bl_delta_file_open(const char *path, bl_delta_file **file, bl_delta_source *src,
                       bl_error *err);
void bl_delta_file_close(bl_delta_file *file);

#endif
