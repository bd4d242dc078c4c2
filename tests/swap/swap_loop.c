/*
 * swap_loop - an edit reaches a loop that never returns (issue "Hot
 * reload stays correct on real programs", part 3).
 *
 *   swap_loop MAINLOOP_V1.o MAINLOOP_V2.o
 *
 * A thread runs version 1's loop_run(), which calls frame() of the same
 * file, while version 2 (another frame()) comes in.  Built with -fPIC,
 * the loop's calls go through frame's stable entry: version 2's frame()
 * runs from the old loop.  Built with -fPIE they cannot follow (the call
 * binds locally), and once the old loop is caught running retired code,
 * the warning says that frame's change waits for loop_run to return.
 */
#include <pthread.h>
#include <string.h>

#include "swaptest.h"

typedef void (*loop_fn)(volatile int *);

static loop_fn loop;
static volatile int stop;

static void *runner(void *arg) {
  (void)arg;
  loop(&stop);
  return NULL;
}

int main(int argc, char **argv) {
  swt_args(argc, argv);
  ASSERT_EQ(argc, 3);
  reload_options opt = {.retire_ms = 1};
  reload_ctx *ctx = swt_open(&opt, argv[1], NULL);
  loop = (loop_fn)swt_entry(ctx, "loop_run");
  volatile long *seen = swt_sym(ctx, "seen");
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, NULL, runner, NULL), 0);
  while (seen[1] == 0)
    swt_sleep_ms(1);
  ASSERT_EQ(swt_reload(ctx, argv[2]), 2);
  ASSERT_PTR_EQ(swt_sym(ctx, "seen"), (void *)seen);
  for (int i = 0; i < 20; i++) {
    swt_sleep_ms(10);
    reload_retire(ctx);
  }
  long v1 = seen[1], v2 = seen[2];
  const char *warned = swt_log_find(RELOAD_LOG_WARN, "function loop_run",
                                    "it calls frame directly", NULL);
  if (strstr(argv[1], "-pic")) {
    /* The old loop's calls reach the new frame(). */
    if (v2 == 0 || warned)
      FAIL("-fPIC: v1 frames %ld, v2 frames %ld; log:\n%s", v1, v2,
           swt_log_text());
  } else if (v2 == 0 && !warned) {
    FAIL("-fPIE: the old loop never ran version 2's frame() and nothing "
         "said so; log:\n%s", swt_log_text());
  }
  stop = 1;
  ASSERT_EQ(pthread_join(t, NULL), 0);
  reload_close(ctx);
  return 0;
}
