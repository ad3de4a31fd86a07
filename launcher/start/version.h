/* SPDX-License-Identifier: Apache-2.0 */
/* PEP 440 version numbers: parsing, normalising and ordering, so that
 * 1.2.0 < 1.2.1 < 1.10.0 and 1.0.dev0 < 1.0a0 < 1.0b0 < 1.0rc0 < 1.0 == 1.0.0
 * < 1.0.post1, as the Python release pipeline (tufup) orders them. */
#ifndef BL_VERSION_H
#define BL_VERSION_H

#include <stdint.h>

#include "base/error.h"

#define BL_VERSION_MAX_RELEASE 8
#define BL_VERSION_MAX_TEXT 64

enum bl_pre_kind { BL_PRE_NONE = 0, BL_PRE_ALPHA, BL_PRE_BETA, BL_PRE_RC };

typedef struct {
    uint64_t epoch;
    uint64_t release[BL_VERSION_MAX_RELEASE];
    int release_count;
    int pre_kind;  /* enum bl_pre_kind */
    uint64_t pre;
    int has_post;
    uint64_t post;
    int has_dev;
    uint64_t dev;
    char local[BL_VERSION_MAX_TEXT]; /* normalised, "" when absent */
} bl_version;

/* Parses any spelling PEP 440 accepts ("v1.0-RC.1", "1.0.post-2"). */
int bl_version_parse(const char *text, bl_version *out, bl_error *err);

/* <0, 0, >0 like strcmp, by PEP 440 ordering. */
int bl_version_compare(const bl_version *a, const bl_version *b);

/* Compares two strings; a string that does not parse sorts below every valid
 * one (and invalid strings compare by strcmp), so sorting never fails. */
int bl_version_compare_text(const char *a, const char *b);

/* True for a/b/rc and dev releases, which only a pre-release channel offers. */
int bl_version_is_prerelease(const bl_version *v);

/* 1 when v's release begins with prefix's numbers ("2.3" takes 2.3, 2.3.0,
 * 2.3.7 and 2.3.1rc1, not 2.30 or 2.4; a missing number counts as 0, as in
 * PEP 440's 2.3 == 2.3.0; "" takes every version). Versions with an epoch
 * never match a prefix. For the machine policy's target_version_prefix. */
int bl_version_has_prefix(const bl_version *v, const char *prefix);

/* The normal form ("1.0rc1"), written into out. */
int bl_version_format(const bl_version *v, char *out, size_t size);

/* True when text is safe as one folder name: a valid version made only of
 * [0-9A-Za-z.+!_-], no leading dot, at most BL_VERSION_MAX_TEXT-1 bytes. Every
 * version that becomes a path (versions/<v>) passes through this. */
int bl_version_is_safe_name(const char *text);

#endif
