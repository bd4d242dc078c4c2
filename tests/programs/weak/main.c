/* weak: prints which definitions won, and exits through exit(). */
#include <stdio.h>
#include <stdlib.h>

#include "weak.h"

const char *greeting_seen_from_defaults(void);
extern int weak_only_data[4];

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 5;

  printf("greeting: %s\n", greeting());
  /* defaults.c calls greeting() too, and must reach the strong one. */
  printf("greeting from defaults.c: %s\n", greeting_seen_from_defaults());
  printf("only_weak: %d\n", only_weak());
  printf("config: level=%d name=%s\n", config_level, config_name);
  printf("weak_only_data: %d %d %d %d\n", weak_only_data[0],
         weak_only_data[1], weak_only_data[2], weak_only_data[3]);

  if (optional_hook)
    optional_hook(1);
  else
    printf("optional_hook: absent\n");
  printf("optional_data: %s\n", &optional_data ? "present" : "absent");
  printf("optional_array: %s\n", optional_array ? "present" : "absent");

  printf("hidden_add(%d) = %d\n", n, hidden_add(n));
  printf("hidden_total = %d\n", hidden_total);
  printf("hidden_fnptr(%d) = %d\n", n, hidden_fnptr(n));
  fprintf(stderr, "weak: report=%d\n", override_report());
  fflush(stdout);
  exit(config_level + n);
}
