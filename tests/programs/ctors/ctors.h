/* ctors - constructor and destructor priorities across objects, atexit
 * handlers (from main and from a constructor), and exit() from a
 * function in another object. */
#ifndef CTORS_H
#define CTORS_H

/* Appended to by every constructor, so main can print the order seen. */
extern char init_order[64];
void note(const char *who);
void finish(int status);

#endif
