/*
 * game.h - the state of the demo game (a breakout) and the functions of
 * the objects that work on it.
 *
 * Objects and their one job each:
 *   main.c       platform: options, SDL window and input, the frame loop,
 *                screenshots and state dumps
 *   game.c       game logic: the one state struct, rules, levels, autoplay
 *   entities.c   the paddle, balls, bricks and power-ups
 *   particles.c  sparks and debris
 *   rng.c        the seedable random number generator
 *   render.c     what the game looks like: colours, sizes, layout of the HUD
 *   gfx.c        drawing primitives and the built-in bitmap font
 *
 * All the game's state lives in one struct, owned by game.c.  It holds no
 * pointers, only numbers and indices, so that reloading any object (which
 * keeps variables whose size did not change) keeps the game going, and so
 * that a run is reproducible from its seed.
 */
#ifndef DEMO_GAME_H
#define DEMO_GAME_H

#include <stdint.h>

/* The logical screen; the window scales it up. */
#define SCREEN_W 320
#define SCREEN_H 240

/* The playfield below the HUD line. */
#define FIELD_TOP 14
#define PADDLE_Y 222
#define PADDLE_H 5

#define BRICK_COLS 14
#define BRICK_ROWS 8
#define BRICK_W 20
#define BRICK_H 8
#define BRICK_GAP 2
#define BRICK_LEFT 6
#define BRICK_TOP 30

#define MAX_BALLS 8
#define MAX_POWERUPS 8
#define MAX_PARTICLES 512

/* Frames per second of the fixed timestep. */
#define TICKS_PER_SECOND 60

enum brick_kind {
  BRICK_NONE = 0,
  BRICK_NORMAL, /* one hit */
  BRICK_HARD,   /* two or three hits */
  BRICK_STEEL,  /* unbreakable; not needed to clear a level */
  BRICK_BOMB    /* breaks its neighbours too */
};

enum powerup_kind {
  POWERUP_WIDE = 0, /* a wider paddle for a while */
  POWERUP_MULTI,    /* every ball splits in three */
  POWERUP_SLOW,     /* slower balls for a while */
  POWERUP_LIFE,     /* one more life */
  POWERUP_KINDS
};

enum phase {
  PHASE_SERVE = 0, /* the ball sits on the paddle */
  PHASE_PLAY,
  PHASE_CLEARED, /* level cleared: a short pause */
  PHASE_OVER     /* game over: a pause, then a new game */
};

struct rng {
  uint64_t s;
};

struct ball {
  float x, y, vx, vy;
  int alive;
};

struct brick {
  uint8_t kind; /* enum brick_kind */
  uint8_t hp;
  uint8_t flash; /* frames of the hit flash left */
  uint8_t row;
};

struct powerup {
  float x, y, vy;
  int kind; /* enum powerup_kind */
  int alive;
};

/* What colour something is drawn in: render.c maps these to RGB, so that
 * recolouring a brick row there recolours its debris too. */
enum tint {
  TINT_ROW0 = 0, /* ... TINT_ROW0 + BRICK_ROWS - 1: the rows of bricks */
  TINT_HARD = BRICK_ROWS,
  TINT_STEEL,
  TINT_FIRE,
  TINT_SPARK,
  TINT_GOLD,
  TINT_COUNT
};

struct particle {
  float x, y, vx, vy;
  int life, max_life; /* frames */
  int tint;           /* enum tint */
};

struct paddle {
  float x;      /* centre */
  float w;      /* current width; eases towards the target */
  int wide_ticks;
};

struct input {
  int left, right;  /* held */
  int launch;       /* pressed this frame */
  int pause;        /* pressed this frame */
  int toggle_auto;  /* pressed this frame */
};

struct game {
  uint64_t frame; /* updates since the start */
  uint64_t seed;
  struct rng rng;
  int score, best, level, lives;
  int phase; /* enum phase */
  int phase_ticks;
  int paused, autoplay;
  int combo;      /* bricks broken since the paddle was last touched */
  int slow_ticks; /* frames of slow balls left */
  int shake;      /* frames of screen shake left */
  float ai_aim;   /* where on the paddle the autoplayer hits, -1..1 */
  int bricks_left;
  int bricks_broken;
  struct paddle paddle;
  struct ball balls[MAX_BALLS];
  struct brick bricks[BRICK_ROWS][BRICK_COLS];
  struct powerup powerups[MAX_POWERUPS];
  struct particle particles[MAX_PARTICLES];
  int nparticles;
};

/* game.c */
void game_init(uint64_t seed, int autoplay);
void game_update(const struct input *in);
const struct game *game_state(void);

/* Scoring and events, for entities.c. */
void game_add_score(struct game *g, int points);
void game_brick_broken(struct game *g, int row, int col, int kind);
void game_powerup_caught(struct game *g, int kind);

/* entities.c */
float paddle_width(const struct game *g);
void paddle_step(struct game *g, const struct input *in);
void ball_serve(struct game *g);
void ball_launch(struct game *g);
void balls_step(struct game *g);
int balls_alive(const struct game *g);
void bricks_build(struct game *g);
void brick_hit(struct game *g, int row, int col, int depth);
void brick_rect(int row, int col, int *x, int *y);
void powerup_drop(struct game *g, float x, float y);
void powerups_step(struct game *g);

/* particles.c */
void particles_burst(struct game *g, float x, float y, int n, float speed,
                     int tint);
void particles_spark(struct game *g, float x, float y, int tint);
void particles_step(struct game *g);

/* rng.c */
void rng_seed(struct rng *r, uint64_t seed);
uint32_t rng_next(struct rng *r);
int rng_range(struct rng *r, int lo, int hi); /* lo..hi inclusive */
float rng_float(struct rng *r);               /* [0, 1) */

#endif
