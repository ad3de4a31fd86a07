/* SPDX-License-Identifier: Apache-2.0 */
/* bl-splash-text: one line of text as the splash renders it (SDL2_ttf, the
 * same font file, face and pixel size), for the Xvfb tests to compare a
 * screenshot's line with: the expected words in the expected font, or the
 * boxes a font without those characters would draw.
 *   bl-splash-text FONT FACE PIXELS bold|regular TEXT OUT.pgm [WRAP]
 * (WRAP: the width in pixels a long sentence is wrapped at, as the error's.)
 * Writes the glyphs' coverage as a binary PGM (0 background, 255 ink). The
 * splash uses TTF_RenderUTF8_Blended; this uses Shaded on black, whose
 * coverage is the same rasterisation (the splash then blends its colour). */
#include <SDL.h>
#include <SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    SDL_Color white = {255, 255, 255, 255}, black = {0, 0, 0, 255};
    TTF_Font *font = NULL;
    SDL_Surface *surface = NULL;
    FILE *out = NULL;
    int rc = 1, y;

    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: bl-splash-text FONT FACE PIXELS bold|regular TEXT OUT.pgm [WRAP]\n");
        return 2;
    }
    if (TTF_Init() != 0 || !(font = TTF_OpenFontIndex(argv[1], atoi(argv[3]), atoi(argv[2])))) {
        fprintf(stderr, "bl-splash-text: %s: %s\n", argv[1], TTF_GetError());
        goto cleanup;
    }
    if (strcmp(argv[4], "bold") == 0)
        TTF_SetFontStyle(font, TTF_STYLE_BOLD);
    /* 8 bits a pixel, palette from black to white: the index is the coverage */
    surface = argc == 8 ? TTF_RenderUTF8_Shaded_Wrapped(font, argv[5], white, black, (Uint32)atoi(argv[7]))
                        : TTF_RenderUTF8_Shaded(font, argv[5], white, black);
    if (!surface || !(out = fopen(argv[6], "wb"))) {
        fprintf(stderr, "bl-splash-text: cannot render or write: %s\n", TTF_GetError());
        goto cleanup;
    }
    fprintf(out, "P5\n%d %d\n255\n", surface->w, surface->h);
    for (y = 0; y < surface->h; y++)
        fwrite((const Uint8 *)surface->pixels + (size_t)y * (size_t)surface->pitch, 1, (size_t)surface->w, out);
    rc = fclose(out) == 0 ? 0 : 1;
    out = NULL;

cleanup:
    if (out)
        fclose(out);
    if (surface)
        SDL_FreeSurface(surface);
    if (font)
        TTF_CloseFont(font);
    TTF_Quit();
    return rc;
}
