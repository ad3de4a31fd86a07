/* SPDX-License-Identifier: Apache-2.0 */
/* The .mo reader, the catalog lookup, the locale's language and the
 * sentence formatter (i18n.h). */
#include "i18n.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/ascii.h"
#include "base/utf8.h"

/* --- .mo files -----------------------------------------------------------
 * GNU gettext manual, "The Format of GNU MO Files": a header of 32-bit words
 * (magic 0x950412de in the writer's byte order, revision, N strings, the
 * offsets of the originals' and translations' tables), each table N pairs of
 * (length without the NUL, offset), the originals sorted by bytes. */
#define MO_MAGIC 0x950412deu
#define MO_HEADER_WORDS 7

typedef struct {
    const unsigned char *bytes;
    size_t size;
    int swap; /* written on a machine of the other byte order */
    uint32_t count, originals, translations;
} mo_file;

static uint32_t word_at(const mo_file *mo, size_t offset)
{
    const unsigned char *b = mo->bytes + offset;
    if (mo->swap)
        return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

/* The header, read as little-endian first; 0 when it is not a .mo file
 * whose tables lie inside it. */
static int mo_open(const unsigned char *bytes, size_t size, mo_file *mo)
{
    uint32_t revision;
    memset(mo, 0, sizeof *mo);
    mo->bytes = bytes;
    mo->size = size;
    if (!bytes || size < MO_HEADER_WORDS * 4)
        return 0;
    if (word_at(mo, 0) != MO_MAGIC) {
        mo->swap = 1;
        if (word_at(mo, 0) != MO_MAGIC)
            return 0;
    }
    revision = word_at(mo, 4);
    if (revision >> 16 > 1) /* major revisions 0 and 1 share this layout */
        return 0;
    mo->count = word_at(mo, 8);
    mo->originals = word_at(mo, 12);
    mo->translations = word_at(mo, 16);
    /* both tables, 8 bytes an entry, inside the file (64-bit sums: no wrap) */
    if ((uint64_t)mo->count * 8 > size || (uint64_t)mo->originals + (uint64_t)mo->count * 8 > size ||
        (uint64_t)mo->translations + (uint64_t)mo->count * 8 > size || mo->originals % 4 || mo->translations % 4)
        return 0;
    return 1;
}

/* Entry i of the table at table: its string, NUL-terminated inside the file,
 * and its length; NULL when it does not fit. */
static const char *mo_string(const mo_file *mo, uint32_t table, uint32_t i, size_t *length)
{
    uint32_t len = word_at(mo, (size_t)table + (size_t)i * 8);
    uint32_t offset = word_at(mo, (size_t)table + (size_t)i * 8 + 4);
    if ((uint64_t)offset + len >= mo->size || mo->bytes[(size_t)offset + len] != '\0')
        return NULL;
    *length = len;
    return (const char *)mo->bytes + offset;
}

static int valid_utf8(const char *s, size_t len)
{
    size_t i = 0, n;
    while (i < len) {
        if ((n = bl_utf8_sequence((const unsigned char *)s + i, len - i, NULL)) == 0)
            return 0;
        i += n;
    }
    return 1;
}

const char *bl_i18n_mo_lookup(const unsigned char *bytes, size_t size, const char *msgid)
{
    mo_file mo;
    size_t msgid_len, len, translation_len;
    uint32_t low = 0, high;
    if (!msgid || !*msgid || !mo_open(bytes, size, &mo)) /* "" is the catalog's header, not a sentence */
        return NULL;
    msgid_len = strlen(msgid);
    high = mo.count;
    while (low < high) {
        uint32_t mid = low + (high - low) / 2;
        const char *original = mo_string(&mo, mo.originals, mid, &len);
        const char *translation;
        int order;
        if (!original)
            return NULL;
        /* bytewise, as msgfmt sorts; a plural entry ("one\0many") is longer */
        order = memcmp(msgid, original, msgid_len < len ? msgid_len : len);
        if (order == 0)
            order = msgid_len < len ? -1 : msgid_len > len;
        if (order < 0) {
            high = mid;
        } else if (order > 0) {
            low = mid + 1;
        } else {
            /* a plural entry's forms, or damage, put a NUL inside: the first
             * form is the sentence, and an empty one is none */
            translation = mo_string(&mo, mo.translations, mid, &translation_len);
            if (!translation || (translation_len = strlen(translation)) == 0 ||
                !valid_utf8(translation, translation_len))
                return NULL;
            return translation;
        }
    }
    return NULL;
}

/* --- languages ---------------------------------------------------------- */

static const bl_i18n_catalog *catalog_named(const char *language)
{
    size_t i;
    for (i = 0; language && i < bl_i18n_catalog_count; i++)
        if (strcmp(bl_i18n_catalogs[i].language, language) == 0)
            return &bl_i18n_catalogs[i];
    return NULL;
}

const char *bl_i18n_text(const char *language, const char *msgid)
{
    const bl_i18n_catalog *catalog = catalog_named(language);
    const char *translation = catalog ? bl_i18n_mo_lookup(catalog->mo, catalog->size, msgid) : NULL;
    return translation ? translation : msgid;
}

int bl_i18n_known(const char *language)
{
    return language && (strcmp(language, BL_LANGUAGE_ENGLISH) == 0 || catalog_named(language));
}

void bl_i18n_list(char *out, size_t size)
{
    size_t i, used;
    if (size == 0)
        return;
    snprintf(out, size, "%s", BL_LANGUAGE_ENGLISH);
    for (i = 0; i < bl_i18n_catalog_count; i++) {
        used = strlen(out);
        snprintf(out + used, size - used, ", %s", bl_i18n_catalogs[i].language);
    }
}

/* A locale's parts: the language ("zh"), the script ("hans", a BCP 47
 * subtag of four letters) and the region ("cn"), lower case, each cut at 15. */
typedef struct {
    char language[16], script[16], region[16];
} locale_parts;

static void split_locale(const char *locale, locale_parts *parts)
{
    int first = 1;
    memset(parts, 0, sizeof *parts);
    while (*locale && *locale != '.' && *locale != '@') {
        size_t len = strcspn(locale, "_-.@"), i;
        char subtag[16];
        for (i = 0; i < len && i < sizeof subtag - 1; i++)
            subtag[i] = bl_ascii_lower(locale[i]);
        subtag[i] = '\0';
        /* BCP 47 tells a subtag by its length: a script has four letters,
         * a region two (or three digits) */
        if (first)
            memcpy(parts->language, subtag, sizeof subtag);
        else if (len == 4 && !parts->script[0])
            memcpy(parts->script, subtag, sizeof subtag);
        else if ((len == 2 || len == 3) && !parts->region[0])
            memcpy(parts->region, subtag, sizeof subtag);
        first = 0;
        locale += len;
        if (*locale == '_' || *locale == '-')
            locale++;
    }
}

/* The catalog whose name is language_REGION (case aside), or NULL. */
static const char *catalog_for(const char *language, const char *region)
{
    size_t i;
    char want[40];
    snprintf(want, sizeof want, "%s%s%s", language, region[0] ? "_" : "", region);
    for (i = 0; i < bl_i18n_catalog_count; i++) {
        const char *name = bl_i18n_catalogs[i].language;
        if (strlen(name) == strlen(want) && bl_ascii_equal_nocase(name, want, strlen(want)))
            return name;
    }
    return NULL;
}

const char *bl_i18n_language(const char *locale)
{
    locale_parts p;
    const char *found;
    if (!locale || !*locale || strcmp(locale, "C") == 0 || strcmp(locale, "POSIX") == 0)
        return BL_LANGUAGE_ENGLISH;
    split_locale(locale, &p);
    if (!p.language[0] || strcmp(p.language, "en") == 0)
        return BL_LANGUAGE_ENGLISH;
    if (strcmp(p.language, "zh") == 0) {
        /* Chinese is two written languages: the script decides, else the
         * region (Traditional in Taiwan, Hong Kong and Macau); a region's
         * own catalog serves it when it is in the region's usual script */
        int region_traditional = strcmp(p.region, "tw") == 0 || strcmp(p.region, "hk") == 0 ||
                                 strcmp(p.region, "mo") == 0;
        int traditional = p.script[0] ? strcmp(p.script, "hant") == 0 : region_traditional;
        if (traditional == region_traditional && p.region[0] && (found = catalog_for("zh", p.region)))
            return found;
        found = catalog_for("zh", traditional ? "tw" : "cn");
        return found ? found : BL_LANGUAGE_ENGLISH;
    }
    if ((found = catalog_for(p.language, p.region)))
        return found;
    found = catalog_for(p.language, "");
    return found ? found : BL_LANGUAGE_ENGLISH;
}

const char *bl_i18n_choose(const char *configured, const char *system_locale)
{
    if (configured && *configured && strcmp(configured, "auto") != 0 && bl_i18n_known(configured))
        return strcmp(configured, BL_LANGUAGE_ENGLISH) == 0 ? BL_LANGUAGE_ENGLISH : catalog_named(configured)->language;
    return bl_i18n_language(system_locale);
}

/* --- sentences ---------------------------------------------------------- */

/* Appends len bytes of s at *used, cut at a UTF-8 sequence's start. */
static void append(char *out, size_t size, size_t *used, const char *s, size_t len)
{
    size_t room = size - 1 - *used;
    if (len > room) {
        len = room;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(out + *used, s, len);
    *used += len;
    out[*used] = '\0';
}

void bl_i18n_format(char *out, size_t size, const char *format, const char *const *args, size_t count)
{
    size_t used = 0, next = 0;
    if (size == 0)
        return;
    out[0] = '\0';
    while (format && *format && used < size - 1) {
        const char *percent = strchr(format, '%');
        size_t index = 0;
        const char *after;
        if (!percent) {
            append(out, size, &used, format, strlen(format));
            break;
        }
        append(out, size, &used, format, (size_t)(percent - format));
        after = percent + 1;
        if (*after == '%') {
            append(out, size, &used, "%", 1);
            format = after + 1;
            continue;
        }
        while (*after >= '0' && *after <= '9' && index < 1000)
            index = index * 10 + (size_t)(*after++ - '0');
        if (index > 0 && after[0] == '$' && after[1] == 's') {
            after += 2;
            index--;
        } else if (index == 0 && after == percent + 1 && *after == 's') {
            after++;
            index = next++;
        } else { /* not a directive of ours: shown as written */
            append(out, size, &used, "%", 1);
            format = percent + 1;
            continue;
        }
        if (args && index < count && args[index])
            append(out, size, &used, args[index], strlen(args[index]));
        format = after;
    }
}

void bl_i18n_say(char *out, size_t size, const char *language, const char *msgid, const char *const *args,
                 size_t count)
{
    bl_i18n_format(out, size, bl_i18n_text(language, msgid), args, count);
}
