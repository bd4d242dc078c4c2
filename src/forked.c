/*
 * forked.c - see forked.h.
 */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <unistd.h>

#include "forked.h"

static pid_t owner;
/* libuv has one handler for every signal it watches (SIGCHLD too, once a
 * build has been spawned); it writes to the loop's pipe, which a child
 * shares with its parent. */
static void (*uv_handler)(int);

static void child(void) {
  if (!uv_handler)
    return;
  for (int sig = 1; sig < NSIG; sig++) {
    struct sigaction sa;
    if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == uv_handler)
      signal(sig, SIG_DFL);
  }
}

static void install(void) { pthread_atfork(NULL, NULL, child); }

void forked_init(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  owner = getpid();
  pthread_once(&once, install);
}

bool forked_child(void) { return owner && getpid() != owner; }

void forked_signal(int sig) {
  struct sigaction sa;
  if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
      sa.sa_handler != SIG_IGN)
    uv_handler = sa.sa_handler;
}
