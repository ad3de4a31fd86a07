/* SPDX-License-Identifier: Apache-2.0 */
/* A build without fontconfig (Windows, macOS): the system's fonts are the
 * ones found by name in its fonts folder (bl_splash_font_system_names). */
#include "splash_font.h"

size_t bl_splash_font_system_find(const char *language, const uint32_t *points, size_t count,
                                  bl_splash_font_file *out, size_t max)
{
    (void)language;
    (void)points;
    (void)count;
    (void)out;
    (void)max;
    return 0;
}
