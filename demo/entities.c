/*
 * entities.c - how the paddle, the balls, the bricks and the power-ups
 * move and collide.  The rules around them (score, lives, levels) are in
 * game.c; what they look like is in render.c.
 */
#include <math.h>
#include <string.h>

#include "game.h"

/* Sizes and speeds, in pixels and pixels per frame. */
static const float PADDLE_W = 36.0f;
static const float PADDLE_WIDE_W = 58.0f;
static const float PADDLE_SPEED = 4.0f;
static const float BALL_R = 2.0f;
static const float BALL_BASE_SPEED = 2.6f;
static const float BALL_SPEED_PER_LEVEL = 0.3f;
static const float BALL_MAX_SPEED = 4.6f;
static const float SLOW_FACTOR = 0.6f;
static const float POWERUP_FALL = 1.0f;
static const int POWERUP_W = 12, POWERUP_H = 6;
/* The steepest bounce off the paddle's edge, as a share of the speed. */
static const float PADDLE_ANGLE = 0.85f;

void brick_rect(int row, int col, int *x, int *y) {
  *x = BRICK_LEFT + col * (BRICK_W + BRICK_GAP);
  *y = BRICK_TOP + row * (BRICK_H + BRICK_GAP);
}

float paddle_width(const struct game *g) {
  return g->paddle.wide_ticks > 0 ? PADDLE_WIDE_W : PADDLE_W;
}

static float ball_speed(const struct game *g) {
  float s = BALL_BASE_SPEED + BALL_SPEED_PER_LEVEL * (float)(g->level - 1);
  return s < BALL_MAX_SPEED ? s : BALL_MAX_SPEED;
}

void paddle_step(struct game *g, const struct input *in) {
  struct paddle *p = &g->paddle;
  if (in->left)
    p->x -= PADDLE_SPEED;
  if (in->right)
    p->x += PADDLE_SPEED;
  /* The width eases towards its target, so a power-up grows it visibly. */
  float target = paddle_width(g);
  p->w += (target - p->w) * 0.2f;
  if (fabsf(target - p->w) < 0.05f)
    p->w = target;
  float half = p->w / 2;
  if (p->x < half)
    p->x = half;
  if (p->x > SCREEN_W - half)
    p->x = SCREEN_W - half;
}

/* One ball, resting on the paddle until launched. */
void ball_serve(struct game *g) {
  memset(g->balls, 0, sizeof g->balls);
  struct ball *b = &g->balls[0];
  b->alive = 1;
  b->x = g->paddle.x;
  b->y = PADDLE_Y - BALL_R - 1;
}

void ball_launch(struct game *g) {
  struct ball *b = &g->balls[0];
  float s = ball_speed(g);
  b->vx = s * (rng_float(&g->rng) - 0.5f);
  b->vy = -sqrtf(s * s - b->vx * b->vx);
}

int balls_alive(const struct game *g) {
  int n = 0;
  for (int i = 0; i < MAX_BALLS; i++)
    n += g->balls[i].alive != 0;
  return n;
}

static int overlaps_brick(float x, float y, int row, int col) {
  int bx, by;
  brick_rect(row, col, &bx, &by);
  return x + BALL_R > (float)bx && x - BALL_R < (float)(bx + BRICK_W) &&
         y + BALL_R > (float)by && y - BALL_R < (float)(by + BRICK_H);
}

/* Hit every brick the ball at (x, y) overlaps; nonzero if there was one. */
static int collide_bricks(struct game *g, float x, float y) {
  int hit = 0;
  for (int r = 0; r < BRICK_ROWS; r++)
    for (int c = 0; c < BRICK_COLS; c++)
      if (g->bricks[r][c].kind != BRICK_NONE && overlaps_brick(x, y, r, c)) {
        brick_hit(g, r, c, 0);
        hit = 1;
      }
  return hit;
}

static void bounce_paddle(struct game *g, struct ball *b) {
  float half = g->paddle.w / 2;
  float off = (b->x - g->paddle.x) / half;
  if (off < -1)
    off = -1;
  if (off > 1)
    off = 1;
  float s = ball_speed(g);
  b->vx = s * off * PADDLE_ANGLE;
  b->vy = -sqrtf(s * s - b->vx * b->vx);
  b->y = PADDLE_Y - BALL_R;
  g->combo = 0;
  /* The autoplayer aims somewhere else next time; drawn here whether or
   * not it plays, so that the toggle does not change the sequence. */
  g->ai_aim = rng_float(&g->rng) * 1.6f - 0.8f;
  particles_spark(g, b->x, (float)PADDLE_Y, TINT_SPARK);
}

static void ball_step(struct game *g, struct ball *b) {
  float k = g->slow_ticks > 0 ? SLOW_FACTOR : 1.0f;
  float dx = b->vx * k, dy = b->vy * k;
  /* Steps of at most one ball radius, so that no brick is tunnelled. */
  float m = fabsf(dx) > fabsf(dy) ? fabsf(dx) : fabsf(dy);
  int n = (int)(m / BALL_R) + 1;
  dx /= (float)n;
  dy /= (float)n;
  for (int i = 0; i < n && b->alive; i++) {
    /* One axis at a time: a hit while moving along x flips vx, along y
     * flips vy, which is all the physics a breakout needs. */
    b->x += dx;
    if (collide_bricks(g, b->x, b->y)) {
      b->x -= dx;
      b->vx = -b->vx;
      dx = -dx;
    }
    b->y += dy;
    if (collide_bricks(g, b->x, b->y)) {
      b->y -= dy;
      b->vy = -b->vy;
      dy = -dy;
    }
    if (b->x < BALL_R) {
      b->x = BALL_R;
      b->vx = fabsf(b->vx);
      dx = fabsf(dx);
    } else if (b->x > SCREEN_W - BALL_R) {
      b->x = SCREEN_W - BALL_R;
      b->vx = -fabsf(b->vx);
      dx = -fabsf(dx);
    }
    if (b->y < FIELD_TOP + BALL_R) {
      b->y = FIELD_TOP + BALL_R;
      b->vy = fabsf(b->vy);
      dy = fabsf(dy);
    }
    float half = g->paddle.w / 2 + BALL_R;
    if (b->vy > 0 && b->y + BALL_R >= PADDLE_Y &&
        b->y + BALL_R <= PADDLE_Y + PADDLE_H + dy &&
        b->x >= g->paddle.x - half && b->x <= g->paddle.x + half) {
      bounce_paddle(g, b);
      return;
    }
    if (b->y > SCREEN_H + BALL_R)
      b->alive = 0;
  }
}

void balls_step(struct game *g) {
  for (int i = 0; i < MAX_BALLS; i++)
    if (g->balls[i].alive)
      ball_step(g, &g->balls[i]);
}

/* Every ball splits in three, the new ones turned 25 degrees each way. */
static void balls_split(struct game *g) {
  static const float C = 0.906308f, S = 0.422618f; /* cos, sin 25 deg */
  int src[MAX_BALLS], n = 0;
  for (int i = 0; i < MAX_BALLS; i++)
    if (g->balls[i].alive)
      src[n++] = i; /* only the balls there before the split */
  for (int k = 0; k < n; k++) {
    struct ball b = g->balls[src[k]];
    for (int turn = -1; turn <= 1; turn += 2) {
      int j = 0;
      while (j < MAX_BALLS && g->balls[j].alive)
        j++;
      if (j == MAX_BALLS)
        return;
      struct ball *nb = &g->balls[j];
      *nb = b;
      nb->vx = b.vx * C - b.vy * S * (float)turn;
      nb->vy = b.vx * S * (float)turn + b.vy * C;
      if (nb->vy > -0.5f && nb->vy < 0.5f)
        nb->vy = nb->vy < 0 ? -0.5f : 0.5f; /* never one crawling sideways */
    }
  }
}

void bricks_build(struct game *g) {
  memset(g->bricks, 0, sizeof g->bricks);
  int pattern = (g->level - 1) % 4;
  int hard_hp = g->level >= 5 ? 3 : 2;
  for (int r = 0; r < BRICK_ROWS; r++) {
    for (int c = 0; c < BRICK_COLS; c++) {
      int on = 0;
      switch (pattern) {
      case 0: /* a wall */
        on = r >= 1 && r < 7;
        break;
      case 1: /* a funnel, narrower at the bottom */
        on = c >= r && c < BRICK_COLS - r;
        break;
      case 2: /* a checkerboard */
        on = (r + c) % 2 == 0;
        break;
      default: /* scattered */
        on = rng_range(&g->rng, 0, 99) < 65;
        break;
      }
      struct brick *b = &g->bricks[r][c];
      b->row = (uint8_t)r;
      if (!on)
        continue;
      b->kind = BRICK_NORMAL;
      b->hp = 1;
      int roll = rng_range(&g->rng, 0, 99);
      if (roll < 4 + 3 * g->level) {
        b->kind = BRICK_HARD;
        b->hp = (uint8_t)hard_hp;
      } else if (g->level >= 2 && r == 6 && roll >= 80) {
        b->kind = BRICK_STEEL;
      }
    }
  }
  /* A few bombs, on bricks that are there. */
  int bombs = g->level < 4 ? g->level + 1 : 5;
  for (int tries = 0; bombs > 0 && tries < 200; tries++) {
    struct brick *b = &g->bricks[rng_range(&g->rng, 0, BRICK_ROWS - 1)]
                                [rng_range(&g->rng, 0, BRICK_COLS - 1)];
    if (b->kind == BRICK_NORMAL) {
      b->kind = BRICK_BOMB;
      bombs--;
    }
  }
  g->bricks_left = 0;
  for (int r = 0; r < BRICK_ROWS; r++)
    for (int c = 0; c < BRICK_COLS; c++)
      g->bricks_left += g->bricks[r][c].kind != BRICK_NONE &&
                        g->bricks[r][c].kind != BRICK_STEEL;
}

void brick_hit(struct game *g, int row, int col, int depth) {
  if (row < 0 || col < 0 || row >= BRICK_ROWS || col >= BRICK_COLS)
    return;
  struct brick *b = &g->bricks[row][col];
  int x, y;
  brick_rect(row, col, &x, &y);
  float cx = (float)x + BRICK_W / 2.0f, cy = (float)y + BRICK_H / 2.0f;
  if (b->kind == BRICK_NONE)
    return;
  b->flash = 6;
  if (b->kind == BRICK_STEEL) {
    particles_spark(g, cx, cy, TINT_STEEL);
    return;
  }
  if (b->hp > 1 && depth == 0) {
    b->hp--;
    game_add_score(g, 5);
    particles_spark(g, cx, cy, TINT_HARD);
    return;
  }
  int kind = b->kind;
  b->kind = BRICK_NONE;
  b->hp = 0;
  game_brick_broken(g, row, col, kind);
  if (kind == BRICK_BOMB && depth < 3) {
    /* Bombs take their neighbours with them, and chain. */
    for (int dr = -1; dr <= 1; dr++)
      for (int dc = -1; dc <= 1; dc++)
        if (dr || dc)
          brick_hit(g, row + dr, col + dc, depth + 1);
  }
}

void powerup_drop(struct game *g, float x, float y) {
  for (int i = 0; i < MAX_POWERUPS; i++) {
    struct powerup *p = &g->powerups[i];
    if (p->alive)
      continue;
    int roll = rng_range(&g->rng, 0, 99);
    p->kind = roll < 35   ? POWERUP_WIDE
              : roll < 65 ? POWERUP_MULTI
              : roll < 90 ? POWERUP_SLOW
                          : POWERUP_LIFE;
    p->x = x;
    p->y = y;
    p->vy = POWERUP_FALL;
    p->alive = 1;
    return;
  }
}

void powerups_step(struct game *g) {
  float half = g->paddle.w / 2;
  for (int i = 0; i < MAX_POWERUPS; i++) {
    struct powerup *p = &g->powerups[i];
    if (!p->alive)
      continue;
    p->y += p->vy;
    if (p->y + POWERUP_H / 2.0f >= PADDLE_Y &&
        p->y - POWERUP_H / 2.0f <= PADDLE_Y + PADDLE_H &&
        p->x + POWERUP_W / 2.0f >= g->paddle.x - half &&
        p->x - POWERUP_W / 2.0f <= g->paddle.x + half) {
      p->alive = 0;
      if (p->kind == POWERUP_MULTI)
        balls_split(g);
      game_powerup_caught(g, p->kind);
    } else if (p->y > SCREEN_H + POWERUP_H) {
      p->alive = 0;
    }
  }
}
