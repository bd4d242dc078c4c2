/*
 * exit_main.c - for the signal tests: registers an atexit handler and has
 * a destructor, prints "ready", then waits to be stopped.  Both must print
 * when reloadd stops it with SIGINT or SIGTERM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void at_exit_handler(void) { printf("atexit handler ran\n"); }

__attribute__((destructor)) static void finalizer(void) {
  printf("destructor ran\n");
}

int main(void) {
  atexit(at_exit_handler);
  printf("ready\n");
  fflush(stdout);
  for (int i = 0; i < 200; i++)
    usleep(100000);
  printf("not stopped\n");
  return 3;
}
