/* crash: dies of a NULL dereference inside libc, called from a function
 * of its own, with no guard.  reloadd must say so (signal, function,
 * object, version) before the process dies of that signal. */
#include <stdio.h>
#include <string.h>

int boom(const char *s) { return (int)strlen(s); }

int main(int argc, char **argv) {
  printf("start\n");
  fflush(stdout);
  return boom(argc > 5 ? argv[0] : NULL);
}
