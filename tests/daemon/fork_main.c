/*
 * fork_main.c - a daemon-hosted program that forks before it polls, as
 * host_main.c does.  One child changes a global and exits through exit()
 * (running every atexit handler, reloadd's included); another is killed
 * with SIGTERM, which the daemon itself takes to mean stop.  Neither may
 * reach the parent: its global, its watcher, its control socket and its
 * signal handling stay its own.  It prints argv[0] first.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int lib_value(void);
int lib_count(void);

int forked_flag;

static void nap(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
  long limit = argc > 1 ? atol(argv[1]) : 20000;
  printf("argv0 %s\n", argv[0]);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    forked_flag = 1;
    lib_value();
    exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  printf("child 1 status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  pid = fork();
  if (pid == 0) {
    for (;;)
      pause();
  }
  nap(50);
  kill(pid, SIGTERM);
  waitpid(pid, &st, 0);
  printf("child 2 signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  printf("forked flag %d\n", forked_flag);
  fflush(stdout);
  int last = -1;
  for (long t = 0; t < limit; t += 2) {
    int v = lib_value();
    if (v != last) {
      printf("value %d count %d\n", v, lib_count());
      fflush(stdout);
      last = v;
    }
    if (v == 99)
      return 0;
    nap(2);
  }
  printf("timeout\n");
  return 3;
}
