/*
 * replay.c - run a fuzz target's entry point on files, as an ordinary
 * program: the corpus and the regression inputs are replayed in every
 * build and under every test setup, with any compiler (the fuzz-replay
 * tests), the way SQLite's fuzzcheck replays its fuzz corpora.
 *
 *   replay_TARGET PATH...
 *
 * A PATH that is a directory stands for its files (not recursively;
 * dot files and README* are skipped).  Each input's name is printed before
 * it runs, so a crash names its input.  Exit 0 when every input ran, 1 when
 * none was found or a file could not be read; a broken contract aborts
 * (fuzz.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int ran, bad;

static void run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
    bad++;
    return;
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      uint8_t *nb = realloc(buf, cap *= 2);
      if (!nb)
        free(buf);
      buf = nb;
    }
  }
  int rerr = ferror(f);
  fclose(f);
  if (!buf || rerr) {
    fprintf(stderr, "replay: %s: cannot read\n", path);
    free(buf);
    bad++;
    return;
  }
  printf("replay: %s (%zu bytes)\n", path, len);
  fflush(stdout);
  /* An exact-size copy, so that ASan sees a read past the input. */
  uint8_t *exact = malloc(len ? len : 1);
  if (!exact) {
    free(buf);
    bad++;
    return;
  }
  memcpy(exact, buf, len);
  free(buf);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  ran++;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
    bad++;
    return;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
      continue;
    if (n == cap) {
      char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
      if (!nn)
        break;
      names = nn;
    }
    size_t l = strlen(dir) + strlen(e->d_name) + 2;
    if (!(names[n] = malloc(l)))
      break;
    snprintf(names[n], l, "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  /* In name order, so that runs are the same everywhere. */
  if (n)
    qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
      run_file(names[i]);
    free(names[i]);
  }
  free(names);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
      bad++;
    } else if (S_ISDIR(st.st_mode)) {
      run_dir(argv[i]);
    } else {
      run_file(argv[i]);
    }
  }
  printf("replay: %d inputs ran, %d unreadable\n", ran, bad);
  if (ran == 0) {
    fprintf(stderr, "replay: no input found\n");
    return 1;
  }
  return bad ? 1 : 0;
}
