/* plugin_mod.c: a module loaded with dlopen(); its undefined symbols are
 * the program's (natively, an executable linked with -rdynamic). */
#include "plugin_api.h"

int plugin_run(int n) {
  int s = 0;
  for (int i = 0; i < n; i++)
    s = api_add(s, i);
  api_log("from the plugin");
  return s * 1000 + api_counter;
}
