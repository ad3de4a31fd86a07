/* SPDX-License-Identifier: Apache-2.0 */
/* The splash's font choice (launcher/splash/splash_font.h): the characters a
 * font must have, the names the system's fonts go by, the order a line
 * tries the fonts and its English fallback, and (in a build with
 * fontconfig) the system's fonts for a text, from a fontconfig
 * configuration the test writes. The drawing is tested under Xvfb
 * (tests/integration/test_splash_xvfb.py, SplashLanguageTest). */
#include <stdlib.h>

#include "check.h"
#include "splash/splash_font.h"
#include "testutil.h"

#define CHECK_ZH "\xE6\xA3\x80\xE6\x9F\xA5" /* 检查 U+68C0 U+67E5 */
#define ELLIPSIS "\xE2\x80\xA6"             /* U+2026 */

/* --- the characters of a line ---------------------------------------------- */

static void test_code_points_are_distinct_and_ascending(void)
{
    uint32_t cp[32];
    size_t n = bl_splash_font_code_points("Bomiot 1.1", cp, 32);
    CHECK_INT(n, 8); /* ' ' . 1 B i m o t: the second o and 1 once */
    CHECK_INT(cp[0], ' ');
    CHECK_INT(cp[1], '.');
    CHECK_INT(cp[2], '1');
    CHECK_INT(cp[3], 'B');
    CHECK_INT(cp[7], 't');
    n = bl_splash_font_code_points(CHECK_ZH ELLIPSIS "A", cp, 32);
    CHECK_INT(n, 4);
    CHECK_INT(cp[0], 'A');
    CHECK_INT(cp[1], 0x2026);
    CHECK_INT(cp[2], 0x67E5);
    CHECK_INT(cp[3], 0x68C0);
}

static void test_controls_are_not_characters_to_draw(void)
{
    uint32_t cp[8];
    CHECK_INT(bl_splash_font_code_points("a\tb\n\x7f", cp, 8), 2);
    CHECK_INT(bl_splash_font_code_points("\xC2\x85", cp, 8), 0); /* U+0085, a C1 control */
    CHECK_INT(bl_splash_font_code_points("", cp, 8), 0);
    CHECK_INT(bl_splash_font_code_points(NULL, cp, 8), 0);
}

static void test_invalid_utf8_needs_the_replacement_glyph(void)
{
    uint32_t cp[8];
    size_t n = bl_splash_font_code_points("a\xFF\xE6\xA3", cp, 8); /* a stray byte, a cut sequence */
    CHECK_INT(n, 2);
    CHECK_INT(cp[0], 'a');
    CHECK_INT(cp[1], 0xFFFD);
}

static void test_code_points_stop_at_max(void)
{
    uint32_t cp[3];
    CHECK_INT(bl_splash_font_code_points("zyxwv", cp, 3), 3);
    CHECK_INT(cp[0], 'x'); /* the first three seen, z y x, in order; w and v do not fit */
    CHECK_INT(cp[2], 'z');
}

static void test_points_within_and_merge(void)
{
    uint32_t set[6] = {'a', 'c'}, some[2] = {'a', 'c'}, more[3] = {'b', 'c', 0x68C0};
    size_t n = 2;
    CHECK(bl_splash_font_points_within(some, 2, set, n));
    CHECK(!bl_splash_font_points_within(more, 3, set, n));
    CHECK(bl_splash_font_points_within(more, 0, set, 0));
    n = bl_splash_font_points_merge(set, n, 6, more, 3);
    CHECK_INT(n, 4);
    CHECK_INT(set[1], 'b');
    CHECK_INT(set[3], 0x68C0);
    CHECK(bl_splash_font_points_within(more, 3, set, n));
    CHECK_INT(bl_splash_font_points_merge(set, n, 4, some, 2), 4); /* nothing new, full: unchanged */
}

/* --- names ------------------------------------------------------------------ */

static const char *tag(const char *language)
{
    static char out[32];
    bl_splash_font_lang_tag(language, out, sizeof out);
    return out;
}

static void test_fontconfig_language_tags(void)
{
    CHECK_STR(tag("zh_CN"), "zh-cn");
    CHECK_STR(tag("zh_CN.UTF-8"), "zh-cn");
    CHECK_STR(tag("en"), "en");
    CHECK_STR(tag(NULL), "en");
    CHECK_STR(tag(""), "en");
    CHECK_STR(tag("sr_RS@latin"), "sr-rs");
}

static void test_windows_ui_fonts_by_language(void)
{
    const char *const *zh = bl_splash_font_system_names("zh_CN"), *const *en = bl_splash_font_system_names("en");
    CHECK_STR(zh[0], "msyh.ttc");
    CHECK_STR(zh[1], "msyh.ttf");
    CHECK_STR(zh[2], "simsun.ttc");
    CHECK(zh[3] == NULL);
    CHECK_STR(en[0], "segoeui.ttf");
    CHECK(en[1] == NULL);
    CHECK_STR(bl_splash_font_system_names("zh")[0], "msyh.ttc");
    CHECK_STR(bl_splash_font_system_names("zh-TW")[0], "msyh.ttc");
    CHECK_STR(bl_splash_font_system_names(NULL)[0], "segoeui.ttf");
    CHECK_STR(bl_splash_font_system_names("zha")[0], "segoeui.ttf"); /* Zhuang is not Chinese */
}

/* --- which font draws a line ------------------------------------------------ */

/* Fonts that cover what their string lists (one byte per character here),
 * and optionally a font found on the first question (as fontconfig's). */
typedef struct {
    const char *has[6];
    size_t count;
    const char *found; /* added after the last font on the first question past it, or NULL */
    int asked;
} fake_fonts;

static int fake_covers(void *ctx, size_t i, const char *text, size_t *count)
{
    fake_fonts *f = ctx;
    const char *c;
    if (f->found && i == f->count - 1 && !f->asked) {
        f->asked = 1;
        f->has[f->count++] = f->found;
        *count = f->count;
    }
    for (c = text; *c; c++)
        if (!strchr(f->has[i], *c))
            return 0;
    return 1;
}

static bl_splash_font_pick pick(fake_fonts *f, const char *text, const char *english)
{
    size_t count = f->count;
    bl_splash_font_pick p = bl_splash_font_pick_line(text, english, &count, fake_covers, f);
    CHECK_INT(count, f->count);
    return p;
}

static void test_first_font_that_covers_the_line_draws_it(void)
{
    fake_fonts f = {{"abc", "abcxyz", "abcxyz"}, 3, NULL, 0};
    bl_splash_font_pick p = pick(&f, "cab", "english");
    CHECK_INT(p.font, 0);
    CHECK_INT(p.english, 0);
    p = pick(&f, "xa", "english");
    CHECK_INT(p.font, 1);
    CHECK_INT(p.english, 0);
}

static void test_a_line_no_font_covers_is_drawn_in_english(void)
{
    fake_fonts f = {{"eghilns", "xyz"}, 2, NULL, 0};
    bl_splash_font_pick p = pick(&f, "xq", "english");
    CHECK_INT(p.font, 0);
    CHECK_INT(p.english, 1);
}

static void test_nothing_is_drawn_when_the_english_is_not_covered_either(void)
{
    fake_fonts f = {{"abc"}, 1, NULL, 0};
    bl_splash_font_pick p = pick(&f, "xyz", "qqq");
    CHECK_INT(p.font, -1);
    CHECK_INT(p.english, 1);
    p = pick(&f, "xyz", NULL); /* no other text: an empty line, never boxes */
    CHECK_INT(p.font, -1);
    CHECK_INT(p.english, 0);
    p = pick(&f, "xyz", "xyz"); /* the English is the text itself */
    CHECK_INT(p.font, -1);
    CHECK_INT(p.english, 0);
}

static void test_a_font_found_while_choosing_is_tried_too(void)
{
    fake_fonts f = {{"abc", ""}, 2, "abcxyz", 0}; /* the second stands for fontconfig's question */
    size_t count = f.count;
    bl_splash_font_pick p = bl_splash_font_pick_line("xa", "abc", &count, fake_covers, &f);
    CHECK_INT(count, 3);
    CHECK_INT(p.font, 2);
    CHECK_INT(p.english, 0);
}

/* --- fontconfig ------------------------------------------------------------- */

#ifdef BL_TEST_FONTCONFIG
#define DEJAVU_DIR "/usr/share/fonts/truetype/dejavu"
#define WQY_DIR "/usr/share/fonts/truetype/wqy"

/* Points fontconfig at a configuration that knows only the fonts of dir. */
static int only_fonts_of(const char *dir, char *tmp, size_t size)
{
    char config[BL_PATH_MAX], text[2 * BL_PATH_MAX];
    if (test_make_dir(tmp, size) != 0)
        return -1;
    snprintf(config, sizeof config, "%s/fonts.conf", tmp);
    snprintf(text, sizeof text,
             "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n"
             "<fontconfig><dir>%s</dir><cachedir>%s/cache</cachedir>"
             "<include ignore_missing=\"yes\">/etc/fonts/conf.d</include></fontconfig>\n", dir, tmp);
    if (test_write_file(config, text) != 0)
        return -1;
    return setenv("FONTCONFIG_FILE", config, 1);
}

static void test_fontconfig_finds_only_fonts_that_cover_the_text(void)
{
    bl_splash_font_file found[3];
    uint32_t latin[8], chinese[8];
    size_t n_latin = bl_splash_font_code_points("Bomiot", latin, 8);
    size_t n_chinese = bl_splash_font_code_points(CHECK_ZH, chinese, 8), n;
    char tmp[BL_PATH_MAX];
    if (!bl_fs_exists(DEJAVU_DIR "/DejaVuSans.ttf"))
        SKIP_TEST("no " DEJAVU_DIR "/DejaVuSans.ttf (fonts-dejavu-core)");
    CHECK_INT(only_fonts_of(DEJAVU_DIR, tmp, sizeof tmp), 0);
    n = bl_splash_font_system_find("en", latin, n_latin, found, 3);
    CHECK_INT(n, 3);
    CHECK_CONTAINS(found[0].path, DEJAVU_DIR "/DejaVuSans");
    CHECK_INT(found[0].face, 0);
    /* DejaVu has no Chinese: no font is better than one drawing boxes */
    CHECK_INT(bl_splash_font_system_find("zh_CN", chinese, n_chinese, found, 3), 0);
    CHECK_INT(bl_splash_font_system_find("en", latin, n_latin, found, 0), 0);
    unsetenv("FONTCONFIG_FILE");
    bl_fs_remove_tree(tmp, NULL);
}

static void test_fontconfig_finds_a_chinese_font_for_chinese(void)
{
    bl_splash_font_file found[3];
    uint32_t chinese[8];
    size_t n_chinese = bl_splash_font_code_points(CHECK_ZH "B", chinese, 8), n;
    char tmp[BL_PATH_MAX];
    if (!bl_fs_exists(WQY_DIR "/wqy-microhei.ttc"))
        SKIP_TEST("no " WQY_DIR "/wqy-microhei.ttc (fonts-wqy-microhei, in scripts/deps.sh)");
    CHECK_INT(only_fonts_of(WQY_DIR, tmp, sizeof tmp), 0);
    n = bl_splash_font_system_find("zh_CN", chinese, n_chinese, found, 3);
    CHECK_INT(n, 2); /* WenQuanYi Micro Hei and its Mono, the two faces of one .ttc */
    CHECK_STR(found[0].path, WQY_DIR "/wqy-microhei.ttc");
    CHECK(found[0].face == 0 || found[0].face == 1);
    CHECK(found[1].face == 1 - found[0].face);
    unsetenv("FONTCONFIG_FILE");
    bl_fs_remove_tree(tmp, NULL);
}
#endif

int main(void)
{
    RUN(test_code_points_are_distinct_and_ascending);
    RUN(test_controls_are_not_characters_to_draw);
    RUN(test_invalid_utf8_needs_the_replacement_glyph);
    RUN(test_code_points_stop_at_max);
    RUN(test_points_within_and_merge);
    RUN(test_fontconfig_language_tags);
    RUN(test_windows_ui_fonts_by_language);
    RUN(test_first_font_that_covers_the_line_draws_it);
    RUN(test_a_line_no_font_covers_is_drawn_in_english);
    RUN(test_nothing_is_drawn_when_the_english_is_not_covered_either);
    RUN(test_a_font_found_while_choosing_is_tried_too);
#ifdef BL_TEST_FONTCONFIG
    RUN(test_fontconfig_finds_only_fonts_that_cover_the_text);
    RUN(test_fontconfig_finds_a_chinese_font_for_chinese);
#endif
    return CHECK_DONE();
}
