/* errjmp - setjmp/longjmp across objects, and errno set by libc (strtol
 * overflow, fopen of a missing file) read from the loaded code. */
#ifndef ERRJMP_H
#define ERRJMP_H

#include <setjmp.h>

enum { BAD_SYNTAX = 1, BAD_RANGE = 2, BAD_DEPTH = 3 };

/* parse.c */
long parse_number(const char *s, jmp_buf *env);
long parse_nested(const char *s, int depth, jmp_buf *env);

/* files.c */
int try_open(const char *path);
int divide_checked(long a, long b, long *out);

#endif
