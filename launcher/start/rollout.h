/* SPDX-License-Identifier: Apache-2.0 */
/* Staged rollout: a release may be offered to a percentage of installations.
 * Each installation has a random id (state.json install_id); it takes a
 * release when the bucket of (id, version) falls under the percentage. The
 * bucket is fixed per id and version, so raising the percentage only adds
 * installations, and 0 stops new ones without touching those that took it. */
#ifndef BL_ROLLOUT_H
#define BL_ROLLOUT_H

#include <stddef.h>

#include "base/error.h"

#define BL_ROLLOUT_ID_HEX 32 /* 128 random bits */

/* 0..9999: SHA-256 of "id:version", first 8 bytes as a big-endian number,
 * modulo 10000, so percentages with two decimals are possible. */
unsigned bl_rollout_bucket(const char *install_id, const char *version);

/* percent in [0, 100]; 100 and above always take, 0 and below never. */
int bl_rollout_takes(const char *install_id, const char *version, double percent);

/* A new random id, BL_ROLLOUT_ID_HEX hex digits plus NUL. */
int bl_rollout_new_id(char *out, size_t size, bl_error *err);

#endif
