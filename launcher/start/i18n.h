/* SPDX-License-Identifier: Apache-2.0 */
/* The splash's words in the user's language. English is written in the code
 * (gettext's msgids); every other language is a po/<language>.po that the
 * build checks and compiles with msgfmt and embeds as .mo bytes
 * (i18n_catalogs.c, generated from po/LINGUAS), so no locale folder is read
 * and a missing one never breaks the splash. A catalog that is corrupt, or a
 * sentence it lacks, gives the English sentence. update.log stays English:
 * only what the splash shows goes through here. */
#ifndef BL_I18N_H
#define BL_I18N_H

#include <stddef.h>

/* The language every sentence is written in, and the one chosen when no
 * catalog fits. */
#define BL_LANGUAGE_ENGLISH "en"

/* A catalog built into the launcher: a .mo file's bytes. */
typedef struct {
    const char *language; /* "zh_CN", as po/LINGUAS names it */
    const unsigned char *mo;
    size_t size;
} bl_i18n_catalog;

/* The built-in catalogs (i18n_catalogs.c); English has none. */
extern const bl_i18n_catalog bl_i18n_catalogs[];
extern const size_t bl_i18n_catalog_count;

/* The translation of msgid in a GNU .mo file held in mo[0, size) (the GNU
 * gettext manual, "The Format of GNU MO Files"; either byte order): a
 * NUL-terminated string inside mo, or NULL when msgid is not there, is
 * untranslated, or is not valid UTF-8, or when mo is not a .mo file. Every
 * offset is checked against size before it is read. Pure. */
const char *bl_i18n_mo_lookup(const unsigned char *mo, size_t size, const char *msgid);

/* msgid in language's built-in catalog, or msgid itself: for English, NULL,
 * an unknown language, or a sentence the catalog lacks. Never NULL. */
const char *bl_i18n_text(const char *language, const char *msgid);

/* The built-in catalog a language or locale name selects, as a catalog's
 * name ("zh_CN") or BL_LANGUAGE_ENGLISH. Reads POSIX locale names
 * ("zh_CN.UTF-8", "zh_CN.GB18030@x") and BCP 47 tags ("zh-Hans-CN", which
 * Windows gives): case, '-' or '_', the codeset and the modifier do not
 * matter. "C", "POSIX", NULL, "" and anything without a catalog are English;
 * a region without its own catalog takes the language's (zh_SG -> zh_CN),
 * except Chinese in Traditional script (zh_TW, zh_HK, zh_MO, zh_Hant*),
 * which zh_CN does not serve, so it is English until a zh_TW catalog exists.
 * Pure. */
const char *bl_i18n_language(const char *locale);

/* The splash's language: configured (the config's language key) unless it
 * is "auto", NULL or "" or has no words here, else what system_locale (the
 * user's, bl_plat_user_language) selects through bl_i18n_language. Pure. */
const char *bl_i18n_choose(const char *configured, const char *system_locale);

/* Whether language names a language the launcher has words for: English or
 * a built-in catalog (exactly, as bl_i18n_language returns it). */
int bl_i18n_known(const char *language);

/* "en, zh_CN": the languages there are words for, for messages and --help. */
void bl_i18n_list(char *out, size_t size);

/* printf for sentences: %s takes the next of args, %N$s the Nth (1-based,
 * gettext's positional form, which a translation may need to reorder), %%
 * is %; anything else, and an argument that is not there, is copied as it
 * stands or left out, so a catalog's text never reaches the real printf.
 * Cut at size on a UTF-8 sequence's start. args may be NULL when count is 0. */
void bl_i18n_format(char *out, size_t size, const char *format, const char *const *args, size_t count);

/* The two above: msgid in language, its %s filled from args. */
void bl_i18n_say(char *out, size_t size, const char *language, const char *msgid, const char *const *args,
                 size_t count);

#endif
