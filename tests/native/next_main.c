/* next_main.c: a wrapper that reaches the definition after its own with
 * dlsym(RTLD_NEXT), as interposing programs do: the library's, never the
 * program's own; a name only the program has has no next. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

int next_value(void) {
  int (*real)(void) = (int (*)(void))dlsym(RTLD_NEXT, "next_value");
  if (!real || real == next_value)
    return -1;
  return 100 + real();
}

int only_here(void) { return 1; }

int main(void) {
  printf("next_value() = %d\n", next_value());
  printf("RTLD_NEXT only_here: %s\n",
         dlsym(RTLD_NEXT, "only_here") ? "found" : "none");
  printf("RTLD_NEXT puts: %s\n",
         dlsym(RTLD_NEXT, "puts") == dlsym(RTLD_DEFAULT, "puts") ? "libc's"
                                                                 : "other");
  return 0;
}
