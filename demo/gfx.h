/*
 * gfx.h - software drawing into a 32-bit 0x00RRGGBB framebuffer, with a
 * built-in 5x7 bitmap font.  Everything clips to the buffer, so callers
 * may draw partly off screen.
 */
#ifndef DEMO_GFX_H
#define DEMO_GFX_H

#include <stdint.h>

struct fb {
  uint32_t *px;
  int w, h; /* pixels; the pitch is w */
};

#define RGB(r, g, b) (((uint32_t)(r) << 16) | ((uint32_t)(g) << 8) | (uint32_t)(b))

/* A mix of a and b: t = 0 gives a, t = 255 gives b. */
uint32_t gfx_mix(uint32_t a, uint32_t b, int t);

void gfx_clear(struct fb *f, uint32_t c);
void gfx_pixel(struct fb *f, int x, int y, uint32_t c);
/* Blend c over the pixel with alpha 0..255. */
void gfx_blend(struct fb *f, int x, int y, uint32_t c, int alpha);
void gfx_fill(struct fb *f, int x, int y, int w, int h, uint32_t c);
void gfx_fill_blend(struct fb *f, int x, int y, int w, int h, uint32_t c,
                    int alpha);
void gfx_frame(struct fb *f, int x, int y, int w, int h, uint32_t c);
void gfx_disc(struct fb *f, int cx, int cy, int r, uint32_t c);
/* Vertical gradient from top to bottom over the rows y..y+h-1. */
void gfx_vgradient(struct fb *f, int y, int h, uint32_t top, uint32_t bottom);

/* Text in the 5x7 font, each glyph 6*scale pixels wide.  Lower case is
 * drawn as upper case; characters without a glyph as '?'. */
void gfx_text(struct fb *f, int x, int y, int scale, uint32_t c,
              const char *s);
int gfx_text_width(const char *s, int scale);

#endif
