/* mainloop: a game's main loop in the same file as the function it calls
 * every frame.  loop_run() never returns while the game runs, so an edit
 * to frame() can only take effect if the loop's calls follow reloads. */
#ifndef VERSION
#define VERSION 1
#endif

long seen[4]; /* frames run by each version of frame() */

__attribute__((noinline)) void frame(void) { seen[VERSION]++; }

void loop_run(volatile int *stop) {
  while (!*stop)
    frame();
}

int loop_version(void) { return VERSION; }
