/*
 * build.h - run the [watch] build command when sources change.
 *
 * Builds never overlap: a request while one runs queues exactly one more,
 * however many requests arrive.  A build that outlives its timeout is
 * stopped (its whole process group, so make's children go too).  Its
 * output goes to reloadd's stderr, so it never mixes with the program's
 * stdout.  Everything runs on the loop's thread.
 */
#ifndef RELOADD_BUILD_H
#define RELOADD_BUILD_H

#include <stdbool.h>
#include <uv.h>

struct build;

/* Called when a build (and any queued after it) is over. */
typedef void (*build_done_fn)(struct build *b, bool ok, void *ud);

struct build *build_new(uv_loop_t *loop, build_done_fn done, void *ud);
/* Set the command (NULL: none), its directory and its timeout. */
int build_set(struct build *b, const char *cmd, const char *dir,
              unsigned timeout_s);
/* Start a build now, or queue one after the running one. */
void build_request(struct build *b);
bool build_running(const struct build *b);
/* Stop a running build at once (the daemon is exiting). */
void build_kill(struct build *b);
/* Kill any running build and free once the handles are closed. */
void build_free(struct build *b);

/* Counters for status displays. */
struct build_info {
  unsigned runs, failures;
  bool running;
  bool last_ok;
  double last_s;     /* duration of the last finished build */
  char last[200];    /* its one-line result, "" before any */
};
void build_info(const struct build *b, struct build_info *out);

#endif
