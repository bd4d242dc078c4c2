/* cxxabi_driver: calls libstdc++'s demangler (a C-callable function), so
 * `reloadd run driver.o -lstdc++` must find libstdc++.so where gcc keeps it
 * (/usr/lib/gcc/x86_64-linux-gnu/N/), as the compiler driver does for ld. */
#include <stdio.h>
#include <stdlib.h>

char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

int main(void) {
  static const char *const names[] = {
      "_ZNSt6vectorIiSaIiEE9push_backERKi",
      "_Z3fooPKcz",
      "_ZN9__gnu_cxx13new_allocatorIcE8allocateEmPKv",
      "_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE4sizeEv",
      "not_a_mangled_name",
  };
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    int status = 0;
    char *d = __cxa_demangle(names[i], NULL, NULL, &status);
    printf("%s -> %s (status %d)\n", names[i], d ? d : "(null)", status);
    free(d);
  }
  return 0;
}
