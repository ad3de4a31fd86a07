/* SPDX-License-Identifier: Apache-2.0 */
/* The splash's words (start/i18n.h): the .mo reader against files built
 * here byte by byte (both byte orders, and broken in every way a file on a
 * disk or a bad build could be), the built-in zh_CN catalog, the locale's
 * language, the sentence formatter, and the splash's sentences in Chinese. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "start/i18n.h"
#include "start/splash.h"

/* --- a .mo writer, for the reader's tests --------------------------------- */

typedef struct {
    unsigned char bytes[2048];
    size_t size;
    int big_endian;
} mo_buffer;

static void put_word(mo_buffer *mo, size_t offset, uint32_t word)
{
    int i;
    for (i = 0; i < 4; i++)
        mo->bytes[offset + (size_t)i] =
            (unsigned char)(word >> (mo->big_endian ? 24 - 8 * i : 8 * i));
}

/* A .mo file of count pairs (sorted by the caller, as msgfmt sorts), laid out
 * as the GNU manual draws it: header, originals' table, translations' table,
 * then the strings. No hash table (its size 0 is allowed). */
static void make_mo(mo_buffer *mo, int big_endian, const char *const *pairs, uint32_t count)
{
    size_t strings;
    uint32_t i;
    memset(mo, 0, sizeof *mo);
    mo->big_endian = big_endian;
    put_word(mo, 0, 0x950412deu);
    put_word(mo, 4, 0);
    put_word(mo, 8, count);
    put_word(mo, 12, 28);
    put_word(mo, 16, 28 + 8 * count);
    put_word(mo, 20, 0);
    put_word(mo, 24, 28 + 16 * count);
    strings = 28 + 16 * (size_t)count;
    for (i = 0; i < 2 * count; i++) {
        const char *s = pairs[i];
        size_t len = strlen(s);
        size_t table = (i % 2 == 0 ? 28 : 28 + 8 * (size_t)count) + 8 * (i / 2);
        put_word(mo, table, (uint32_t)len);
        put_word(mo, table + 4, (uint32_t)strings);
        memcpy(mo->bytes + strings, s, len + 1);
        strings += len + 1;
    }
    mo->size = strings;
}

static const char *const sample[] = {
    "", "Content-Type: text/plain; charset=UTF-8\n",
    "Checking for updates\xE2\x80\xA6", "正在检查更新……",
    "Ready", "就绪",
    "Verifying\xE2\x80\xA6", "正在校验……",
};

/* --- the reader ------------------------------------------------------------ */

static void test_mo_lookup_finds_every_entry_in_both_byte_orders(void)
{
    mo_buffer mo;
    int big;
    for (big = 0; big <= 1; big++) {
        make_mo(&mo, big, sample, 4);
        CHECK_STR(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready"), "就绪");
        CHECK_STR(bl_i18n_mo_lookup(mo.bytes, mo.size, "Checking for updates\xE2\x80\xA6"), "正在检查更新……");
        CHECK_STR(bl_i18n_mo_lookup(mo.bytes, mo.size, "Verifying\xE2\x80\xA6"), "正在校验……");
    }
}

static void test_mo_lookup_misses_what_is_not_there(void)
{
    mo_buffer mo;
    make_mo(&mo, 0, sample, 4);
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Not in the catalog") == NULL);
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Read") == NULL);   /* a prefix of an entry */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready!") == NULL); /* an entry is its prefix */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "A") == NULL);      /* before the first */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Zz") == NULL);     /* after the last */
    /* the header is the catalog's, not a sentence */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "") == NULL);
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, NULL) == NULL);
}

static void test_mo_lookup_of_an_empty_catalog_misses(void)
{
    mo_buffer mo;
    make_mo(&mo, 0, sample, 0);
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready") == NULL);
}

static void test_mo_lookup_refuses_what_is_not_a_mo_file(void)
{
    mo_buffer mo;
    make_mo(&mo, 0, sample, 4);
    CHECK(bl_i18n_mo_lookup(NULL, 0, "Ready") == NULL);
    CHECK(bl_i18n_mo_lookup(mo.bytes, 27, "Ready") == NULL); /* a header cut short */
    mo.bytes[0] ^= 1;                                        /* the magic */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready") == NULL);
    make_mo(&mo, 0, sample, 4);
    put_word(&mo, 4, 2u << 16); /* a major revision this reader does not know */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready") == NULL);
    make_mo(&mo, 0, sample, 4);
    put_word(&mo, 4, 1); /* minor revisions keep the layout */
    CHECK_STR(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready"), "就绪");
}

static void test_mo_lookup_checks_every_offset_against_the_size(void)
{
    mo_buffer mo;
    make_mo(&mo, 0, sample, 4);
    put_word(&mo, 8, 0xFFFFFFFFu); /* a count whose tables would end far past the file */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready") == NULL);
    make_mo(&mo, 0, sample, 4);
    put_word(&mo, 12, 0xFFFFFFF8u); /* the originals' table at the end of the address space */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready") == NULL);
    make_mo(&mo, 0, sample, 4);
    put_word(&mo, 16, (uint32_t)mo.size); /* the translations' table past the end */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready") == NULL);
    make_mo(&mo, 0, sample, 4);
    put_word(&mo, 16, 30); /* not on a word */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready") == NULL);
    make_mo(&mo, 0, sample, 4);
    put_word(&mo, 28 + 8 * 4 + 8 * 2 + 4, 0xFFFFFFF0u); /* "Ready"'s translation beyond the file */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready") == NULL);
    make_mo(&mo, 0, sample, 4);
    put_word(&mo, 28 + 8 * 4 + 8 * 2, 0xFFFFFFFFu); /* its length so long it wraps */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready") == NULL);
    make_mo(&mo, 0, sample, 4);
    put_word(&mo, 28 + 8 * 2, 4); /* "Ready" read as "Read": no NUL where its length ends */
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready") == NULL);
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Read") == NULL);
    /* a file cut anywhere never reads past its end (ASan checks the reads) */
    make_mo(&mo, 0, sample, 4);
    for (size_t size = 0; size < mo.size; size++) {
        const char *t = bl_i18n_mo_lookup(mo.bytes, size, "Verifying\xE2\x80\xA6");
        CHECK(t == NULL || (t >= (const char *)mo.bytes && t + strlen(t) < (const char *)mo.bytes + size));
    }
}

static void test_mo_lookup_refuses_a_translation_that_is_not_utf8_or_is_empty(void)
{
    static const char *const broken[] = {
        "Checking for updates\xE2\x80\xA6", "",    /* untranslated */
        "Ready", "\xE5\xB0",                     /* cut inside a character */
        "Verifying\xE2\x80\xA6", "\xC0\xAF",     /* an overlong '/' */
    };
    mo_buffer mo;
    make_mo(&mo, 0, broken, 3);
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Checking for updates\xE2\x80\xA6") == NULL);
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Ready") == NULL);
    CHECK(bl_i18n_mo_lookup(mo.bytes, mo.size, "Verifying\xE2\x80\xA6") == NULL);
}

/* Every byte of the built-in catalog changed, one at a time: the reader
 * answers (a translation inside the file or NULL) and never reads outside. */
static void test_the_built_in_catalog_survives_any_one_byte_changed(void)
{
    const bl_i18n_catalog *zh = NULL;
    unsigned char *copy;
    size_t i, k, answered = 0;
    for (k = 0; k < bl_i18n_catalog_count; k++)
        if (strcmp(bl_i18n_catalogs[k].language, "zh_CN") == 0)
            zh = &bl_i18n_catalogs[k];
    CHECK(zh != NULL);
    if (!zh || !(copy = malloc(zh->size)))
        return;
    for (i = 0; i < zh->size; i++) {
        const char *t;
        memcpy(copy, zh->mo, zh->size);
        copy[i] ^= 0xA5;
        t = bl_i18n_mo_lookup(copy, zh->size, "Ready");
        CHECK(t == NULL || (t >= (const char *)copy && t + strlen(t) < (const char *)copy + zh->size));
        answered += t != NULL;
    }
    CHECK(answered > 0); /* most changes leave the entry readable */
    free(copy);
}

/* --- the built-in catalogs ------------------------------------------------ */

static void test_built_in_chinese_catalog_translates_and_misses_to_english(void)
{
    CHECK_STR(bl_i18n_text("zh_CN", "Ready"), "就绪");
    CHECK_STR(bl_i18n_text("zh_CN", "Checking for updates\xE2\x80\xA6"), "正在检查更新……");
    CHECK_STR(bl_i18n_text("zh_CN", "not a sentence the launcher has"), "not a sentence the launcher has");
    CHECK_STR(bl_i18n_text("en", "Ready"), "Ready");
    CHECK_STR(bl_i18n_text(NULL, "Ready"), "Ready");
    CHECK_STR(bl_i18n_text("fr", "Ready"), "Ready");
    CHECK_STR(bl_i18n_text("zh_cn", "Ready"), "Ready"); /* a catalog's exact name: bl_i18n_language finds it */
}

static void test_known_languages_and_their_list(void)
{
    char list[64];
    CHECK_INT(bl_i18n_known("en"), 1);
    CHECK_INT(bl_i18n_known("zh_CN"), 1);
    CHECK_INT(bl_i18n_known("zh_TW"), 0);
    CHECK_INT(bl_i18n_known("auto"), 0);
    CHECK_INT(bl_i18n_known(""), 0);
    CHECK_INT(bl_i18n_known(NULL), 0);
    bl_i18n_list(list, sizeof list);
    CHECK_STR(list, "en, zh_CN");
}

/* --- the locale's language ------------------------------------------------ */

static void test_locale_names_map_to_a_catalog_or_english(void)
{
    static const struct {
        const char *locale, *language;
    } cases[] = {
        {"zh_CN.UTF-8", "zh_CN"}, {"zh_CN", "zh_CN"}, {"zh_CN.GB18030", "zh_CN"}, {"zh_CN.utf8@pinyin", "zh_CN"},
        {"zh", "zh_CN"}, {"zh_SG.UTF-8", "zh_CN"}, {"zh-Hans", "zh_CN"}, {"zh-Hans-CN", "zh_CN"},
        {"zh_Hans_SG", "zh_CN"}, {"zh-CN", "zh_CN"}, {"ZH_cn", "zh_CN"},
        /* Traditional Chinese: zh_CN's characters would be the wrong ones */
        {"zh_TW.UTF-8", "en"}, {"zh_HK", "en"}, {"zh-MO", "en"}, {"zh-Hant", "en"}, {"zh-Hant-CN", "en"},
        {"en_US.UTF-8", "en"}, {"en", "en"}, {"C", "en"}, {"POSIX", "en"}, {"C.UTF-8", "en"},
        {"fr_FR.UTF-8", "en"}, {"de", "en"}, {"", "en"}, {NULL, "en"}, {"_", "en"}, {".UTF-8", "en"},
        {"zhx_CN", "en"}, {"z", "en"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = bl_i18n_language(cases[i].locale);
        if (strcmp(got, cases[i].language) != 0)
            fprintf(stderr, "  locale \"%s\"\n", cases[i].locale ? cases[i].locale : "(null)");
        CHECK_STR(got, cases[i].language);
    }
}

static void test_a_very_long_locale_is_read_safely(void)
{
    char locale[600];
    memset(locale, 'z', sizeof locale - 1);
    locale[sizeof locale - 1] = '\0';
    CHECK_STR(bl_i18n_language(locale), "en");
    memcpy(locale, "zh_", 3);
    CHECK_STR(bl_i18n_language(locale), "zh_CN"); /* zh, a long unknown subtag */
}

static void test_the_config_wins_unless_it_says_auto(void)
{
    CHECK_STR(bl_i18n_choose("en", "zh_CN.UTF-8"), "en");
    CHECK_STR(bl_i18n_choose("zh_CN", "en_US.UTF-8"), "zh_CN");
    CHECK_STR(bl_i18n_choose("zh_CN", NULL), "zh_CN");
    CHECK_STR(bl_i18n_choose("auto", "zh_CN.UTF-8"), "zh_CN");
    CHECK_STR(bl_i18n_choose("auto", "C"), "en");
    CHECK_STR(bl_i18n_choose(NULL, "zh_SG"), "zh_CN");
    CHECK_STR(bl_i18n_choose("", "zh_CN"), "zh_CN");
    CHECK_STR(bl_i18n_choose("xx", "zh_CN"), "zh_CN"); /* not a language here: as auto */
}

/* --- the formatter --------------------------------------------------------- */

static const char *format(const char *fmt, const char *const *args, size_t count)
{
    static char out[128];
    memset(out, 'x', sizeof out);
    bl_i18n_format(out, sizeof out, fmt, args, count);
    return out;
}

static void test_format_fills_in_order_and_by_position(void)
{
    const char *args[3] = {"3.6 MB", "4.7 MB", "1.2 MB"};
    CHECK_STR(format("Downloading %s of %s", args, 3), "Downloading 3.6 MB of 4.7 MB");
    CHECK_STR(format("%2$s, %1$s", args, 3), "4.7 MB, 3.6 MB");
    CHECK_STR(format("正在下载 %1$s，共 %2$s（%3$s/秒）", args, 3), "正在下载 3.6 MB，共 4.7 MB（1.2 MB/秒）");
    CHECK_STR(format("100%%", NULL, 0), "100%");
    CHECK_STR(format("no directives", NULL, 0), "no directives");
    CHECK_STR(format("", args, 3), "");
}

static void test_format_never_passes_a_catalog_directive_on(void)
{
    const char *args[2] = {"a", NULL};
    /* what printf would read memory for is shown as written */
    CHECK_STR(format("%d %n %x %", args, 1), "%d %n %x %");
    CHECK_STR(format("%1$d and %0$s", args, 1), "%1$d and %0$s");
    CHECK_STR(format("[%3$s][%s][%s][%s]", args, 2), "[][a][][]"); /* missing and NULL arguments are empty */
    CHECK_STR(format("%99999999999999999999$s", args, 2), "%99999999999999999999$s");
    CHECK_STR(format("%s", NULL, 5), "");
}

static void test_format_cuts_at_a_character_and_terminates(void)
{
    char out[8], none[1] = {'x'};
    const char *args[1] = {"正在"}; /* two characters of three bytes */
    bl_i18n_format(out, sizeof out, "ab%s", args, 1);
    CHECK_STR(out, "ab正"); /* 5 bytes: the second character does not fit whole */
    bl_i18n_format(out, sizeof out, "正在检查", NULL, 0);
    CHECK_STR(out, "正在");
    bl_i18n_format(out, sizeof out, "abcdefghij", NULL, 0);
    CHECK_STR(out, "abcdefg");
    bl_i18n_format(none, 0, "abc", NULL, 0);
    CHECK_INT(none[0], 'x');
    bl_i18n_format(out, 1, "abc", NULL, 0);
    CHECK_STR(out, "");
}

/* --- the splash's sentences in Chinese -------------------------------------- */

static void test_error_sentences_in_chinese_say_the_kind_and_point_to_the_log(void)
{
    char out[256];
    CHECK_INT(bl_splash_error_sentence(BL_ESIGNATURE, "timestamp.json: signature does not verify", 3, "1.1.0",
                                       "zh_CN", out, sizeof out),
              1);
    CHECK_STR(out, "更新已连续失败 3 次（更新的签名信息未通过验证）。正在启动已安装的版本 1.1.0；详情见 "
                   "cache/update.log。");
    CHECK_INT(bl_splash_error_sentence(BL_EHASH, "bomiot-1.2.0.tar.gz: sha256 differs", 8, "1.1.0", "zh_CN", out,
                                       sizeof out),
              1);
    CHECK_STR(out, "更新已连续失败 8 次（下载的文件与签名不符）。正在启动已安装的版本 1.1.0；详情见 cache/update.log。");
    /* a kind with no words of its own: the sentence without one, never the English message */
    CHECK_INT(bl_splash_error_sentence(BL_EIO, "write versions/1.2.0.partial/x: I/O error", 3, "1.1.0", "zh_CN", out,
                                       sizeof out),
              1);
    CHECK_STR(out, "更新已连续失败 3 次。正在启动已安装的版本 1.1.0；详情见 cache/update.log。");
    CHECK_INT(bl_splash_error_sentence(BL_EIO, "x", 3, "", "zh_CN", out, sizeof out), 1);
    CHECK_STR(out, "更新已连续失败 3 次。正在启动已安装的版本；详情见 cache/update.log。");
    CHECK_INT(bl_splash_error_sentence(BL_EDENIED, "x", 3, NULL, "zh_CN", out, sizeof out), 1);
    CHECK_STR(out, "更新已连续失败 3 次（启动器无权写入其所在的文件夹）。正在启动已安装的版本；详情见 "
                   "cache/update.log。");
}

static void test_a_full_disk_in_chinese(void)
{
    char out[256];
    CHECK_INT(bl_splash_error_sentence(BL_ENOSPC, "not enough disk space: it needs 120 MB, 40 MB are free", 1,
                                       "1.1.0", "zh_CN", out, sizeof out),
              1);
    CHECK_STR(out, "磁盘空间不足，无法更新。请释放一些空间；现在启动已安装的版本 1.1.0。");
    CHECK_INT(bl_splash_error_sentence(BL_ENOSPC, "disk full", 1, "", "zh_CN", out, sizeof out), 1);
    CHECK_STR(out, "磁盘空间不足，无法更新。请释放一些空间；现在启动已安装的版本。");
}

static void test_the_same_failures_are_told_in_every_language(void)
{
    char out[256];
    int failures;
    for (failures = 0; failures < 20; failures++)
        CHECK_INT(bl_splash_error_sentence(BL_ENETWORK, "x", failures, "1.1.0", "zh_CN", out, sizeof out),
                  bl_splash_error_sentence(BL_ENETWORK, "x", failures, "1.1.0", "en", out, sizeof out));
    CHECK_INT(bl_splash_error_sentence(BL_ECANCELED, "x", 3, "1.1.0", "zh_CN", out, sizeof out), 0);
    CHECK_STR(out, "");
}

static void test_a_long_chinese_sentence_is_cut_at_a_character(void)
{
    char out[40];
    size_t i;
    bl_splash_error_sentence(BL_ENETWORK, "x", 3, "1.1.0", "zh_CN", out, sizeof out);
    /* the sentence is longer than out; what is kept ends on a whole character */
    CHECK(strlen(out) > 30);
    for (i = 0; out[i];) {
        unsigned char c = (unsigned char)out[i];
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        CHECK(i + n <= strlen(out));
        i += n;
    }
}

static void test_rollback_sentence_in_both_languages(void)
{
    char out[256];
    bl_splash_rollback_sentence("Bomiot", "1.2.0", "1.1.0", "en", out, sizeof out);
    CHECK_STR(out, "Bomiot 1.2.0 did not start properly. Going back to 1.1.0; details are in cache/update.log.");
    bl_splash_rollback_sentence("Bomiot 仓储管理", "1.2.0", "1.1.0", "zh_CN", out, sizeof out);
    CHECK_STR(out, "Bomiot 仓储管理 1.2.0 未能正常启动。正在回退到 1.1.0；详情见 cache/update.log。");
    bl_splash_rollback_sentence(NULL, "1.2.0", "1.1.0", NULL, out, sizeof out);
    CHECK_STR(out, "the app 1.2.0 did not start properly. Going back to 1.1.0; details are in cache/update.log.");
}

static void test_every_stage_has_chinese_words(void)
{
    int stage;
    for (stage = BL_STAGE_STARTING; stage <= BL_STAGE_DONE; stage++) {
        bl_progress_view v;
        char zh[320], en[320];
        memset(&v, 0, sizeof v);
        v.stage = stage;
        snprintf(v.detail, sizeof v.detail, "1.2.0");
        bl_splash_status_text(&v, "Bomiot", "zh_CN", zh, sizeof zh);
        bl_splash_status_text(&v, "Bomiot", "en", en, sizeof en);
        CHECK(strcmp(zh, en) != 0); /* translated */
    }
}

int main(void)
{
    RUN(test_mo_lookup_finds_every_entry_in_both_byte_orders);
    RUN(test_mo_lookup_misses_what_is_not_there);
    RUN(test_mo_lookup_of_an_empty_catalog_misses);
    RUN(test_mo_lookup_refuses_what_is_not_a_mo_file);
    RUN(test_mo_lookup_checks_every_offset_against_the_size);
    RUN(test_mo_lookup_refuses_a_translation_that_is_not_utf8_or_is_empty);
    RUN(test_the_built_in_catalog_survives_any_one_byte_changed);
    RUN(test_built_in_chinese_catalog_translates_and_misses_to_english);
    RUN(test_known_languages_and_their_list);
    RUN(test_locale_names_map_to_a_catalog_or_english);
    RUN(test_a_very_long_locale_is_read_safely);
    RUN(test_the_config_wins_unless_it_says_auto);
    RUN(test_format_fills_in_order_and_by_position);
    RUN(test_format_never_passes_a_catalog_directive_on);
    RUN(test_format_cuts_at_a_character_and_terminates);
    RUN(test_error_sentences_in_chinese_say_the_kind_and_point_to_the_log);
    RUN(test_a_full_disk_in_chinese);
    RUN(test_the_same_failures_are_told_in_every_language);
    RUN(test_a_long_chinese_sentence_is_cut_at_a_character);
    RUN(test_rollback_sentence_in_both_languages);
    RUN(test_every_stage_has_chinese_words);
    return CHECK_DONE();
}
