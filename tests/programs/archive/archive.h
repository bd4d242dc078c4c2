/* archive - a program linked from a static archive (ar rcs).  main.o is
 * given on the command line; the members alpha.o, beta.o and gamma.o are
 * pulled in on demand (alpha by main, beta by alpha, gamma by beta through
 * a data reference).  dup.o must NOT be pulled: it defines format_line(),
 * which main.o defines too, so pulling it would be a duplicate symbol. */
#ifndef ARCHIVE_H
#define ARCHIVE_H

/* main.c (and dup.c) */
const char *format_line(const char *tag, long v);

/* alpha.c */
long lib_alpha(long x);

/* beta.c */
long lib_beta(long x);
extern long (*const lib_steps[])(long);
extern const int lib_nsteps;

/* gamma.c */
extern const char lib_gamma_name[];
extern int lib_gamma_calls;

/* dup.c */
long lib_unused(long x);

#endif
