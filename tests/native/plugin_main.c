/* plugin_main.c: loads a plugin that calls back into the program, and
 * looks the program's own symbols up with dlsym and dladdr. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "plugin_api.h"

/* The symbol dladdr() names at `p`, and whether it names a file: the
 * executable natively, the object hosted. */
static const char *sname(const void *p, const char **file) {
  Dl_info info;
  *file = "no file";
  if (!dladdr(p, &info) || !info.dli_sname)
    return "(none)";
  if (info.dli_fname && info.dli_fname[0])
    *file = "a file";
  return info.dli_saddr == p ? info.dli_sname : "(inside)";
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: plugin_main PLUGIN.so\n");
    return 2;
  }
  int (*add)(int, int) = (int (*)(int, int))dlsym(RTLD_DEFAULT, "api_add");
  int *counter = dlsym(NULL, "api_counter");
  void *self = dlopen(NULL, RTLD_NOW);
  printf("dlsym RTLD_DEFAULT api_add: %s\n",
         add == api_add ? "the program's" : add ? "another" : "none");
  printf("dlsym NULL api_counter: %s\n",
         counter == &api_counter ? "the program's" : counter ? "another" : "none");
  printf("dlsym self main: %s\n", self && dlsym(self, "main") == (void *)main
                                      ? "the program's" : "no");
  const char *f1, *f2, *s1, *s2;
  s1 = sname((const void *)api_add, &f1);
  s2 = sname(&api_counter, &f2);
  printf("dladdr api_add: %s in %s\n", s1, f1);
  printf("dladdr api_counter: %s in %s\n", s2, f2);
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  int (*run)(int) = (int (*)(int))dlsym(h, "plugin_run");
  if (!run) {
    printf("no plugin_run\n");
    return 1;
  }
  printf("plugin_run(10) = %d\n", run(10));
  printf("api_counter = %d\n", api_counter);
  dlclose(h);
  return 0;
}
