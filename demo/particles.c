/*
 * particles.c - debris and sparks.  They live in the game struct and use
 * the game's generator, so they are as reproducible as the rest.
 */
#include "game.h"

/* Pixels per frame squared, pulling debris down. */
static const float GRAVITY = 0.06f;
/* Velocity kept per frame. */
static const float DRAG = 0.985f;

static void emit(struct game *g, float x, float y, float vx, float vy,
                 int life, int tint) {
  if (g->nparticles >= MAX_PARTICLES)
    return; /* a full pool drops new particles, never old ones */
  struct particle *p = &g->particles[g->nparticles++];
  p->x = x;
  p->y = y;
  p->vx = vx;
  p->vy = vy;
  p->life = p->max_life = life;
  p->tint = tint;
}

void particles_burst(struct game *g, float x, float y, int n, float speed,
                     int tint) {
  for (int i = 0; i < n; i++) {
    /* A direction inside the unit square, rejected outside the circle,
     * so that bursts are round without sin/cos. */
    float dx, dy;
    do {
      dx = rng_float(&g->rng) * 2.0f - 1.0f;
      dy = rng_float(&g->rng) * 2.0f - 1.0f;
    } while (dx * dx + dy * dy > 1.0f);
    float s = speed * (0.3f + 0.7f * rng_float(&g->rng));
    emit(g, x, y, dx * s, dy * s - speed * 0.3f, rng_range(&g->rng, 20, 45),
         tint);
  }
}

void particles_spark(struct game *g, float x, float y, int tint) {
  for (int i = 0; i < 4; i++)
    emit(g, x, y, (rng_float(&g->rng) - 0.5f) * 2.0f,
         -1.0f - rng_float(&g->rng), rng_range(&g->rng, 8, 16), tint);
}

void particles_step(struct game *g) {
  int n = 0;
  for (int i = 0; i < g->nparticles; i++) {
    struct particle p = g->particles[i];
    if (--p.life <= 0 || p.y > SCREEN_H)
      continue;
    p.vy += GRAVITY;
    p.vx *= DRAG;
    p.vy *= DRAG;
    p.x += p.vx;
    p.y += p.vy;
    g->particles[n++] = p; /* compact in order: deterministic */
  }
  g->nparticles = n;
}
