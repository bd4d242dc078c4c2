/*
 * status.h - what `reloadd status` shows: the objects with their versions,
 * the last reload and the last error, builds, stale-code hits and
 * rollbacks; as text, or as one JSON object.
 */
#ifndef RELOADD_STATUS_H
#define RELOADD_STATUS_H

#include <stdbool.h>

#include "buf.h"
#include "build.h"
#include "reload.h"
#include "update.h"

struct status_src {
  const char *config;     /* absolute path of the config file */
  reload_ctx *ctx;
  struct update *up;      /* may be NULL */
  struct build *bld;      /* may be NULL */
  const char *tree;       /* paths under it are shown relative to it */
};

void status_render(const struct status_src *s, bool json, struct buf *out);

#endif
