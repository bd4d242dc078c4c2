/* Strong definitions beat the weak ones in defaults.c. */
#include <stdio.h>

#include "weak.h"

const char *greeting(void) { return "strong greeting"; }

int config_level = 9;

HIDDEN int hidden_add(int n) {
  hidden_total += n;
  return hidden_total;
}

int override_report(void) {
  fprintf(stderr, "override: config_level=%d\n", config_level);
  return config_level * 10 + (optional_hook ? 1 : 0);
}
