/*
 * game.c - the rules: score, lives, levels, the phases of a game, and the
 * autoplayer.  Owns the game's only state, `game`, so that reloading this
 * object or any other keeps the score and the positions: the reloader
 * keeps a variable whose size did not change.
 */
#include <string.h>

#include "game.h"

static struct game game;

static const int START_LIVES = 3;
static const int MAX_LIVES = 6;
static const int SERVE_AUTOLAUNCH = 40;     /* frames before autoplay serves */
static const int CLEARED_PAUSE = 90;        /* frames between levels */
static const int OVER_PAUSE = 150;          /* frames before a new game */
static const int POWERUP_CHANCE = 14;       /* percent, per broken brick */
static const int WIDE_TICKS = 10 * TICKS_PER_SECOND;
static const int SLOW_TICKS = 8 * TICKS_PER_SECOND;

const struct game *game_state(void) { return &game; }

static void start_level(struct game *g) {
  bricks_build(g);
  memset(g->powerups, 0, sizeof g->powerups);
  g->paddle.x = SCREEN_W / 2.0f;
  g->paddle.wide_ticks = 0;
  g->slow_ticks = 0;
  g->combo = 0;
  ball_serve(g);
  g->phase = PHASE_SERVE;
  g->phase_ticks = 0;
}

static void new_game(struct game *g) {
  g->score = 0;
  g->level = 1;
  g->lives = START_LIVES;
  g->paddle.wide_ticks = 0;
  g->paddle.w = paddle_width(g);
  start_level(g);
}

void game_init(uint64_t seed, int autoplay) {
  struct game *g = &game;
  memset(g, 0, sizeof *g);
  g->seed = seed;
  rng_seed(&g->rng, seed);
  g->autoplay = autoplay;
  new_game(g);
}

void game_add_score(struct game *g, int points) {
  g->score += points;
  if (g->score > g->best)
    g->best = g->score;
}

void game_brick_broken(struct game *g, int row, int col, int kind) {
  int x, y;
  brick_rect(row, col, &x, &y);
  float cx = (float)x + BRICK_W / 2.0f, cy = (float)y + BRICK_H / 2.0f;
  /* Higher rows are worth more; a run of bricks without touching the
   * paddle multiplies. */
  int points = kind == BRICK_HARD   ? 30
               : kind == BRICK_BOMB ? 25
                                    : 10 + 2 * (BRICK_ROWS - 1 - row);
  g->combo++;
  game_add_score(g, points * (1 + g->combo / 4));
  g->bricks_left--;
  g->bricks_broken++;
  if (kind == BRICK_BOMB) {
    g->shake = 12;
    particles_burst(g, cx, cy, 40, 3.0f, TINT_FIRE);
  } else {
    particles_burst(g, cx, cy, 12, 1.6f,
                    kind == BRICK_HARD ? TINT_HARD : TINT_ROW0 + row);
  }
  if (rng_range(&g->rng, 0, 99) < POWERUP_CHANCE)
    powerup_drop(g, cx, cy);
}

void game_powerup_caught(struct game *g, int kind) {
  game_add_score(g, 50);
  switch (kind) {
  case POWERUP_WIDE:
    g->paddle.wide_ticks = WIDE_TICKS;
    break;
  case POWERUP_SLOW:
    g->slow_ticks = SLOW_TICKS;
    break;
  case POWERUP_LIFE:
    if (g->lives < MAX_LIVES)
      g->lives++;
    break;
  default: /* POWERUP_MULTI: entities.c split the balls */
    break;
  }
  particles_burst(g, g->paddle.x, (float)PADDLE_Y, 16, 1.4f, TINT_GOLD);
}

/* Where a ball will cross the paddle's line, bouncing off the side walls. */
static float predict_x(const struct ball *b) {
  if (b->vy <= 0)
    return b->x;
  float x = b->x + b->vx * ((float)PADDLE_Y - b->y) / b->vy;
  const float lo = 2.0f, hi = SCREEN_W - 2.0f;
  for (int i = 0; i < 16 && (x < lo || x > hi); i++)
    x = x < lo ? 2 * lo - x : 2 * hi - x;
  return x;
}

/* The autoplayer: follow the ball that will arrive first, hitting it off
 * centre by ai_aim so that it does not bounce straight up forever; chase a
 * power-up when no ball is coming down. */
static void autoplay(const struct game *g, struct input *in) {
  const struct ball *best = NULL;
  for (int i = 0; i < MAX_BALLS; i++) {
    const struct ball *b = &g->balls[i];
    if (!b->alive)
      continue;
    if (!best || (b->vy > 0 && (best->vy <= 0 || b->y > best->y)))
      best = b;
  }
  float target = SCREEN_W / 2.0f;
  if (g->phase == PHASE_SERVE) {
    target = SCREEN_W / 2.0f + g->ai_aim * 60.0f;
    in->launch = g->phase_ticks >= SERVE_AUTOLAUNCH;
  } else if (best && best->vy > 0) {
    target = predict_x(best) - g->ai_aim * g->paddle.w * 0.35f;
  } else {
    const struct powerup *p = NULL;
    for (int i = 0; i < MAX_POWERUPS; i++)
      if (g->powerups[i].alive && (!p || g->powerups[i].y > p->y))
        p = &g->powerups[i];
    target = p ? p->x : best ? best->x : target;
  }
  in->left = target < g->paddle.x - 2.0f;
  in->right = target > g->paddle.x + 2.0f;
}

static void tick_timers(struct game *g) {
  for (int r = 0; r < BRICK_ROWS; r++)
    for (int c = 0; c < BRICK_COLS; c++)
      if (g->bricks[r][c].flash)
        g->bricks[r][c].flash--;
  if (g->shake)
    g->shake--;
  if (g->slow_ticks)
    g->slow_ticks--;
  if (g->paddle.wide_ticks)
    g->paddle.wide_ticks--;
}

void game_update(const struct input *user) {
  struct game *g = &game;
  g->frame++;
  if (user->toggle_auto)
    g->autoplay = !g->autoplay;
  if (user->pause)
    g->paused = !g->paused;
  if (g->paused)
    return;
  struct input in = *user;
  if (g->autoplay) {
    memset(&in, 0, sizeof in);
    autoplay(g, &in);
  }
  tick_timers(g);
  g->phase_ticks++;
  switch (g->phase) {
  case PHASE_SERVE:
    paddle_step(g, &in);
    g->balls[0].x = g->paddle.x;
    if (in.launch) {
      ball_launch(g);
      g->phase = PHASE_PLAY;
      g->phase_ticks = 0;
    }
    break;
  case PHASE_PLAY:
    paddle_step(g, &in);
    balls_step(g);
    powerups_step(g);
    if (g->bricks_left <= 0) {
      game_add_score(g, 100 * g->level);
      particles_burst(g, SCREEN_W / 2.0f, SCREEN_H / 2.0f, 60, 2.5f,
                      TINT_GOLD);
      memset(g->balls, 0, sizeof g->balls);
      g->phase = PHASE_CLEARED;
      g->phase_ticks = 0;
    } else if (!balls_alive(g)) {
      g->lives--;
      g->shake = 8;
      if (g->lives <= 0) {
        g->phase = PHASE_OVER;
        g->phase_ticks = 0;
      } else {
        memset(g->powerups, 0, sizeof g->powerups);
        g->paddle.wide_ticks = 0;
        g->slow_ticks = 0;
        ball_serve(g);
        g->phase = PHASE_SERVE;
        g->phase_ticks = 0;
      }
    }
    break;
  case PHASE_CLEARED:
    paddle_step(g, &in);
    if (g->phase_ticks >= CLEARED_PAUSE) {
      g->level++;
      start_level(g);
    }
    break;
  default: /* PHASE_OVER */
    if (g->phase_ticks >= OVER_PAUSE || (in.launch && g->phase_ticks > 30))
      new_game(g);
    break;
  }
  particles_step(g);
}
