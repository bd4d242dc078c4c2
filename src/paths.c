/*
 * paths.c - path arithmetic and the private-directory check.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

char *path_join(const char *dir, const char *rel) {
  char *cwd = NULL;
  if (rel[0] != '/' && !dir) {
    cwd = getcwd(NULL, 0);
    if (!cwd)
      return NULL;
    dir = cwd;
  }
  size_t n = (rel[0] == '/' ? 0 : strlen(dir) + 1) + strlen(rel) + 1;
  char *out = malloc(n);
  if (!out) {
    free(cwd);
    return NULL;
  }
  if (rel[0] == '/')
    snprintf(out, n, "%s", rel);
  else
    snprintf(out, n, "%s/%s", dir, rel);
  free(cwd);
  /* Fold "//" and "/./" in place; the result only ever gets shorter. */
  char *w = out;
  for (const char *r = out; *r;) {
    if (r[0] == '/' && (r[1] == '/' || (r[1] == '.' && (r[2] == '/' || !r[2])))) {
      r += r[1] == '/' ? 1 : 2;
      continue;
    }
    *w++ = *r++;
  }
  if (w == out)
    *w++ = '/';
  else if (w > out + 1 && w[-1] == '/')
    w--;
  *w = '\0';
  return out;
}

char *path_dir(const char *path) {
  const char *s = strrchr(path, '/');
  if (!s)
    return strdup(".");
  if (s == path)
    return strdup("/");
  return strndup(path, (size_t)(s - path));
}

const char *path_base(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

bool path_has_glob(const char *s) { return strpbrk(s, "*?[{") != NULL; }

bool path_under(const char *tree, const char *path) {
  size_t n = strlen(tree);
  if (n == 1 && tree[0] == '/')
    return path[0] == '/';
  return strncmp(tree, path, n) == 0 && (path[n] == '/' || path[n] == 0);
}

const char *path_show(const char *tree, const char *path) {
  if (!tree || !path_under(tree, path))
    return path;
  size_t n = strlen(tree);
  if (path[n] == 0)
    return ".";
  return path + n + (n == 1 ? 0 : 1);
}

int path_check_private(const char *dir, char *why, size_t len) {
  struct stat st;
  if (stat(dir, &st) < 0) {
    snprintf(why, len, "cannot examine directory %s: %s", dir,
             strerror(errno));
    return -1;
  }
  uid_t me = geteuid();
  const char *who = NULL;
  char owner[64];
  if (st.st_mode & S_IWOTH) {
    who = "any user";
  } else if ((st.st_mode & S_IWGRP) && st.st_gid != getegid()) {
    who = "the members of its group";
  } else if (st.st_uid != me && st.st_uid != 0) {
    struct passwd *pw = getpwuid(st.st_uid);
    if (pw)
      snprintf(owner, sizeof owner, "its owner %s", pw->pw_name);
    else
      snprintf(owner, sizeof owner, "its owner (uid %u)", (unsigned)st.st_uid);
    who = owner;
  }
  if (!who)
    return 0;
  snprintf(why, len,
           "%s can be written by %s (mode %04o): loading an object runs its "
           "code, so they could run code as you",
           dir, who, (unsigned)(st.st_mode & 07777));
  return 1;
}
