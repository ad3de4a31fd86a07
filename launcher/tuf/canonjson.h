/* SPDX-License-Identifier: Apache-2.0 */
/* JSON as TUF metadata needs it: a strict parser that accepts only what
 * securesystemslib itself could read back and sign (so a document cannot mean
 * two things to two parsers), and the OLPC canonical form that signatures are
 * made over, byte for byte as securesystemslib's encode_canonical writes it:
 * no whitespace, object keys sorted by UTF-8 byte order (= code point order),
 * strings with only '\' and '"' escaped and everything else raw, integers
 * exact, true/false/null; floats are not representable and are rejected. */
#ifndef BL_CANONJSON_H
#define BL_CANONJSON_H

#include <stddef.h>

#include <cJSON.h>

#include "base/error.h"

/* Deepest nesting of arrays and objects accepted; metadata needs about 6. */
#define BL_CANONJSON_MAX_DEPTH 32

/* Integers with |x| < 2^53 are cJSON numbers, exact in a double. Beyond
 * that a double would change the signed value, and cJSON keeps no digits, so
 * the parser turns each such number into a cJSON_Raw item holding its digits
 * as written (Python reads them exactly; a tufup build time in nanoseconds
 * is one): the canonical form writes them back as they were, and
 * bl_canonjson_get_uint does not read them. Python refuses integers of more
 * than 4300 digits (sys.int_info.default_max_str_digits), and so does this. */
#define BL_CANONJSON_MAX_INT 9007199254740991.0 /* 2^53 - 1 */
#define BL_CANONJSON_MAX_DIGITS 4300

/* Parses len bytes of text (no NUL terminator needed) into a cJSON tree the
 * caller frees with cJSON_Delete. Rejects, with BL_ECORRUPT and where: input
 * longer than max_len (BL_ETOOBIG), invalid UTF-8, a NUL byte or "\u0000",
 * raw control characters in strings, numbers with a fraction or exponent or
 * more than BL_CANONJSON_MAX_DIGITS digits, duplicate keys in an object,
 * nesting deeper than BL_CANONJSON_MAX_DEPTH, and anything after the value
 * but whitespace. Integers of 2^53 and beyond come back as cJSON_Raw items
 * of their digits (above). */
int bl_canonjson_parse(const char *text, size_t len, size_t max_len, cJSON **out, bl_error *err);

/* Writes the canonical form of value into a NUL-terminated buffer the caller
 * frees; *out_len excludes the NUL. BL_EINVAL for what has no canonical form
 * (a non-integer or too large number, raw JSON other than an integer's
 * digits, invalid UTF-8, too deep). */
int bl_canonjson_encode(const cJSON *value, char **out, size_t *out_len, bl_error *err);

/* Reads an integer 0 <= x <= 2^53-1 from a number item (through valuedouble:
 * cJSON's valueint saturates at INT_MAX). Returns 0 when item is not one. */
int bl_canonjson_get_uint(const cJSON *item, unsigned long long *out);

#endif
