/* SPDX-License-Identifier: Apache-2.0 */
/* release.h's functions: the verb interface that bomiot-release and its
 * repository module both hold (the usage line, the ABI stamp they compare).
 * The repository verbs' own helpers are in release_util.c. */
#include <stdio.h>

#include "release.h"

int release_usage(const release_verb *verb)
{
    fprintf(stderr, "usage: bomiot-release [--repo DIR] [--keys DIR] %s %s\n", verb->name, verb->args);
    return RELEASE_USAGE;
}

void release_abi(char *out, size_t size)
{
    snprintf(out, size, RELEASE_ABI, sizeof(release_verb), sizeof(release_env));
}
