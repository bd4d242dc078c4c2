/*
 * paths.h - path arithmetic without touching symlinks, and the checks the
 * daemon makes before it trusts a directory with code it will run.
 */
#ifndef RELOADD_PATHS_H
#define RELOADD_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * `rel` made absolute against `dir` (or against the current directory when
 * `dir` is NULL), with "//" and "/./" folded.  ".." is kept: folding it
 * lexically would be wrong across symlinks.  Returns malloc'd memory or
 * NULL when out of memory.
 */
char *path_join(const char *dir, const char *rel);
/* The directory part of an absolute path ("/" for "/x"); malloc'd. */
char *path_dir(const char *path);
/* The last component; points into `path`. */
const char *path_base(const char *path);
/* Whether the string contains glob metacharacters (* ? [ {). */
bool path_has_glob(const char *s);
/* `path` shown relative to `tree` when it lies inside it. */
const char *path_show(const char *tree, const char *path);
/* Whether absolute `path` is `tree` or inside it (lexically). */
bool path_under(const char *tree, const char *path);

/*
 * Whether code may be loaded from directory `dir`: refuse it when another
 * user could replace an object there, because loading an object runs it.
 * That is the case when the directory is writable by others (even with the
 * sticky bit: a deleted object could be recreated by anyone), writable by a
 * group other than our own, or owned by another user other than root.
 * Returns 0 when private, 1 when shared (with the reason in `why`, to which
 * the caller adds its remedy), -1 when it cannot be examined (with the
 * error in `why`).
 */
int path_check_private(const char *dir, char *why, size_t len);

#endif
