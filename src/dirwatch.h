/*
 * dirwatch.h - watch one directory for changes to the names in it, and
 * keep watching when the directory is deleted and created again.
 *
 * inotify (under uv_fs_event) watches an inode, not a path: once the
 * directory is removed its watch is dead, and a new directory of the same
 * name is a different inode.  So while the directory is missing we watch
 * its nearest existing ancestor (plus a slow poll, in case that is missed)
 * and start over when the path exists again.
 *
 * Everything runs on the loop's thread.
 */
#ifndef RELOADD_DIRWATCH_H
#define RELOADD_DIRWATCH_H

#include <stdbool.h>
#include <uv.h>

struct dirwatch;

/*
 * `name` changed in the directory (created, written, renamed or removed).
 * `name` is NULL when the directory itself appeared again or was replaced:
 * then any name in it may have changed.
 */
typedef void (*dirwatch_cb)(struct dirwatch *d, const char *name, void *ud);

/* Start watching `path` (absolute; copied).  NULL when out of memory.  A
 * missing directory is not an error: it is watched for. */
struct dirwatch *dirwatch_new(uv_loop_t *loop, const char *path,
                              dirwatch_cb cb, void *ud);
const char *dirwatch_path(const struct dirwatch *d);
bool dirwatch_present(const struct dirwatch *d);
/* Stop; memory is freed once libuv has closed the handles.  Accepts NULL. */
void dirwatch_free(struct dirwatch *d);

#endif
