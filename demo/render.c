/*
 * render.c - what the game looks like.  Every colour and size that is
 * only about looks is a named constant here: change one, save, and the
 * running game picks it up while the score and the positions stay.
 */
#include <stdio.h>

#include "render.h"

/* Colours, 0xRRGGBB. */
static const uint32_t BG_TOP = 0x10102a;
static const uint32_t BG_BOTTOM = 0x2a1038;
static const uint32_t HUD_BG = 0x05050f;
static const uint32_t HUD_TEXT = 0xd0d0e0;
static const uint32_t HUD_DIM = 0x707090;
static const uint32_t PADDLE_COLOR = 0x40c8ff;
static const uint32_t PADDLE_EDGE = 0xffffff;
static const uint32_t BALL_COLOR = 0xfff8e0;
static const uint32_t BALL_GLOW = 0xffd060;
static const uint32_t ROW_COLORS[BRICK_ROWS] = {
    0xff4060, 0xff8040, 0xffc040, 0xc0e040,
    0x40e080, 0x40d0d0, 0x4090ff, 0xa060ff,
};
static const uint32_t HARD_COLOR = 0xb0b0c8;
static const uint32_t STEEL_COLOR = 0x606878;
static const uint32_t BOMB_COLOR = 0xe02020;
static const uint32_t FIRE_COLOR = 0xffa020;
static const uint32_t SPARK_COLOR = 0xffffc0;
static const uint32_t GOLD_COLOR = 0xffd700;
static const uint32_t BANNER_COLOR = 0xffffff;
static const uint32_t POWERUP_COLORS[POWERUP_KINDS] = {
    0x40a0ff, /* wide */
    0xff60c0, /* multi */
    0x60ff90, /* slow */
    0xff4040, /* life */
};
static const char POWERUP_LETTERS[POWERUP_KINDS] = {'W', 'M', 'S', '+'};

/* Sizes, in pixels. */
static const int BALL_RADIUS = 2;
static const int BALL_GLOW_RADIUS = 4;
static const int SHAKE_PIXELS = 2;

static uint32_t tint_color(int tint) {
  if (tint >= TINT_ROW0 && tint < TINT_ROW0 + BRICK_ROWS)
    return ROW_COLORS[tint - TINT_ROW0];
  switch (tint) {
  case TINT_HARD: return HARD_COLOR;
  case TINT_STEEL: return STEEL_COLOR;
  case TINT_FIRE: return FIRE_COLOR;
  case TINT_SPARK: return SPARK_COLOR;
  default: return GOLD_COLOR;
  }
}

static void draw_brick(struct fb *f, const struct game *g,
                       const struct brick *b, int x, int y) {
  uint32_t c;
  switch (b->kind) {
  case BRICK_HARD:
    /* Darker with every hit taken. */
    c = gfx_mix(HARD_COLOR, 0x000000, (3 - b->hp) * 50);
    break;
  case BRICK_STEEL: c = STEEL_COLOR; break;
  case BRICK_BOMB: c = BOMB_COLOR; break;
  default: c = ROW_COLORS[b->row % BRICK_ROWS]; break;
  }
  if (b->flash)
    c = gfx_mix(c, 0xffffff, b->flash * 40);
  gfx_fill(f, x, y, BRICK_W, BRICK_H, c);
  /* A bevel: light from the top left. */
  gfx_fill(f, x, y, BRICK_W, 1, gfx_mix(c, 0xffffff, 110));
  gfx_fill(f, x, y, 1, BRICK_H, gfx_mix(c, 0xffffff, 70));
  gfx_fill(f, x, y + BRICK_H - 1, BRICK_W, 1, gfx_mix(c, 0x000000, 110));
  gfx_fill(f, x + BRICK_W - 1, y, 1, BRICK_H, gfx_mix(c, 0x000000, 80));
  if (b->kind == BRICK_STEEL) {
    gfx_pixel(f, x + 3, y + 3, 0xc0c8d8);
    gfx_pixel(f, x + BRICK_W - 4, y + 3, 0xc0c8d8);
  } else if (b->kind == BRICK_BOMB) {
    /* A fuse that blinks. */
    uint32_t fuse = (g->frame / 8) % 2 ? 0xffff80 : 0x400000;
    gfx_fill(f, x + BRICK_W / 2 - 2, y + 2, 4, BRICK_H - 4, fuse);
  }
}

static void draw_bricks(struct fb *f, const struct game *g, int ox, int oy) {
  for (int r = 0; r < BRICK_ROWS; r++)
    for (int c = 0; c < BRICK_COLS; c++) {
      const struct brick *b = &g->bricks[r][c];
      if (b->kind == BRICK_NONE)
        continue;
      int x, y;
      brick_rect(r, c, &x, &y);
      draw_brick(f, g, b, x + ox, y + oy);
    }
}

static void draw_paddle(struct fb *f, const struct game *g, int ox, int oy) {
  int w = (int)(g->paddle.w + 0.5f);
  int x = (int)(g->paddle.x + 0.5f) - w / 2 + ox;
  int y = PADDLE_Y + oy;
  gfx_fill(f, x + 2, y, w - 4, PADDLE_H, PADDLE_COLOR);
  gfx_fill(f, x, y + 1, 2, PADDLE_H - 2, PADDLE_EDGE);
  gfx_fill(f, x + w - 2, y + 1, 2, PADDLE_H - 2, PADDLE_EDGE);
  gfx_fill(f, x + 2, y, w - 4, 1, gfx_mix(PADDLE_COLOR, 0xffffff, 140));
}

static void draw_balls(struct fb *f, const struct game *g, int ox, int oy) {
  for (int i = 0; i < MAX_BALLS; i++) {
    const struct ball *b = &g->balls[i];
    if (!b->alive)
      continue;
    int x = (int)(b->x + 0.5f) + ox, y = (int)(b->y + 0.5f) + oy;
    for (int dy = -BALL_GLOW_RADIUS; dy <= BALL_GLOW_RADIUS; dy++)
      for (int dx = -BALL_GLOW_RADIUS; dx <= BALL_GLOW_RADIUS; dx++) {
        int d2 = dx * dx + dy * dy;
        int r2 = BALL_GLOW_RADIUS * BALL_GLOW_RADIUS;
        if (d2 <= r2)
          gfx_blend(f, x + dx, y + dy, BALL_GLOW, 150 - 150 * d2 / (r2 + 1));
      }
    gfx_disc(f, x, y, BALL_RADIUS, BALL_COLOR);
  }
}

static void draw_powerups(struct fb *f, const struct game *g, int ox,
                          int oy) {
  for (int i = 0; i < MAX_POWERUPS; i++) {
    const struct powerup *p = &g->powerups[i];
    if (!p->alive)
      continue;
    int x = (int)(p->x + 0.5f) - 7 + ox, y = (int)(p->y + 0.5f) - 5 + oy;
    uint32_t c = POWERUP_COLORS[p->kind % POWERUP_KINDS];
    gfx_fill(f, x + 1, y, 12, 9, c);
    gfx_fill(f, x, y + 1, 14, 7, c);
    char s[2] = {POWERUP_LETTERS[p->kind % POWERUP_KINDS], 0};
    gfx_text(f, x + 5, y + 1, 1, 0x000000, s);
  }
}

static void draw_particles(struct fb *f, const struct game *g, int ox,
                           int oy) {
  for (int i = 0; i < g->nparticles; i++) {
    const struct particle *p = &g->particles[i];
    int alpha = 255 * p->life / (p->max_life ? p->max_life : 1);
    int x = (int)(p->x + 0.5f) + ox, y = (int)(p->y + 0.5f) + oy;
    uint32_t c = tint_color(p->tint);
    if (p->life * 2 > p->max_life) /* big while fresh */
      gfx_fill_blend(f, x, y, 2, 2, c, alpha);
    else
      gfx_blend(f, x, y, c, alpha);
  }
}

static void draw_hud(struct fb *f, const struct game *g) {
  char s[48];
  gfx_fill(f, 0, 0, f->w, FIELD_TOP - 1, HUD_BG);
  gfx_fill(f, 0, FIELD_TOP - 1, f->w, 1, gfx_mix(HUD_BG, PADDLE_COLOR, 90));
  snprintf(s, sizeof s, "SCORE %06d", g->score);
  gfx_text(f, 3, 3, 1, HUD_TEXT, s);
  snprintf(s, sizeof s, "LEVEL %d", g->level);
  gfx_text(f, 90, 3, 1, HUD_TEXT, s);
  snprintf(s, sizeof s, "BEST %06d", g->best);
  gfx_text(f, 144, 3, 1, HUD_DIM, s);
  int x = 216;
  if (g->autoplay)
    gfx_text(f, x, 3, 1, GOLD_COLOR, "AUTO");
  if (g->slow_ticks)
    gfx_text(f, x + 30, 3, 1, POWERUP_COLORS[POWERUP_SLOW], "S");
  if (g->paddle.wide_ticks)
    gfx_text(f, x + 38, 3, 1, POWERUP_COLORS[POWERUP_WIDE], "W");
  for (int i = 0; i < g->lives && i < 6; i++)
    gfx_fill(f, f->w - 10 - i * 10, 5, 8, 3, PADDLE_COLOR);
}

static void banner(struct fb *f, const char *big, const char *small) {
  int y = 140;
  gfx_fill_blend(f, 0, y - 6, f->w, 34, 0x000000, 140);
  gfx_text(f, (f->w - gfx_text_width(big, 2)) / 2, y, 2, BANNER_COLOR, big);
  if (small)
    gfx_text(f, (f->w - gfx_text_width(small, 1)) / 2, y + 18, 1, HUD_TEXT,
             small);
}

void render_frame(struct fb *f, const struct game *g) {
  /* Screen shake: a fixed pattern of the frame number, so a run draws
   * the same pixels every time. */
  int ox = 0, oy = 0;
  if (g->shake) {
    ox = ((int)(g->frame * 7 % 5) - 2) * SHAKE_PIXELS / 2;
    oy = ((int)(g->frame * 3 % 5) - 2) * SHAKE_PIXELS / 2;
  }
  gfx_vgradient(f, FIELD_TOP, f->h - FIELD_TOP, BG_TOP, BG_BOTTOM);
  draw_bricks(f, g, ox, oy);
  draw_powerups(f, g, ox, oy);
  draw_particles(f, g, ox, oy);
  draw_paddle(f, g, ox, oy);
  draw_balls(f, g, ox, oy);
  draw_hud(f, g);

  char s[48];
  if (g->paused) {
    banner(f, "PAUSED", "P TO GO ON");
  } else if (g->phase == PHASE_SERVE && g->phase_ticks < 120) {
    snprintf(s, sizeof s, "LEVEL %d", g->level);
    banner(f, s, g->autoplay ? "AUTOPLAY - TAB TO PLAY" : "SPACE TO LAUNCH");
  } else if (g->phase == PHASE_CLEARED) {
    banner(f, "LEVEL CLEAR!", NULL);
  } else if (g->phase == PHASE_OVER) {
    snprintf(s, sizeof s, "FINAL SCORE %d", g->score);
    banner(f, "GAME OVER", s);
  }
}
