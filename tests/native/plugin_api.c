/* plugin_api.c: the program's API, defined in one of its objects. */
#include <stdio.h>

#include "plugin_api.h"

int api_counter = 100;

int api_add(int a, int b) {
  api_counter++;
  return a + b;
}

void api_log(const char *what) { printf("api_log: %s\n", what); }
