/*
 * forked.h - reloadd's machinery belongs to the process that started it.
 *
 * A hosted program may fork().  The child has no watcher thread and serves
 * no control socket; its exit must not stop, unlink or signal what the
 * parent still runs (libuv's signal pipe and async handles are shared
 * file descriptors after fork()).
 */
#ifndef RELOADD_FORKED_H
#define RELOADD_FORKED_H

#include <stdbool.h>

/* Note this process as the owner; safe to call more than once. */
void forked_init(void);
/* True in a child of the owner (or of its children). */
bool forked_child(void);
/* The handler now installed for `sig` is libuv's: in a child, every
 * signal with that handler gets the default action back, as the native
 * program would have it. */
void forked_signal(int sig);

#endif
