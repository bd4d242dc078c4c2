/*
 * control.h - the control socket: `reloadd status` and `reloadd reload`
 * talk to a running daemon through a Unix domain socket.
 *
 * The socket lives in $XDG_RUNTIME_DIR when that is set (named after the
 * config file and a hash of its real path), otherwise beside the config
 * file as .NAME.reloadd.sock.  A daemon with XDG_RUNTIME_DIR also leaves a
 * symlink to its socket under that name beside the config's real file, so
 * that a client with another environment finds it: the client tries its
 * own place, then that one, then beside the config as it was named.  The
 * socket is created with mode 0600, and every connection's peer is checked
 * with SO_PEERCRED, both ways: only our own user may drive the daemon,
 * since reloading runs code, and a client talks only to a daemon of its
 * own user.
 *
 * The protocol is one request line ("status", "status json", "reload",
 * "reload FILE") and a reply whose first line is the exit status the
 * client should use, followed by the text to show.
 */
#ifndef RELOADD_CONTROL_H
#define RELOADD_CONTROL_H

#include <stddef.h>
#include <uv.h>

#include "buf.h"

/* The socket's path for `config`.  Returns 0, or -1 with a reason. */
int control_path(const char *config, char *out, size_t len, char *err,
                 size_t errlen);

/* Serve a request: append the reply text, return the client's status. */
typedef int (*control_fn)(void *ud, const char *request, struct buf *reply);

struct control;

/*
 * Create the socket and serve it on `loop`, and leave the pointer to it
 * (a warning is logged when it cannot be made).  Fails when another daemon
 * already serves this config, in any of the places a client would try.
 * Call before the loop runs on its thread.
 */
struct control *control_start(uv_loop_t *loop, const char *config,
                              control_fn fn, void *ud, char *err,
                              size_t errlen);
/* Remove the socket file and the pointer (at exit, from any thread), if
 * they are still ours.  Accepts NULL. */
void control_unlink(struct control *c);
const char *control_socket(const struct control *c);

/*
 * Client side: send `request` to the daemon running `config`; the reply's
 * text goes to `reply`.  Returns the status the daemon chose, or -1 with
 * a reason in `err` when there is no daemon to ask (naming every place
 * tried, and what was there).
 */
int control_request(const char *config, const char *request,
                    struct buf *reply, char *err, size_t errlen);

#endif
