/* weak - weak definitions overridden by strong ones, weak undefined
 * references that stay NULL, and hidden-visibility symbols shared between
 * objects. */
#ifndef WEAK_H
#define WEAK_H

#define HIDDEN __attribute__((visibility("hidden")))

/* defaults.c: weak; override.c replaces some of them. */
const char *greeting(void);
int only_weak(void);
extern int config_level;
extern const char *config_name;

/* Hidden, but shared between the objects of the program. */
HIDDEN extern int hidden_total;
HIDDEN int hidden_add(int n);
HIDDEN extern int (*hidden_fnptr)(int);

/* Defined nowhere: weak undefined, so their addresses are NULL. */
extern void optional_hook(int) __attribute__((weak));
extern int optional_data __attribute__((weak));
extern int optional_array[] __attribute__((weak));

/* override.c */
int override_report(void);

#endif
