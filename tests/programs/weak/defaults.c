/* Weak defaults; the strong ones in override.c win where they exist. */
#include <stdio.h>

#include "weak.h"

__attribute__((weak)) const char *greeting(void) { return "weak greeting"; }

/* Nobody overrides this one. */
__attribute__((weak)) int only_weak(void) { return 11; }

__attribute__((weak)) int config_level = 1;
__attribute__((weak)) const char *config_name = "weak-default";

/* A weak data symbol with no override, read from another object. */
__attribute__((weak)) int weak_only_data[4] = {4, 3, 2, 1};

HIDDEN int hidden_total = 100;

static int twice(int n) { return 2 * n; }
HIDDEN int (*hidden_fnptr)(int) = twice;

const char *greeting_seen_from_defaults(void);
const char *greeting_seen_from_defaults(void) { return greeting(); }
