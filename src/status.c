/*
 * status.c - render the daemon's state for `reloadd status`.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"
#include "status.h"

static const char *const states[] = {"current", "old", "retired",
                                     "rolled back"};

struct ver {
  char *object;
  reload_version_info v;
};

struct vers {
  struct ver *v;
  size_t n;
};

static void collect(void *ud, const reload_version_info *v) {
  struct vers *vs = ud;
  struct ver *nv = realloc(vs->v, (vs->n + 1) * sizeof *nv);
  if (!nv)
    return;
  vs->v = nv;
  nv[vs->n].object = strdup(v->object ? v->object : "");
  nv[vs->n].v = *v;
  nv[vs->n].v.object = nv[vs->n].object;
  if (nv[vs->n].object)
    vs->n++;
}

static const char *state_name(int st) {
  return st >= 0 && st < 4 ? states[st] : "unknown";
}

static void stamp(time_t t, char *out, size_t len) {
  struct tm tm;
  if (!t || !localtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm))
    out[0] = '\0';
}

/* The objects in the order the core lists them, each once. */
static size_t objects(const struct vers *vs, const char **out) {
  size_t n = 0;
  for (size_t i = 0; i < vs->n; i++) {
    bool seen = false;
    for (size_t j = 0; j < n && !seen; j++)
      seen = strcmp(out[j], vs->v[i].object) == 0;
    if (!seen)
      out[n++] = vs->v[i].object;
  }
  return n;
}

static void text(const struct status_src *s, const struct vers *vs,
                 const reload_stats *st, struct buf *out) {
  buf_printf(out, "config: %s\npid: %d\nobjects:\n", s->config, (int)getpid());
  const char **objs = calloc(vs->n ? vs->n : 1, sizeof *objs);
  size_t no = objs ? objects(vs, objs) : 0;
  for (size_t i = 0; i < no; i++) {
    unsigned cur = 0, old = 0, retired = 0, rolled = 0;
    uint64_t hits = 0;
    for (size_t j = 0; j < vs->n; j++) {
      const reload_version_info *v = &vs->v[j].v;
      if (strcmp(vs->v[j].object, objs[i]) != 0)
        continue;
      hits += v->stale_hits;
      if (v->state == 0)
        cur = v->version;
      else if (v->state == 1)
        old++;
      else if (v->state == 2)
        retired++;
      else
        rolled++;
    }
    buf_printf(out, "  %s v%u", path_show(s->tree, objs[i]), cur);
    if (old || retired || rolled)
      buf_printf(out, " (older: %u mapped, %u retired, %u rolled back)", old,
                 retired, rolled);
    if (hits)
      buf_printf(out, ", %llu stale hits", (unsigned long long)hits);
    buf_puts(out, "\n");
  }
  free(objs);
  char when[40];
  const struct update_status *us = s->up ? update_status(s->up) : NULL;
  if (us && us->last_reload[0]) {
    stamp(us->last_reload_at, when, sizeof when);
    buf_printf(out, "last reload: %s %s\n", when, us->last_reload);
  } else {
    buf_puts(out, "last reload: none\n");
  }
  if (us && us->last_error[0]) {
    stamp(us->last_error_at, when, sizeof when);
    buf_printf(out, "last error: %s %s\n", when, us->last_error);
  } else {
    buf_puts(out, "last error: none\n");
  }
  if (s->bld) {
    struct build_info bi;
    build_info(s->bld, &bi);
    buf_printf(out, "builds: %u, %u failed%s%s%s\n", bi.runs, bi.failures,
               bi.running ? ", one running" : "", bi.last[0] ? "; last: " : "",
               bi.last);
  }
  buf_printf(out, "reloads: %llu, refused: %llu, stale hits: %llu, "
             "rollbacks: %llu\n",
             (unsigned long long)st->reloads, (unsigned long long)st->refused,
             (unsigned long long)st->stale_hits,
             (unsigned long long)st->rollbacks);
}

static void json(const struct status_src *s, const struct vers *vs,
                 const reload_stats *st, struct buf *out) {
  buf_puts(out, "{\"config\":");
  buf_json(out, s->config);
  buf_printf(out, ",\"pid\":%d,\"objects\":[", (int)getpid());
  const char **objs = calloc(vs->n ? vs->n : 1, sizeof *objs);
  size_t no = objs ? objects(vs, objs) : 0;
  for (size_t i = 0; i < no; i++) {
    unsigned cur = 0;
    for (size_t j = 0; j < vs->n; j++)
      if (strcmp(vs->v[j].object, objs[i]) == 0 && vs->v[j].v.state == 0)
        cur = vs->v[j].v.version;
    buf_puts(out, i ? ",{\"path\":" : "{\"path\":");
    buf_json(out, objs[i]);
    buf_printf(out, ",\"version\":%u,\"versions\":[", cur);
    bool first = true;
    for (size_t j = 0; j < vs->n; j++) {
      const reload_version_info *v = &vs->v[j].v;
      if (strcmp(vs->v[j].object, objs[i]) != 0)
        continue;
      buf_printf(out, "%s{\"version\":%u,\"state\":\"%s\",\"functions\":%u,"
                 "\"changed\":%u,\"stale_hits\":%llu}",
                 first ? "" : ",", v->version, state_name(v->state),
                 v->functions, v->changed, (unsigned long long)v->stale_hits);
      first = false;
    }
    buf_puts(out, "]}");
  }
  free(objs);
  const struct update_status *us = s->up ? update_status(s->up) : NULL;
  buf_puts(out, "],\"last_reload\":");
  if (us && us->last_reload[0]) {
    buf_printf(out, "{\"time\":%lld,\"message\":", (long long)us->last_reload_at);
    buf_json(out, us->last_reload);
    buf_puts(out, "}");
  } else {
    buf_puts(out, "null");
  }
  buf_puts(out, ",\"last_error\":");
  if (us && us->last_error[0]) {
    buf_printf(out, "{\"time\":%lld,\"message\":", (long long)us->last_error_at);
    buf_json(out, us->last_error);
    buf_puts(out, "}");
  } else {
    buf_puts(out, "null");
  }
  if (s->bld) {
    struct build_info bi;
    build_info(s->bld, &bi);
    buf_printf(out, ",\"builds\":{\"runs\":%u,\"failures\":%u,\"running\":%s,"
               "\"last\":",
               bi.runs, bi.failures, bi.running ? "true" : "false");
    if (bi.last[0])
      buf_json(out, bi.last);
    else
      buf_puts(out, "null");
    buf_puts(out, "}");
  }
  buf_printf(out, ",\"reloads\":%llu,\"refused\":%llu,\"stale_hits\":%llu,"
             "\"rollbacks\":%llu}\n",
             (unsigned long long)st->reloads, (unsigned long long)st->refused,
             (unsigned long long)st->stale_hits,
             (unsigned long long)st->rollbacks);
}

void status_render(const struct status_src *s, bool as_json, struct buf *out) {
  struct vers vs = {0};
  reload_list_versions(s->ctx, collect, &vs);
  reload_stats st;
  memset(&st, 0, sizeof st);
  reload_get_stats(s->ctx, &st);
  if (as_json)
    json(s, &vs, &st, out);
  else
    text(s, &vs, &st, out);
  for (size_t i = 0; i < vs.n; i++)
    free(vs.v[i].object);
  free(vs.v);
}
