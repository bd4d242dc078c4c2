/*
 * main.c - the platform: options, the SDL window and keyboard, the frame
 * loop, screenshots and state dumps.
 *
 * The loop runs one fixed step of the game per frame and draws it into a
 * framebuffer of our own (gfx.c), which SDL only shows.  Screenshots are
 * written from that buffer, so a run's pixels depend on nothing but the
 * seed and the frame count: not on the video driver, the renderer or the
 * window size, and not on whether the game is linked natively or hosted
 * by reloadd.
 *
 * --state-every N FILE appends the state dump to FILE every N frames (and
 * rewrites the --shot screenshot then), so that a test can watch a run
 * that goes on across reloads: tests/demo/live_edit.py.
 *
 * Under reloadd, reload_safepoint() once per frame is where new versions
 * of the objects come in, and the update and the drawing run under
 * reload_guard(): a crash in freshly reloaded code is rolled back by the
 * reloader, and the game goes on with a notice on screen.  Linked
 * natively, the two are a no-op and a plain call.
 */
#define SDL_MAIN_HANDLED
#include <SDL.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "game.h"
#include "gfx.h"
#include "reload.h"
#include "render.h"

struct options {
  long long frames; /* < 0: until the window is closed */
  uint64_t seed;
  const char *shot, *state, *timing;
  int autoplay, scale;
  long long every;       /* --state-every: frames between dumps; 0: none */
  const char *state_log; /* --state-every: the file the dumps go to */
};

static uint32_t pixels[SCREEN_W * SCREEN_H];
static struct fb screen = {pixels, SCREEN_W, SCREEN_H};

static SDL_Window *window;
static SDL_Renderer *renderer;
static SDL_Texture *texture;

/* The crash notice: what crashed, and for how many more frames to say so. */
static char notice[64];
static int notice_ticks;
static unsigned crashes;

/* Times main() was entered.  Under `reloadd CONFIG.ini` with [reload]
 * guard = true, a crash outside the guards below rolls the faulting code
 * back and calls main() again: then the game, the window and the score
 * carry on instead of starting over. */
static int entered;

/* --timing: when each frame began and how long it took, kept in memory and
 * written at the end, so that measuring costs the frames nothing but two
 * clock reads.  For tests/bench/demo_frames. */
struct frame_time {
  struct timespec start;
  double ms;
};
static struct frame_time *times;
static size_t ntimes, cap_times;

static void note_frame(const struct timespec *start,
                       const struct timespec *end) {
  if (ntimes == cap_times) {
    size_t cap = cap_times ? 2 * cap_times : 4096;
    struct frame_time *t = realloc(times, cap * sizeof *t);
    if (!t)
      return;
    times = t;
    cap_times = cap;
  }
  times[ntimes].start = *start;
  times[ntimes].ms = (double)(end->tv_sec - start->tv_sec) * 1e3 +
                     (double)(end->tv_nsec - start->tv_nsec) / 1e6;
  ntimes++;
}

/* One line a frame: its start on CLOCK_MONOTONIC in seconds, and its
 * duration in milliseconds. */
static int save_timing(const char *path) {
  FILE *out = fopen(path, "w");
  if (!out) {
    fprintf(stderr, "demo: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  fputs("# start_s frame_ms\n", out);
  for (size_t i = 0; i < ntimes; i++)
    fprintf(out, "%lld.%09ld %.4f\n", (long long)times[i].start.tv_sec,
            times[i].start.tv_nsec, times[i].ms);
  if (fclose(out) != 0) {
    fprintf(stderr, "demo: cannot write %s\n", path);
    return -1;
  }
  return 0;
}

static void usage(FILE *to) {
  fputs("usage: demo [--frames N] [--shot FILE.bmp] [--state FILE] [--seed S]\n"
        "            [--autoplay] [--scale N] [--timing FILE]\n"
        "            [--state-every N FILE]\n"
        "  --frames N    quit after N frames (default: run until closed)\n"
        "  --shot FILE   save the last frame as a BMP\n"
        "  --state FILE  write the frame counter, score, level and positions\n"
        "  --seed S      seed of the game's random numbers (default 1)\n"
        "  --autoplay    let the computer play (always on without a display)\n"
        "  --scale N     window size as a multiple of 320x240 (default 3)\n"
        "  --timing FILE write each frame's start and duration (ms), for\n"
        "                benchmarks\n"
        "  --state-every N FILE  every N frames, append the state to FILE\n"
        "                and rewrite the --shot file, to watch a long run\n"
        "keys: left/right or A/D move, space launches, P pauses,\n"
        "      Tab toggles autoplay, Esc quits\n",
        to);
}

/* A whole number in [lo, hi]; -1 when it is not one. */
static int number(const char *s, long long lo, long long hi,
                  long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

static int parse(int argc, char **argv, struct options *o) {
  o->frames = -1;
  o->seed = 1;
  o->scale = 3;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--state-every") == 0) {
      long long n;
      if (i + 2 >= argc || number(argv[i + 1], 1, 1000000000LL, &n)) {
        fprintf(stderr, "demo: --state-every needs a number >= 1 and a "
                        "file\n");
        return 2;
      }
      o->every = n;
      o->state_log = argv[i + 2];
      i += 2;
      continue;
    }
    const char *names[] = {"--frames", "--shot", "--state", "--seed",
                           "--scale", "--timing"};
    const char *val = NULL;
    int which = -1;
    for (int k = 0; k < 6; k++) {
      size_t n = strlen(names[k]);
      if (strncmp(a, names[k], n) == 0 && (a[n] == '=' || !a[n])) {
        which = k;
        val = a[n] == '=' ? a + n + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!val) {
          fprintf(stderr, "demo: %s needs a value\n", names[k]);
          return 2;
        }
      }
    }
    long long v = 0;
    switch (which) {
    case 0:
      if (number(val, 1, 1000000000LL, &v)) {
        fprintf(stderr, "demo: --frames: '%s' is not a number >= 1\n", val);
        return 2;
      }
      o->frames = v;
      break;
    case 1: o->shot = val; break;
    case 2: o->state = val; break;
    case 3:
      if (number(val, 0, INT64_MAX, &v)) {
        fprintf(stderr, "demo: --seed: '%s' is not a number >= 0\n", val);
        return 2;
      }
      o->seed = (uint64_t)v;
      break;
    case 4:
      if (number(val, 1, 8, &v)) {
        fprintf(stderr, "demo: --scale: '%s' is not in 1..8\n", val);
        return 2;
      }
      o->scale = (int)v;
      break;
    case 5: o->timing = val; break;
    default:
      if (strcmp(a, "--autoplay") == 0) {
        o->autoplay = 1;
      } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        usage(stdout);
        return 1;
      } else {
        fprintf(stderr, "demo: unknown option '%s'\n", a);
        usage(stderr);
        return 2;
      }
    }
  }
  return 0;
}

/* A 24-bit bottom-up BMP, written by hand so that its bytes do not depend
 * on the SDL version. */
static int save_bmp(const char *path, const struct fb *f) {
  FILE *out = fopen(path, "wb");
  if (!out) {
    fprintf(stderr, "demo: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  uint32_t row = ((uint32_t)f->w * 3 + 3) & ~3u;
  uint32_t data = row * (uint32_t)f->h;
  unsigned char h[54] = {'B', 'M'};
  uint32_t fields[][2] = {
      {2, 54 + data}, {10, 54}, {14, 40}, {18, (uint32_t)f->w},
      {22, (uint32_t)f->h}, {34, data}, {38, 2835}, {42, 2835},
  };
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
    for (int b = 0; b < 4; b++)
      h[fields[i][0] + (uint32_t)b] = (unsigned char)(fields[i][1] >> (8 * b));
  h[26] = 1;  /* planes */
  h[28] = 24; /* bits per pixel */
  fwrite(h, 1, sizeof h, out);
  unsigned char *line = calloc(1, row);
  for (int y = f->h - 1; line && y >= 0; y--) {
    for (int x = 0; x < f->w; x++) {
      uint32_t p = f->px[y * f->w + x];
      line[x * 3] = (unsigned char)p;
      line[x * 3 + 1] = (unsigned char)(p >> 8);
      line[x * 3 + 2] = (unsigned char)(p >> 16);
    }
    fwrite(line, 1, row, out);
  }
  free(line);
  if (fclose(out) != 0 || !line) {
    fprintf(stderr, "demo: cannot write %s\n", path);
    return -1;
  }
  return 0;
}

static const char *phase_name(int phase) {
  static const char *const names[] = {"serve", "play", "cleared", "over"};
  return phase >= 0 && phase < 4 ? names[phase] : "?";
}

/* The state as text, one fact per line, for tests to compare; `mode` "a"
 * appends it to what the file holds. */
static int save_state(const char *path, const char *mode) {
  const struct game *g = game_state();
  FILE *out = fopen(path, mode);
  if (!out) {
    fprintf(stderr, "demo: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  fprintf(out, "frame %" PRIu64 "\n", g->frame);
  fprintf(out, "seed %" PRIu64 "\n", g->seed);
  fprintf(out, "score %d\nbest %d\nlevel %d\nlives %d\n", g->score, g->best,
          g->level, g->lives);
  fprintf(out, "phase %s\n", phase_name(g->phase));
  fprintf(out, "bricks_left %d\nbricks_broken %d\n", g->bricks_left,
          g->bricks_broken);
  fprintf(out, "paddle %.3f %.3f\n", (double)g->paddle.x,
          (double)g->paddle.w);
  for (int i = 0; i < MAX_BALLS; i++) {
    const struct ball *b = &g->balls[i];
    if (b->alive)
      fprintf(out, "ball %d %.3f %.3f %.3f %.3f\n", i, (double)b->x,
              (double)b->y, (double)b->vx, (double)b->vy);
  }
  for (int i = 0; i < MAX_POWERUPS; i++) {
    const struct powerup *p = &g->powerups[i];
    if (p->alive)
      fprintf(out, "powerup %d %d %.3f %.3f\n", i, p->kind, (double)p->x,
              (double)p->y);
  }
  fprintf(out, "particles %d\n", g->nparticles);
  /* The wall, one row a line: . none, n normal, h hard, s steel, b bomb. */
  for (int r = 0; r < BRICK_ROWS; r++) {
    char line[BRICK_COLS + 1];
    for (int c = 0; c < BRICK_COLS; c++)
      line[c] = ".nhsb"[g->bricks[r][c].kind % 5];
    line[BRICK_COLS] = 0;
    fprintf(out, "bricks %s\n", line);
  }
  fprintf(out, "crashes %u\n", crashes);
  if (fclose(out) != 0) {
    fprintf(stderr, "demo: cannot write %s\n", path);
    return -1;
  }
  return 0;
}

/* --state-every: the state appended to its file, and the screenshot
 * replaced through a rename, so that a reader never sees half of one.
 * Once per game frame: not again while the game is paused. */
static void dump_every(const struct options *o) {
  static uint64_t last;
  uint64_t frame = game_state()->frame;
  if (frame == last || frame % (uint64_t)o->every != 0)
    return;
  last = frame;
  if (o->shot) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", o->shot) < (int)sizeof tmp &&
        save_bmp(tmp, &screen) == 0 && rename(tmp, o->shot) != 0)
      fprintf(stderr, "demo: cannot rename %s: %s\n", tmp, strerror(errno));
  }
  save_state(o->state_log, "a");
}

static int update_cb(void *in) {
  game_update(in);
  return 0;
}

static int draw_cb(void *unused) {
  (void)unused;
  render_frame(&screen, game_state());
  return 0;
}

static int notice_cb(void *unused) {
  (void)unused;
  int w = gfx_text_width(notice, 1) + 12;
  int x = (screen.w - w) / 2, y = 24;
  gfx_fill(&screen, x, y, w, 15, 0x600010);
  gfx_frame(&screen, x, y, w, 15, 0xff4060);
  gfx_text(&screen, x + 6, y + 4, 1, 0xffffff, notice);
  return 0;
}

/* Run one part of the frame under the crash guard; nonzero if it crashed
 * and the reloader rolled the faulting code back. */
static int guarded(const char *what, int (*fn)(void *), void *arg) {
  /* Crashes logged, and the frame of the last one: code that crashes
   * every frame (with nothing newer to roll back) is logged once a second,
   * not twice a frame. */
  static unsigned logged;
  static uint64_t last_frame;
  if (reload_guard(fn, arg) != RELOAD_ECRASH)
    return 0;
  crashes++;
  notice_ticks = 3 * TICKS_PER_SECOND;
  snprintf(notice, sizeof notice, "%s CRASHED - NEW CODE ROLLED BACK", what);
  uint64_t frame = game_state()->frame;
  if (logged && frame - last_frame < TICKS_PER_SECOND)
    return 1;
  fprintf(stderr,
          "demo: frame %" PRIu64 ": %s crashed in reloaded code; rolled back, "
          "the game goes on (crash %u",
          frame, what, crashes);
  if (crashes - logged > 1)
    fprintf(stderr, ", %u not logged", crashes - logged - 1);
  fputs(")\n", stderr);
  logged = crashes;
  last_frame = frame;
  return 1;
}

static void open_display(const struct options *o, int headless) {
  SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "0");
  /* Nobody sees a headless window: a plain memory framebuffer, not the
   * offscreen driver's default of Mesa's software OpenGL, which costs ten
   * times as much per frame. */
  if (headless)
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  if (!window)
    window = SDL_CreateWindow("reload demo", SDL_WINDOWPOS_CENTERED,
                              SDL_WINDOWPOS_CENTERED, SCREEN_W * o->scale,
                              SCREEN_H * o->scale, SDL_WINDOW_RESIZABLE);
  if (window && !renderer)
    renderer = SDL_CreateRenderer(window, -1,
                                  headless ? SDL_RENDERER_SOFTWARE : 0);
  if (renderer && !texture) {
    SDL_RenderSetLogicalSize(renderer, SCREEN_W, SCREEN_H);
    texture = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_ARGB8888,
                                SDL_TEXTUREACCESS_STREAMING, SCREEN_W,
                                SCREEN_H);
  }
  if (!texture)
    fprintf(stderr, "demo: cannot show the game (%s); running without a "
                    "picture\n",
            SDL_GetError());
}

static void present(void) {
  if (!texture)
    return;
  SDL_UpdateTexture(texture, NULL, pixels, SCREEN_W * 4);
  SDL_SetRenderDrawColor(renderer, 0, 0, 0, 255);
  SDL_RenderClear(renderer);
  SDL_RenderCopy(renderer, texture, NULL, NULL);
  SDL_RenderPresent(renderer);
}

/* Events since the last frame; returns nonzero when asked to quit. */
static int poll_input(struct input *in) {
  memset(in, 0, sizeof *in);
  SDL_Event e;
  while (SDL_PollEvent(&e)) {
    if (e.type == SDL_QUIT)
      return 1;
    if (e.type != SDL_KEYDOWN || e.key.repeat)
      continue;
    switch (e.key.keysym.sym) {
    case SDLK_ESCAPE: return 1;
    case SDLK_SPACE: in->launch = 1; break;
    case SDLK_p: in->pause = 1; break;
    case SDLK_TAB: in->toggle_auto = 1; break;
    default: break;
    }
  }
  const Uint8 *k = SDL_GetKeyboardState(NULL);
  in->left = k[SDL_SCANCODE_LEFT] || k[SDL_SCANCODE_A];
  in->right = k[SDL_SCANCODE_RIGHT] || k[SDL_SCANCODE_D];
  return 0;
}

int main(int argc, char **argv) {
  struct options o = {0};
  int st = parse(argc, argv, &o);
  if (st)
    return st == 1 ? 0 : st;
  int again = entered++ > 0;
  if (again) {
    crashes++;
    fprintf(stderr, "demo: restarted after a crash (crash %u); the game goes "
                    "on\n",
            crashes);
  }

  /* No display and no driver chosen: run headless rather than fail. */
  if (!getenv("SDL_VIDEODRIVER") && !getenv("DISPLAY") &&
      !getenv("WAYLAND_DISPLAY")) {
    fprintf(stderr, "demo: no display; running headless with SDL's "
                    "offscreen driver\n");
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
  }
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    fprintf(stderr, "demo: SDL_Init: %s\n", SDL_GetError());
    return 1;
  }
  const char *driver = SDL_GetCurrentVideoDriver();
  int headless = driver && (strcmp(driver, "dummy") == 0 ||
                            strcmp(driver, "offscreen") == 0);
  if (!texture)
    open_display(&o, headless);
  if (!again)
    game_init(o.seed, o.autoplay || headless);
  uint64_t freq = SDL_GetPerformanceFrequency();
  uint64_t base = SDL_GetPerformanceCounter();
  long long paced = 0; /* frames since `base` */

  for (long long frame = 0; o.frames < 0 || frame < o.frames; frame++) {
    struct timespec frame_start;
    if (o.timing)
      clock_gettime(CLOCK_MONOTONIC, &frame_start);
    /* No frame of the game's code is below us here except main's own:
     * pending swaps happen now, between two whole frames. */
    reload_safepoint();
    struct input in;
    if (poll_input(&in))
      break;
    /* A reload that changed the size of struct game starts that variable
     * afresh, all zeros: begin a new game rather than play on from an
     * empty one. */
    if (game_state()->level == 0) {
      fprintf(stderr, "demo: the game's state was reset by a reload (struct "
                      "game changed size); starting a new game\n");
      game_init(o.seed, o.autoplay || headless);
    }
    guarded("UPDATE", update_cb, &in);
    if (guarded("DRAW", draw_cb, NULL))
      guarded("DRAW", draw_cb, NULL); /* again, with the rolled-back code */
    if (notice_ticks > 0) {
      notice_ticks--;
      guarded("NOTICE", notice_cb, NULL);
    }
    if (o.every)
      dump_every(&o);
    present();
    if (o.timing) {
      struct timespec frame_end;
      clock_gettime(CLOCK_MONOTONIC, &frame_end);
      note_frame(&frame_start, &frame_end);
    }

    if (!headless) {
      /* A fixed 60 Hz: wait for the frame's slot; after a stall (a
       * debugger, a suspended laptop) start counting afresh. */
      paced++;
      uint64_t due = base + (uint64_t)paced * freq / TICKS_PER_SECOND;
      uint64_t now = SDL_GetPerformanceCounter();
      if (now < due)
        SDL_Delay((Uint32)((due - now) * 1000 / freq));
      else if (now - due > freq / 4) {
        base = now;
        paced = 0;
      }
    }
  }

  int rc = 0;
  if (o.shot && save_bmp(o.shot, &screen))
    rc = 1;
  if (o.state && save_state(o.state, "w"))
    rc = 1;
  if (o.timing && save_timing(o.timing))
    rc = 1;
  free(times);
  times = NULL;
  ntimes = cap_times = 0;
  if (texture)
    SDL_DestroyTexture(texture);
  if (renderer)
    SDL_DestroyRenderer(renderer);
  if (window)
    SDL_DestroyWindow(window);
  SDL_Quit();
  return rc;
}
