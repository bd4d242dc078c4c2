/*
 * launcher.h - argv[0] that runs the hosted program again.
 *
 * A natively linked program's argv[0] names a file that starts it again,
 * and programs rely on that: test suites run their interpreter again,
 * death-test frameworks re-execute themselves, through argv[0] or through
 * /proc/self/exe.  A hosted program has no executable of its own, so
 * reloadd writes one: a small shell script, named after the program, in a
 * private runtime directory, that runs `reloadd run` with the same
 * objects, libraries and entry.  Its path is the program's argv[0].
 *
 * /proc/self/exe is reloadd itself: started through it (the kernel tells
 * us by AT_EXECFN), reloadd finds the launcher of the process it replaced
 * (exec) or of its parent (fork and exec) and runs that instead.
 */
#ifndef RELOADD_LAUNCHER_H
#define RELOADD_LAUNCHER_H

#include <stddef.h>

#include "text.h"

struct launcher_spec {
  const char *name;          /* file name of the launcher */
  const struct strv *files;  /* objects and archives, in link order */
  const struct strv *libs;   /* -l NAME */
  const struct strv *libdirs;/* -L DIR */
  const char *entry;         /* NULL: main */
  const char *const *flags;  /* other options of `run`, NULL-terminated */
};

/* Write this process's launcher; returns its path (malloc'd), or NULL
 * with the reason in `err`.  It is removed when this process exits (not
 * when a forked child does). */
char *launcher_create(const struct launcher_spec *s, char *err, size_t len);

/* The program's name for a first object or config file: its file name
 * without the directory and the extension ("build/game.o" -> "game"). */
char *launcher_name(const char *path);

/* Called first by main(): when this process was started as
 * /proc/self/exe by a hosted program, exec that program's launcher with
 * our arguments.  Returns when it was not. */
void launcher_rerun(int argc, char **argv);

#endif
