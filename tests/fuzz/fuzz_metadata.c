/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: TUF metadata comes from any server, mirror or proxy before a
 * single signature is checked, so parsing must never crash on anything. The
 * first byte picks the role; the rest is the file. Whatever parses must have
 * one canonical form (the signatures are checked over it): when that form
 * parses again it encodes to the same bytes. (It may not parse again: OLPC
 * canonical JSON writes control characters raw, as securesystemslib does,
 * and our reader refuses them raw; only the original bytes are ever stored.)
 * Every target path it lists that is called safe must be a plain relative
 * name. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuf/canonjson.h"
#include "tuf/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_canonical_round_trip(const char *text, size_t len)
{
    cJSON *doc = NULL, *again = NULL;
    char *out = NULL, *out2 = NULL;
    size_t out_len = 0, out2_len = 0;

    if (bl_canonjson_parse(text, len, len, &doc, NULL) != BL_OK)
        return;
    if (bl_canonjson_encode(doc, &out, &out_len, NULL) == BL_OK) {
        if (bl_canonjson_parse(out, out_len, out_len, &again, NULL) == BL_OK &&
            (bl_canonjson_encode(again, &out2, &out2_len, NULL) != BL_OK || out_len != out2_len ||
             memcmp(out, out2, out_len) != 0))
            __builtin_trap();
    }
    cJSON_Delete(doc);
    cJSON_Delete(again);
    free(out);
    free(out2);
}

/* A plain relative name: components separated by '/', none empty, "." or
 * "..", no backslash, not absolute. */
static int plain_relative(const char *p)
{
    const char *c = p;
    if (!*p || *p == '/' || strchr(p, '\\'))
        return 0;
    while (1) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        if (!c[n])
            return 1;
        c += n + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bl_trust_metadata *md = NULL;
    size_t i;
    int type;

    if (size < 1)
        return 0;
    type = data[0] % 4;
    check_canonical_round_trip((const char *)data + 1, size - 1);
    if (bl_trust_parse((const char *)data + 1, size - 1, BL_TRUST_TARGETS_MAX, type, "fuzz", &md, NULL) != BL_OK)
        return 0;
    for (i = 0; i < md->target_count; i++) {
        const char *p = md->targets[i].path;
        if (bl_trust_target_path_is_safe(p) && !plain_relative(p))
            __builtin_trap();
    }
    bl_trust_metadata_free(md);
    return 0;
}
