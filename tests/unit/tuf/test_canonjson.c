/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "check.h"
#include "tuf/canonjson.h"

/* Parses text strictly and returns its canonical form (caller frees), or NULL
 * with err filled. */
static char *canon(const char *text, bl_error *err)
{
    cJSON *doc = NULL;
    char *out = NULL;
    size_t len;
    if (bl_canonjson_parse(text, strlen(text), 1 << 20, &doc, err) == BL_OK)
        bl_canonjson_encode(doc, &out, &len, err);
    cJSON_Delete(doc);
    return out;
}

static int rejects(const char *text, const char *why)
{
    bl_error err = {0, ""};
    cJSON *doc = NULL;
    int rc = bl_canonjson_parse(text, strlen(text), 1 << 20, &doc, &err);
    cJSON_Delete(doc);
    if (rc == BL_OK || !strstr(err.msg, why)) {
        fprintf(stderr, "  %s: rc %d, \"%s\", expected \"%s\"\n", text, rc, err.msg, why);
        return 0;
    }
    return 1;
}

static void test_canonical_form_matches_securesystemslib(void)
{
    /* encode_canonical({"b":1,"a":"x\"\\y","c":[True,None,-5]}) in Python */
    bl_error err;
    char *out = canon("{ \"b\": 1,\n \"a\": \"x\\\"\\\\y\", \"c\": [true, null, -5] }", &err);
    CHECK_STR(out, "{\"a\":\"x\\\"\\\\y\",\"b\":1,\"c\":[true,null,-5]}");
    free(out);
}

static void test_canonical_form_passes_non_ascii_and_controls_raw(void)
{
    /* Escapes are decoded and written raw; only \ and " are escaped. */
    bl_error err;
    char *out = canon("{\"k\":\"caf\\u00e9 \xe2\x82\xac \\n\\t \\/\"}", &err);
    CHECK_STR(out, "{\"k\":\"caf\xc3\xa9 \xe2\x82\xac \n\t /\"}");
    free(out);
}

static void test_canonical_keys_sort_by_utf8_bytes(void)
{
    /* "Z" (0x5a) < "a" (0x61) < "é" (0xc3 0xa9) < "€" (0xe2 ...) */
    bl_error err;
    char *out = canon("{\"\xe2\x82\xac\":1,\"\xc3\xa9\":2,\"a\":3,\"Z\":4,\"aa\":5}", &err);
    CHECK_STR(out, "{\"Z\":4,\"a\":3,\"aa\":5,\"\xc3\xa9\":2,\"\xe2\x82\xac\":1}");
    free(out);
}

static void test_canonical_integers_are_exact(void)
{
    bl_error err;
    char *out = canon("[0,-0,2147483648,9007199254740991,-9007199254740991,{}]", &err);
    CHECK_STR(out, "[0,0,2147483648,9007199254740991,-9007199254740991,{}]");
    free(out);
}

/* Python reads any integer exactly and securesystemslib signs its digits: a
 * tufup build time in nanoseconds is past 2^53, where a double is not exact.
 * Such numbers keep their digits as written, however many (cJSON alone reads
 * at most 63 characters of a number). */
static void test_integers_beyond_2_53_keep_their_digits(void)
{
    static const char text[] =
        "{\"ns\": 1733350000123456789, \"l\": [9007199254740992, -9007199254740993, 9007199254740991,"
        " 123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890],"
        " \"s\": \"9007199254740993\", \"z\": -99999999999999999999}";
    bl_error err = {0, ""};
    char *out = canon(text, &err);
    unsigned long long v = 0;
    cJSON *doc = NULL;

    CHECK_STR(out, "{\"l\":[9007199254740992,-9007199254740993,9007199254740991,"
                   "123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890],"
                   "\"ns\":1733350000123456789,\"s\":\"9007199254740993\",\"z\":-99999999999999999999}");
    free(out);
    CHECK_INT(bl_canonjson_parse(text, strlen(text), 1 << 20, &doc, &err), BL_OK);
    CHECK(cJSON_IsRaw(cJSON_GetObjectItem(doc, "ns")));
    CHECK(!bl_canonjson_get_uint(cJSON_GetObjectItem(doc, "ns"), &v)); /* not read as a number */
    CHECK(bl_canonjson_get_uint(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "l"), 2), &v));
    CHECK(v == 9007199254740991ULL);
    cJSON_Delete(doc);
}

static void test_parse_rejects_integers_python_would_not_read(void)
{
    char text[4310];
    bl_error err;
    char *out;

    text[0] = '[';
    memset(text + 1, '7', 4300);
    strcpy(text + 4301, "]");
    out = canon(text, &err); /* 4300 digits: Python's limit, read */
    CHECK(out != NULL && strlen(out) == 4302);
    free(out);
    strcpy(text + 4301, "7]");
    CHECK(rejects(text, "integer of 4301 digits"));
}

static void test_encode_rejects_floats_and_raw(void)
{
    bl_error err = {0, ""};
    char *out = NULL;
    size_t len;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "f", 1.5);
    CHECK_INT(bl_canonjson_encode(doc, &out, &len, &err), BL_EINVAL);
    CHECK_CONTAINS(err.msg, "no canonical form");
    CHECK(out == NULL);
    cJSON_Delete(doc);
    doc = cJSON_CreateRaw("1.0");
    CHECK_INT(bl_canonjson_encode(doc, &out, &len, &err), BL_EINVAL);
    cJSON_Delete(doc);
    doc = cJSON_CreateRaw("-0");
    CHECK_INT(bl_canonjson_encode(doc, &out, &len, &err), BL_EINVAL);
    cJSON_Delete(doc);
    doc = cJSON_CreateRaw("012");
    CHECK_INT(bl_canonjson_encode(doc, &out, &len, &err), BL_EINVAL);
    cJSON_Delete(doc);
    doc = cJSON_CreateRaw("{}");
    CHECK_INT(bl_canonjson_encode(doc, &out, &len, &err), BL_EINVAL);
    cJSON_Delete(doc);
    doc = cJSON_CreateRaw("-12345678901234567890");
    CHECK_INT(bl_canonjson_encode(doc, &out, &len, &err), BL_OK);
    CHECK_STR(out, "-12345678901234567890");
    free(out);
    cJSON_Delete(doc);
}

static void test_parse_rejects_what_securesystemslib_would_not_sign(void)
{
    CHECK(rejects("{\"a\":1,\"a\":2}", "duplicate key \"a\""));
    CHECK(rejects("{\"x\":{\"b\":1,\"c\":2,\"b\":3}}", "duplicate key \"b\""));
    CHECK(rejects("{\"a\":1.0}", "non-integer number"));
    CHECK(rejects("{\"a\":1e3}", "non-integer number"));
    CHECK(rejects("[-2.5]", "non-integer number"));
    CHECK(rejects("[012]", "leading zero"));
    CHECK(rejects("[\"a\\u0000b\"]", "\\u0000"));
    CHECK(rejects("{\"a\\u0000\":1}", "\\u0000"));
    CHECK(rejects("[\"tab\there\"]", "control character"));
    CHECK(rejects("[\"\xc3\x28\"]", "invalid UTF-8"));
    CHECK(rejects("[\"\xc0\xaf\"]", "invalid UTF-8"));     /* overlong '/' */
    CHECK(rejects("[\"\xed\xa0\x80\"]", "invalid UTF-8")); /* raw surrogate */
    CHECK(rejects("[1] x", "after the value"));
    CHECK(rejects("[1,]", "syntax error"));
    CHECK(rejects("[\"\\ud800\"]", "syntax error")); /* lone surrogate escape */
}

static void test_parse_rejects_deep_nesting(void)
{
    char deep[2 * (BL_CANONJSON_MAX_DEPTH + 1) + 1];
    memset(deep, '[', BL_CANONJSON_MAX_DEPTH + 1);
    memset(deep + BL_CANONJSON_MAX_DEPTH + 1, ']', BL_CANONJSON_MAX_DEPTH + 1);
    deep[sizeof deep - 1] = '\0';
    CHECK(rejects(deep, "nested deeper than"));
    deep[BL_CANONJSON_MAX_DEPTH] = ' '; /* one level less is fine */
    deep[BL_CANONJSON_MAX_DEPTH + 1] = ' ';
    {
        bl_error err;
        char *out = canon(deep, &err);
        CHECK(out != NULL);
        free(out);
    }
}

static void test_parse_rejects_input_over_the_cap(void)
{
    bl_error err;
    cJSON *doc = NULL;
    CHECK_INT(bl_canonjson_parse("[1, 2, 3]", 9, 8, &doc, &err), BL_ETOOBIG);
    CHECK_CONTAINS(err.msg, "9 bytes is more than the 8 allowed");
    CHECK(doc == NULL);
    CHECK_INT(bl_canonjson_parse("[1,2]\0junk", 10, 64, &doc, &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "NUL byte");
}

static void test_get_uint_reads_past_int_max(void)
{
    cJSON *doc = NULL;
    unsigned long long v = 0;
    bl_error err;
    CHECK_INT(bl_canonjson_parse("[4294967296,-1,\"1\"]", 19, 64, &doc, &err), BL_OK);
    CHECK(bl_canonjson_get_uint(cJSON_GetArrayItem(doc, 0), &v));
    CHECK(v == 4294967296ULL);
    CHECK(!bl_canonjson_get_uint(cJSON_GetArrayItem(doc, 1), &v));
    CHECK(!bl_canonjson_get_uint(cJSON_GetArrayItem(doc, 2), &v));
    cJSON_Delete(doc);
}

int main(void)
{
    RUN(test_canonical_form_matches_securesystemslib);
    RUN(test_canonical_form_passes_non_ascii_and_controls_raw);
    RUN(test_canonical_keys_sort_by_utf8_bytes);
    RUN(test_canonical_integers_are_exact);
    RUN(test_integers_beyond_2_53_keep_their_digits);
    RUN(test_parse_rejects_integers_python_would_not_read);
    RUN(test_encode_rejects_floats_and_raw);
    RUN(test_parse_rejects_what_securesystemslib_would_not_sign);
    RUN(test_parse_rejects_deep_nesting);
    RUN(test_parse_rejects_input_over_the_cap);
    RUN(test_get_uint_reads_past_int_max);
    return CHECK_DONE();
}
