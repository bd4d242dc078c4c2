/*
 * status.c - render the daemon's state for `reloadd status`: each object
 * with its versions, what each reload changed, stale-code hits and
 * rollbacks; as text, or as one JSON object.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"
#include "status.h"

/* The states reload_list_versions() reports, by number. */
static const char *const states[] = {"current", "old", "retired",
                                     "rolled back", "pending"};
#define NSTATES (sizeof states / sizeof *states)

/* What a version did to the functions of the version before it. */
enum { CH_CHANGED, CH_ADDED, CH_REMOVED, NCH };
static const char *const change_names[NCH] = {"changed", "added", "removed"};

struct ver {
  char *object;
  reload_version_info v;
  struct strv fns[NCH]; /* from reload_list_functions() */
  bool have_fns;        /* false when the version went away meanwhile */
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
  memset(&nv[vs->n], 0, sizeof nv[vs->n]);
  nv[vs->n].object = strdup(v->object ? v->object : "");
  nv[vs->n].v = *v;
  nv[vs->n].v.object = nv[vs->n].object;
  if (nv[vs->n].object)
    vs->n++;
}

static void collect_fn(void *ud, const char *name, int change,
                       const void *code, size_t size) {
  struct ver *v = ud;
  (void)code;
  (void)size;
  /* reload_list_functions(): 1 changed, 2 added, 3 removed. */
  if (change >= 1 && change <= 3)
    strv_push(&v->fns[change - 1], name);
}

/* The functions each version changed.  The core's lock is taken once per
 * version, not across the whole listing: a version retired in between is
 * shown without its functions rather than holding up a reload. */
static void collect_functions(reload_ctx *ctx, struct vers *vs) {
  for (size_t i = 0; i < vs->n; i++) {
    struct ver *v = &vs->v[i];
    v->have_fns = reload_list_functions(ctx, v->object, v->v.version,
                                        collect_fn, v) == 0;
  }
}

static const char *state_name(int st) {
  return st >= 0 && (size_t)st < NSTATES ? states[st] : "unknown";
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

/* At most this many names of each kind on a version's line of text; the
 * JSON has them all. */
#define TEXT_NAMES 8

static void text_names(struct buf *out, const char *what,
                       const struct strv *l, bool *first) {
  if (!l->n)
    return;
  buf_printf(out, "%s%s ", *first ? "" : "; ", what);
  for (size_t i = 0; i < l->n && i < TEXT_NAMES; i++)
    buf_printf(out, "%s%s", i ? ", " : "", l->v[i]);
  if (l->n > TEXT_NAMES)
    buf_printf(out, " and %zu more", l->n - TEXT_NAMES);
  *first = false;
}

/* "    v2 rolled back: changed f, g; added h; 3 stale hits" */
static void text_version(struct buf *out, const struct ver *v) {
  buf_printf(out, "    v%u %s: ", v->v.version, state_name(v->v.state));
  bool first = true;
  if (v->v.version == 1) {
    /* Everything was new then: the count says enough. */
    buf_printf(out, "%u function%s loaded", v->v.functions,
               v->v.functions == 1 ? "" : "s");
    first = false;
  } else if (v->have_fns) {
    for (int c = 0; c < NCH; c++)
      text_names(out, change_names[c], &v->fns[c], &first);
    if (first)
      buf_puts(out, "no function changed");
    first = false;
  } else {
    buf_printf(out, "%u function%s changed", v->v.changed,
               v->v.changed == 1 ? "" : "s");
  }
  if (v->v.stale_hits)
    buf_printf(out, "; %llu stale hit%s", (unsigned long long)v->v.stale_hits,
               v->v.stale_hits == 1 ? "" : "s");
  buf_puts(out, "\n");
}

static void text(const struct status_src *s, const struct vers *vs,
                 const reload_stats *st, struct buf *out) {
  buf_printf(out, "config: %s\npid: %d\nobjects:\n", s->config, (int)getpid());
  const char **objs = calloc(vs->n ? vs->n : 1, sizeof *objs);
  size_t no = objs ? objects(vs, objs) : 0;
  for (size_t i = 0; i < no; i++) {
    unsigned cur = 0, old = 0, retired = 0, rolled = 0, pending = 0, nv = 0;
    uint64_t hits = 0;
    for (size_t j = 0; j < vs->n; j++) {
      const reload_version_info *v = &vs->v[j].v;
      if (strcmp(vs->v[j].object, objs[i]) != 0)
        continue;
      nv++;
      hits += v->stale_hits;
      if (v->state == 0)
        cur = v->version;
      else if (v->state == 1)
        old++;
      else if (v->state == 2)
        retired++;
      else if (v->state == 3)
        rolled++;
      else
        pending++;
    }
    buf_printf(out, "  %s v%u", path_show(s->tree, objs[i]), cur);
    if (old || retired || rolled)
      buf_printf(out, " (older: %u mapped, %u retired, %u rolled back)", old,
                 retired, rolled);
    if (pending)
      buf_printf(out, ", v%u pending", cur + 1);
    if (hits)
      buf_printf(out, ", %llu stale hits", (unsigned long long)hits);
    buf_puts(out, "\n");
    /* An object never reloaded is one line; a reloaded one gets a line
     * per version still mapped, newest first, with what it changed. */
    bool reloaded = nv > 1;
    for (size_t j = 0; j < vs->n && !reloaded; j++)
      reloaded = strcmp(vs->v[j].object, objs[i]) == 0 && vs->v[j].v.version > 1;
    for (size_t j = 0; j < vs->n && reloaded; j++)
      if (strcmp(vs->v[j].object, objs[i]) == 0)
        text_version(out, &vs->v[j]);
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

static void json_names(struct buf *out, const struct strv *l) {
  if (!l) {
    buf_puts(out, "null");
    return;
  }
  buf_puts(out, "[");
  for (size_t i = 0; i < l->n; i++) {
    if (i)
      buf_puts(out, ",");
    buf_json(out, l->v[i]);
  }
  buf_puts(out, "]");
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
    unsigned rolled = 0;
    uint64_t hits = 0;
    for (size_t j = 0; j < vs->n; j++) {
      const reload_version_info *v = &vs->v[j].v;
      if (strcmp(vs->v[j].object, objs[i]) != 0)
        continue;
      buf_printf(out, "%s{\"version\":%u,\"state\":\"%s\",\"functions\":%u,"
                 "\"changed\":%u,\"stale_hits\":%llu",
                 first ? "" : ",", v->version, state_name(v->state),
                 v->functions, v->changed, (unsigned long long)v->stale_hits);
      /* The names: null when the version went away while listing. */
      for (int c = 0; c < NCH; c++) {
        buf_printf(out, ",\"%s_functions\":", change_names[c]);
        json_names(out, vs->v[j].have_fns ? &vs->v[j].fns[c] : NULL);
      }
      buf_puts(out, "}");
      if (v->state == 3)
        rolled++;
      hits += v->stale_hits;
      first = false;
    }
    buf_printf(out, "],\"rollbacks\":%u,\"stale_hits\":%llu}", rolled,
               (unsigned long long)hits);
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
  collect_functions(s->ctx, &vs);
  reload_stats st;
  memset(&st, 0, sizeof st);
  reload_get_stats(s->ctx, &st);
  if (as_json)
    json(s, &vs, &st, out);
  else
    text(s, &vs, &st, out);
  for (size_t i = 0; i < vs.n; i++) {
    free(vs.v[i].object);
    for (int c = 0; c < NCH; c++)
      strv_free(&vs.v[i].fns[c]);
  }
  free(vs.v);
}
