/* main.c: fork() as test frameworks, shells and servers use it.  After
 * fork() the parent's memory must be its own: nothing a child writes,
 * nor its exit handlers, may reach the parent. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fork.h"

int shared_counter = 1;
pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static char table[4096];

/* As a test framework's teardown: exit() in a child destroys the lock. */
static void teardown(void) {
  pthread_mutex_destroy(&registry_lock);
  memset(&registry_lock, 0x5a, sizeof registry_lock);
}

static int wait_for(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A death-test style child: changes everything, then exits. */
static void death_test(int i) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    shared_counter = 1000 + i;
    worker_bump(100);
    worker_register("child");
    memset(table, 'c', sizeof table);
    atexit(teardown);
    if (i == 2)
      abort();
    exit(i);
  }
  int st = wait_for(pid);
  printf("death test %d: status %d, counter %d, count %d, registered %d, "
         "table %c\n",
         i, st, shared_counter, worker_count(), worker_registered(),
         table[100]);
}

/* A fork server: each child computes from the parent's state and writes
 * back through a pipe. */
static void fork_server(int n) {
  int total = 0;
  for (int i = 0; i < n; i++) {
    int fd[2];
    if (pipe(fd))
      return;
    pid_t pid = fork();
    if (pid == 0) {
      close(fd[0]);
      int v = worker_bump(i) + shared_counter;
      shared_counter = -1;
      (void)!write(fd[1], &v, sizeof v);
      _exit(0);
    }
    close(fd[1]);
    int v = 0;
    if (read(fd[0], &v, sizeof v) == sizeof v)
      total += v;
    close(fd[0]);
    wait_for(pid);
  }
  printf("fork server: %d children, total %d, counter %d, count %d\n", n,
         total, shared_counter, worker_count());
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 4;
  memset(table, 'p', sizeof table);
  worker_register("parent");
  worker_bump(1);
  for (int i = 0; i < 3; i++)
    death_test(i);
  fork_server(n);
  fflush(stdout);
  FILE *p = popen("echo from popen; exit 3", "r");
  char line[64] = "";
  if (p && fgets(line, sizeof line, p))
    line[strcspn(line, "\n")] = '\0';
  int pst = p ? pclose(p) : -1;
  printf("popen: '%s', status %d\n", line, WEXITSTATUS(pst));
  fflush(stdout);
  int sst = system("echo from system; exit 5");
  printf("system: status %d\n", WEXITSTATUS(sst));
  /* A child that execs. */
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    execlp("sh", "sh", "-c", "echo from exec; exit 7", (char *)NULL);
    _exit(127);
  }
  printf("exec: status %d\n", wait_for(pid));
  int locked = pthread_mutex_trylock(&registry_lock) == 0;
  if (locked)
    pthread_mutex_unlock(&registry_lock);
  printf("parent: counter %d, count %d, lock %s\n", shared_counter,
         worker_count(), locked ? "works" : "broken");
  printf("parent: registered %d\n", worker_registered());
  return shared_counter == 1 ? 0 : 1;
}
