/* SPDX-License-Identifier: Apache-2.0 */
/* The system's fonts for a text, as a Linux desktop program finds them:
 * fontconfig sorts the fonts for a sans-serif pattern with the language and
 * the text's characters, and the first scalable ones whose character set
 * holds every one of them are taken. fontconfig's configuration is loaded
 * for each question and freed after: the splash asks once per new set of
 * characters, and keeps nothing of fontconfig's between. */
#include <fontconfig/fontconfig.h>
#include <stdio.h>

#include "splash_font.h"

static FcPattern *text_pattern(const char *language, FcCharSet *wanted)
{
    FcPattern *pattern = FcPatternCreate();
    FcLangSet *langs = FcLangSetCreate();
    char tag[32];
    int ok;
    bl_splash_font_lang_tag(language, tag, sizeof tag);
    ok = pattern && langs && FcLangSetAdd(langs, (const FcChar8 *)tag) &&
         FcPatternAddString(pattern, FC_FAMILY, (const FcChar8 *)"sans-serif") &&
         FcPatternAddLangSet(pattern, FC_LANG, langs) && FcPatternAddCharSet(pattern, FC_CHARSET, wanted) &&
         FcPatternAddBool(pattern, FC_SCALABLE, FcTrue);
    if (langs)
        FcLangSetDestroy(langs); /* the pattern holds its own copy */
    if (!ok && pattern) {
        FcPatternDestroy(pattern);
        pattern = NULL;
    }
    return pattern;
}

/* Takes font into out when it can draw every wanted character. */
static int take(FcPattern *font, FcCharSet *wanted, bl_splash_font_file *out)
{
    FcCharSet *has = NULL;
    FcChar8 *file = NULL;
    FcBool scalable = FcFalse;
    int face = 0, n;
    if (FcPatternGetCharSet(font, FC_CHARSET, 0, &has) != FcResultMatch || !FcCharSetIsSubset(wanted, has) ||
        FcPatternGetString(font, FC_FILE, 0, &file) != FcResultMatch ||
        (FcPatternGetBool(font, FC_SCALABLE, 0, &scalable) == FcResultMatch && !scalable))
        return 0;
    if (FcPatternGetInteger(font, FC_INDEX, 0, &face) != FcResultMatch)
        face = 0;
    n = snprintf(out->path, sizeof out->path, "%s", (const char *)file);
    out->face = face & 0xFFFF; /* the high bits name a variable font's instance */
    return n > 0 && (size_t)n < sizeof out->path;
}

size_t bl_splash_font_system_find(const char *language, const uint32_t *points, size_t count,
                                  bl_splash_font_file *out, size_t max)
{
    FcConfig *config = NULL;
    FcCharSet *wanted = NULL;
    FcPattern *pattern = NULL;
    FcFontSet *sorted = NULL;
    FcResult result;
    size_t i, n = 0;
    int k;

    if (max == 0 || !(config = FcInitLoadConfigAndFonts()) || !(wanted = FcCharSetCreate()))
        goto cleanup;
    for (i = 0; i < count; i++)
        if (!FcCharSetAddChar(wanted, points[i]))
            goto cleanup;
    if (!(pattern = text_pattern(language, wanted)) || !FcConfigSubstitute(config, pattern, FcMatchPattern))
        goto cleanup;
    FcDefaultSubstitute(pattern);
    if (!(sorted = FcFontSort(config, pattern, FcFalse, NULL, &result)))
        goto cleanup;
    for (k = 0; k < sorted->nfont && n < max; k++)
        if (take(sorted->fonts[k], wanted, &out[n]))
            n++;

cleanup:
    if (sorted)
        FcFontSetDestroy(sorted);
    if (pattern)
        FcPatternDestroy(pattern);
    if (wanted)
        FcCharSetDestroy(wanted);
    if (config)
        FcConfigDestroy(config);
    return n;
}
