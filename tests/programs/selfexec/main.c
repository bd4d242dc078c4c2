/* main.c: a program that runs itself again, as interpreters' test suites
 * and death-test frameworks do: through argv[0] (fork and exec, a shell,
 * posix_spawn) and through /proc/self/exe (with and without fork). */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "selfexec.h"

extern char **environ;

static int status_of(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int fork_exec(const char *path, char *const av[]) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    execv(path, av);
    printf("execv %s failed: %s\n", av[1], strerror(errno));
    _exit(127);
  }
  return status_of(pid);
}

static int spawn(const char *path, char *const av[]) {
  fflush(stdout);
  pid_t pid;
  int e = posix_spawn(&pid, path, NULL, NULL, av, environ);
  if (e) {
    printf("posix_spawn failed: %s\n", strerror(e));
    return -1;
  }
  return status_of(pid);
}

int main(int argc, char **argv) {
  if (argc >= 3 && strncmp(argv[1], "via-", 4) == 0)
    return child_main(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "last") == 0) {
    printf("last: generation %d after exec without fork\n", generation);
    return 3;
  }
  char *a1[] = {argv[0], "via-argv0", "2", "one word", NULL};
  printf("argv0: status %d\n", fork_exec(argv[0], a1));
  char *a2[] = {argv[0], "via-proc-self-exe", "3", NULL};
  printf("/proc/self/exe: status %d\n", fork_exec("/proc/self/exe", a2));
  char *a3[] = {argv[0], "via-spawn", "4", "a", "b", NULL};
  printf("posix_spawn argv0: status %d\n", spawn(argv[0], a3));
  char *a4[] = {"anything", "via-spawn-proc", "5", NULL};
  printf("posix_spawn /proc/self/exe: status %d\n",
         spawn("/proc/self/exe", a4));
  /* A shell given argv[0], as a test suite's script would. */
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "'%s' via-shell 6 \"x y\"", argv[0]);
  fflush(stdout);
  int st = system(cmd);
  printf("shell: status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  /* A fork server's worker: its parent is the program's child. */
  fflush(stdout);
  pid_t server = fork();
  if (server == 0) {
    char *a6[] = {argv[0], "via-worker", "8", NULL};
    _exit(fork_exec("/proc/self/exe", a6));
  }
  printf("worker of a fork server: status %d\n", status_of(server));
  /* The executable's path, as readlink() tells it. */
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    char *a7[] = {argv[0], "via-readlink", "9", NULL};
    printf("readlink /proc/self/exe: status %d\n", fork_exec(self, a7));
  }
  generation = 7;
  fflush(stdout);
  char *a5[] = {argv[0], "last", NULL};
  execv("/proc/self/exe", a5);
  printf("exec without fork failed: %s\n", strerror(errno));
  return 1;
}
