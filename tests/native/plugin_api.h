/* The interpreter-style API a plugin calls back into. */
#ifndef PLUGIN_API_H
#define PLUGIN_API_H
extern int api_counter;
int api_add(int a, int b);
void api_log(const char *what);
#endif
