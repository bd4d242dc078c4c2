/*
 * control.c - the control socket, both ends.
 *
 * Where the socket is depends on the daemon's environment
 * ($XDG_RUNTIME_DIR), which a client need not share: a shell under sudo or
 * ssh, an editor started by a desktop session.  So every daemon has its
 * socket, or leaves a pointer to it (a symlink), in one fixed place that
 * depends on the config alone: beside the config's real file, named as
 * the socket of a daemon without XDG_RUNTIME_DIR.  A client asks its own
 * place first, then the fixed place, then beside the config as it named
 * it, and says where it looked when nobody answers.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "forked.h"
#include "log.h"
#include "paths.h"

#define MAX_REQUEST 4096
#define SUN_MAX sizeof(((struct sockaddr_un *)0)->sun_path)
/* The places a daemon may be found at: see places(). */
#define NPLACES 3

struct control {
  uv_pipe_t server;
  control_fn fn;
  void *ud;
  char path[SUN_MAX];
  ino_t ino; /* of our socket file: unlink only that */
  char *pointer; /* the symlink to it we left, or NULL */
  ino_t pointer_ino;
};

struct conn {
  uv_pipe_t pipe;
  struct control *c;
  char req[MAX_REQUEST];
  size_t len;
  struct buf reply;
  uv_write_t wr;
  bool done;
  char *refusal; /* the reply for a caller we do not serve */
};

int control_path(const char *config, char *out, size_t len, char *err,
                 size_t errlen) {
  char *real = realpath(config, NULL);
  if (!real)
    real = path_join(NULL, config);
  if (!real) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  /* FNV-1a of the real path: two configs never share a socket, and the
   * same config reached through different paths always does. */
  uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char *p = (const unsigned char *)real; *p; p++)
    h = (h ^ *p) * 0x100000001b3ull;
  char stem[33];
  snprintf(stem, sizeof stem, "%s", path_base(real));
  char *dot = strrchr(stem, '.');
  if (dot && dot != stem)
    *dot = '\0';
  for (char *p = stem; *p; p++)
    if (*p == '/' || (unsigned char)*p < 0x20)
      *p = '_';
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  int n;
  if (xdg && xdg[0] == '/') {
    n = snprintf(out, len, "%s/reloadd-%s-%016llx.sock", xdg, stem,
                 (unsigned long long)h);
  } else {
    char *abs = path_join(NULL, config);
    char *dir = abs ? path_dir(abs) : NULL;
    n = dir ? snprintf(out, len, "%s/.%s.reloadd.sock", strcmp(dir, "/") ? dir : "",
                       path_base(abs))
            : -1;
    free(abs);
    free(dir);
  }
  free(real);
  if (n < 0) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if ((size_t)n >= len || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    snprintf(err, errlen, "the control socket's path would be %d bytes, more "
             "than a Unix socket allows (%zu); set XDG_RUNTIME_DIR to a "
             "shorter directory", n,
             sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
    return -1;
  }
  return 0;
}

/* "DIR/.NAME.reloadd.sock" for the file at absolute path `file`. */
static char *beside(const char *file) {
  char *dir = path_dir(file);
  const char *base = path_base(file);
  size_t n = (dir ? strlen(dir) : 0) + strlen(base) + 20;
  char *out = dir ? malloc(n) : NULL;
  if (out)
    snprintf(out, n, "%s/.%s.reloadd.sock", strcmp(dir, "/") ? dir : "",
             base);
  free(dir);
  return out;
}

/*
 * Where a daemon of `config` may be found, each once: `own`, this
 * process's place (control_path()); beside the config's real file, where
 * every daemon leaves a pointer (or has its socket); beside the config as
 * named, where a daemon without XDG_RUNTIME_DIR that was given the config
 * through a symlink listens.  Returns how many; out of memory, fewer.
 */
static size_t places(const char *config, const char *own,
                     char *out[NPLACES]) {
  size_t n = 0;
  out[n++] = strdup(own);
  char *real = realpath(config, NULL);
  char *abs = path_join(NULL, config);
  char *more[2] = {real ? beside(real) : NULL, abs ? beside(abs) : NULL};
  free(real);
  free(abs);
  for (size_t i = 0; i < 2; i++) {
    bool dup = !more[i];
    for (size_t j = 0; j < n && !dup; j++)
      dup = out[j] && strcmp(out[j], more[i]) == 0;
    if (dup)
      free(more[i]);
    else
      out[n++] = more[i];
  }
  if (!out[0]) {
    for (size_t i = 1; i < n; i++)
      free(out[i]);
    return 0;
  }
  return n;
}

static void free_places(char *v[NPLACES], size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i]);
}

/* The fixed place: beside the config's real file (NULL: out of memory, or
 * the config is gone). */
static char *pointer_path(const char *config) {
  char *real = realpath(config, NULL);
  char *p = real ? beside(real) : NULL;
  free(real);
  return p;
}

static int connect_to(const char *path) {
  if (strlen(path) >= SUN_MAX)
    return -ENAMETOOLONG;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* What one place held, for the message when nobody answers. */
struct look {
  char target[PATH_MAX]; /* the socket a pointer leads to, or "" */
  int err;               /* ENOENT or ECONNREFUSED: nobody there */
  unsigned uid;          /* with err EPERM: whose socket it is */
};

/*
 * Connect to the daemon at `place`, its socket or a pointer to one, and
 * make sure it is ours: a pointer in a directory others may write to could
 * lead to anyone's socket.  Returns the descriptor, or -1 with what was
 * there in `l`.
 */
static int reach(const char *place, struct look *l) {
  memset(l, 0, sizeof *l);
  const char *sock = place;
  struct stat st;
  if (lstat(place, &st) == 0 && S_ISLNK(st.st_mode)) {
    char t[PATH_MAX];
    ssize_t n = readlink(place, t, sizeof t - 1);
    if (n > 0) {
      t[n] = '\0';
      char *dir = path_dir(place);
      char *abs = t[0] == '/' ? strdup(t) : path_join(dir, t);
      snprintf(l->target, sizeof l->target, "%s", abs ? abs : t);
      free(abs);
      free(dir);
      sock = l->target;
    }
  }
  int fd = connect_to(sock);
  if (fd < 0) {
    l->err = -fd;
    return -1;
  }
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
      cred.uid != geteuid()) {
    l->err = EPERM;
    l->uid = len == sizeof cred ? (unsigned)cred.uid : (unsigned)-1;
    close(fd);
    return -1;
  }
  return fd;
}

static bool nobody(const struct look *l) {
  return l->err == ENOENT || l->err == ECONNREFUSED;
}

/* "no answer on P" or "P: why", with where a pointer led. */
static void describe(struct buf *b, const char *place, const struct look *l,
                     bool first) {
  if (nobody(l))
    buf_printf(b, "%s %s", first ? "no answer on" : "nor on", place);
  else if (l->err == EPERM)
    buf_printf(b, "%s is served by uid %u, not by uid %u", place, l->uid,
               (unsigned)geteuid());
  else
    buf_printf(b, "%s: %s", place, strerror(l->err));
  if (l->target[0])
    buf_printf(b, ", which points to %s", l->target);
}

/* Whether a daemon answers at one of the places (another user's too: its
 * socket is not ours to replace); its socket's path goes to `at`. */
static bool answered(char *const *where, size_t n, char *at, size_t len) {
  for (size_t i = 0; i < n; i++) {
    struct look l;
    int fd = reach(where[i], &l);
    if (fd >= 0)
      close(fd);
    if (fd >= 0 || l.err == EPERM) {
      snprintf(at, len, "%s", l.target[0] ? l.target : where[i]);
      return true;
    }
  }
  return false;
}

/*
 * Leave the pointer to our socket in the fixed place, replacing one a
 * daemon that died left there (answered() made sure nobody answers).
 * Best effort: the daemon works without it, only a client with another
 * XDG_RUNTIME_DIR will not find it, which the warning says.
 */
static void leave_pointer(struct control *c, const char *config) {
  char *p = pointer_path(config);
  if (!p || strcmp(p, c->path) == 0) {
    free(p);
    return;
  }
  struct stat st;
  const char *why = NULL;
  if (lstat(p, &st) == 0 && !S_ISLNK(st.st_mode) && !S_ISSOCK(st.st_mode))
    why = "something else is there";
  size_t n = strlen(p) + 32;
  char *tmp = why ? NULL : malloc(n);
  if (tmp) {
    /* Made aside and renamed over: a client never sees it half made. */
    snprintf(tmp, n, "%s.%ld.tmp", p, (long)getpid());
    unlink(tmp);
    if (symlink(c->path, tmp) < 0 || rename(tmp, p) < 0 ||
        lstat(p, &st) < 0) {
      why = strerror(errno);
      unlink(tmp);
    }
  } else if (!why) {
    why = "out of memory";
  }
  free(tmp);
  if (why) {
    log_msg(RELOAD_LOG_WARN, "cannot leave a pointer to the control socket "
            "at %s: %s; reloadd status and reload find this daemon only "
            "with XDG_RUNTIME_DIR as it has it", p, why);
    free(p);
    return;
  }
  c->pointer = p;
  c->pointer_ino = st.st_ino;
}

static void on_conn_closed(uv_handle_t *h) {
  struct conn *k = h->data;
  free(k->refusal);
  buf_free(&k->reply);
  free(k);
}

static void on_written(uv_write_t *w, int status) {
  struct conn *k = w->data;
  (void)status;
  uv_close((uv_handle_t *)&k->pipe, on_conn_closed);
}

static void reply(struct conn *k, int code, const char *text) {
  k->done = true;
  uv_read_stop((uv_stream_t *)&k->pipe);
  struct buf out = {0};
  buf_printf(&out, "%d\n%s", code, text);
  buf_free(&k->reply);
  k->reply = out;
  if (k->reply.oom) {
    uv_close((uv_handle_t *)&k->pipe, on_conn_closed);
    return;
  }
  uv_buf_t b = uv_buf_init(k->reply.p, (unsigned)k->reply.len);
  k->wr.data = k;
  if (uv_write(&k->wr, (uv_stream_t *)&k->pipe, &b, 1, on_written) < 0)
    uv_close((uv_handle_t *)&k->pipe, on_conn_closed);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  struct conn *k = h->data;
  (void)hint;
  *b = uv_buf_init(k->req + k->len, (unsigned)(sizeof k->req - 1 - k->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  struct conn *k = s->data;
  (void)b;
  if (k->done)
    return;
  if (n < 0) {
    /* EOF without a full line: take what came as the request. */
    if (n != UV_EOF || !k->len) {
      uv_close((uv_handle_t *)&k->pipe, on_conn_closed);
      return;
    }
  } else {
    k->len += (size_t)n;
  }
  k->req[k->len] = '\0';
  char *nl = strchr(k->req, '\n');
  if (!nl && n >= 0) {
    if (k->len >= sizeof k->req - 1)
      reply(k, 2, "reloadd: request too long\n");
    return;
  }
  if (nl)
    *nl = '\0';
  if (k->refusal) {
    reply(k, 1, k->refusal);
    return;
  }
  struct buf text = {0};
  int code = k->c->fn(k->c->ud, k->req, &text);
  reply(k, code, buf_str(&text));
  buf_free(&text);
}

static void on_connection(uv_stream_t *server, int status) {
  struct control *c = server->data;
  if (status < 0)
    return;
  struct conn *k = calloc(1, sizeof *k);
  if (!k)
    return;
  k->c = c;
  uv_pipe_init(server->loop, &k->pipe, 0);
  k->pipe.data = k;
  if (uv_accept(server, (uv_stream_t *)&k->pipe) < 0) {
    uv_close((uv_handle_t *)&k->pipe, on_conn_closed);
    return;
  }
  /* The socket's mode already keeps others out; the peer's credentials
   * are checked as well, should the mode or the directory be loosened. */
  uv_os_fd_t fd;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (uv_fileno((uv_handle_t *)&k->pipe, &fd) < 0 ||
      getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
    reply(k, 1, "reloadd: cannot identify the caller; refused\n");
    return;
  }
  if (cred.uid != geteuid()) {
    log_msg(RELOAD_LOG_WARN, "control: refused a request from uid %u (pid "
            "%d): only uid %u may control this reloadd",
            (unsigned)cred.uid, (int)cred.pid, (unsigned)geteuid());
    char msg[200];
    snprintf(msg, sizeof msg, "reloadd: permission denied: this reloadd "
             "belongs to uid %u and takes requests only from it\n",
             (unsigned)geteuid());
    /* Answer once the request is read: closing a socket with unread data
     * would reset the connection and lose the answer. */
    k->refusal = strdup(msg);
    if (!k->refusal) {
      uv_close((uv_handle_t *)&k->pipe, on_conn_closed);
      return;
    }
  }
  uv_read_start((uv_stream_t *)&k->pipe, on_alloc, on_read);
}

struct control *control_start(uv_loop_t *loop, const char *config,
                              control_fn fn, void *ud, char *err,
                              size_t errlen) {
  struct control *c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  c->fn = fn;
  c->ud = ud;
  if (control_path(config, c->path, sizeof c->path, err, errlen)) {
    free(c);
    return NULL;
  }
  /* Another daemon of this config, in our place or, started with another
   * XDG_RUNTIME_DIR, in the others. */
  char *where[NPLACES];
  size_t nw = places(config, c->path, where);
  char at[PATH_MAX];
  bool running = answered(where, nw, at, sizeof at);
  free_places(where, nw);
  if (running) {
    snprintf(err, errlen, "another reloadd is already running %s (its "
             "control socket is %s)", config, at);
    free(c);
    return NULL;
  }
  struct stat st;
  if (lstat(c->path, &st) == 0) {
    if (!S_ISSOCK(st.st_mode) && !S_ISLNK(st.st_mode)) {
      snprintf(err, errlen, "%s exists and is not a socket; remove it",
               c->path);
      free(c);
      return NULL;
    }
    /* Left behind by a daemon that died (its socket, or its pointer):
     * nobody answers on it. */
    unlink(c->path);
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    snprintf(err, errlen, "control socket: %s", strerror(errno));
    free(c);
    return NULL;
  }
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  snprintf(a.sun_path, sizeof a.sun_path, "%s", c->path);
  /* The umask makes the socket 0600 from its creation, with no window in
   * which someone else could connect.  Changing the umask is process-wide,
   * which is fine now: the program has not started yet. */
  mode_t old = umask(0177);
  int r = bind(fd, (struct sockaddr *)&a, sizeof a);
  umask(old);
  if (r < 0 || chmod(c->path, 0600) < 0 || listen(fd, 16) < 0 ||
      lstat(c->path, &st) < 0) {
    snprintf(err, errlen, "control socket %s: %s", c->path, strerror(errno));
    close(fd);
    free(c);
    return NULL;
  }
  c->ino = st.st_ino;
  uv_pipe_init(loop, &c->server, 0);
  c->server.data = c;
  if ((r = uv_pipe_open(&c->server, fd)) < 0 ||
      (r = uv_listen((uv_stream_t *)&c->server, 16, on_connection)) < 0) {
    snprintf(err, errlen, "control socket %s: %s", c->path, uv_strerror(r));
    unlink(c->path);
    return NULL; /* the caller gives up; the handle dies with the process */
  }
  leave_pointer(c, config);
  return c;
}

void control_unlink(struct control *c) {
  struct stat st;
  if (forked_child())
    return; /* the socket is the parent's, still serving */
  /* Only our own socket: a second daemon may have replaced a stale one;
   * and so with the pointer. */
  if (c && lstat(c->path, &st) == 0 && st.st_ino == c->ino)
    unlink(c->path);
  if (c && c->pointer && lstat(c->pointer, &st) == 0 &&
      st.st_ino == c->pointer_ino)
    unlink(c->pointer);
  /* The daemon calls this last at exit, after which a stop signal ends the
   * process before the perf map's own at-exit handler runs (it was
   * registered earlier): the map goes now. */
  log_perf_map_remove();
}

const char *control_socket(const struct control *c) { return c->path; }

/* The message for a client that reached nobody: where it looked and what
 * was there, in order. */
static void unreached(const char *config, char *const *where, size_t n,
                      const struct look *looks, char *err, size_t errlen) {
  bool none = true;
  for (size_t i = 0; i < n; i++)
    none = none && nobody(&looks[i]);
  struct buf b = {0};
  for (size_t i = 0; i < n; i++) {
    if (i)
      buf_puts(&b, none ? ", " : "; ");
    describe(&b, where[i], &looks[i], !none || i == 0);
  }
  if (none)
    snprintf(err, errlen, "no reloadd is running %s (%s)", config,
             buf_str(&b));
  else if (n == 1 && looks[0].err != EPERM && !looks[0].target[0])
    snprintf(err, errlen, "cannot reach the reloadd running %s at %s: %s",
             config, where[0], strerror(looks[0].err));
  else
    snprintf(err, errlen, "cannot reach the reloadd running %s: %s", config,
             buf_str(&b));
  buf_free(&b);
}

int control_request(const char *config, const char *request,
                    struct buf *out, char *err, size_t errlen) {
  char own[SUN_MAX];
  if (control_path(config, own, sizeof own, err, errlen))
    return -1;
  char *where[NPLACES];
  size_t nw = places(config, own, where);
  if (!nw) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  struct look looks[NPLACES];
  int fd = -1;
  size_t i = 0;
  while (i < nw && (fd = reach(where[i], &looks[i])) < 0)
    i++;
  if (fd < 0) {
    unreached(config, where, nw, looks, err, errlen);
    free_places(where, nw);
    return -1;
  }
  /* For the messages below: the socket that answered. */
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%.*s", PATH_MAX - 1,
           looks[i].target[0] ? looks[i].target : where[i]);
  free_places(where, nw);
  size_t n = strlen(request);
  char *line = malloc(n + 2);
  if (!line) {
    close(fd);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  memcpy(line, request, n);
  line[n] = '\n';
  ssize_t w = write(fd, line, n + 1);
  free(line);
  if (w != (ssize_t)(n + 1)) {
    snprintf(err, errlen, "cannot send to %s: %s", path,
             w < 0 ? strerror(errno) : "short write");
    close(fd);
    return -1;
  }
  struct buf in = {0};
  char chunk[4096];
  ssize_t r;
  while ((r = read(fd, chunk, sizeof chunk)) > 0)
    buf_put(&in, chunk, (size_t)r);
  close(fd);
  const char *s = buf_str(&in);
  const char *nl = strchr(s, '\n');
  if (!nl) {
    snprintf(err, errlen, "no reply from %s (the daemon may have exited)",
             path);
    buf_free(&in);
    return -1;
  }
  int code = atoi(s);
  buf_puts(out, nl + 1);
  buf_free(&in);
  return code;
}
