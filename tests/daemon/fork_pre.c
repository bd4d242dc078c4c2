/*
 * fork_pre.c - linked beside host_main.c (which then polls as usual), it
 * forks in a constructor, before main().  One child changes a global and
 * exits through exit() (running every atexit handler, reloadd's
 * included); another is killed with SIGTERM, which the daemon itself takes
 * to mean stop.  Neither may reach the parent: its global, its watcher,
 * its control socket and its signal handling stay its own.  It prints
 * argv[0] first (glibc hands constructors main's arguments).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int lib_value(void);

int forked_flag;

__attribute__((constructor)) static void fork_first(int argc, char **argv) {
  (void)argc;
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
  struct timespec ts = {0, 50 * 1000000L};
  nanosleep(&ts, NULL);
  kill(pid, SIGTERM);
  waitpid(pid, &st, 0);
  printf("child 2 signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  printf("forked flag %d\n", forked_flag);
  fflush(stdout);
}
