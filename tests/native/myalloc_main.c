/* myalloc_main.c: a program that brings its own malloc and free uses the C
 * library, whose allocations (strdup, getline, fopen, asprintf, opendir,
 * stdio buffers) natively come from the program's allocator and are freed
 * by its free(). */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern unsigned long myalloc_blocks, myalloc_frees;

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  unsigned long before = myalloc_blocks;
  char *words[8];
  const char *src[8] = {"pear", "fig", "apple", "kiwi", "plum", "date",
                        "lime", "yuzu"};
  for (int i = 0; i < 8; i++)
    words[i] = strdup(src[i]); /* libc's malloc */
  qsort(words, 8, sizeof *words, cmp);
  for (int i = 0; i < 8; i++) {
    printf("%s%s", i ? " " : "", words[i]);
    free(words[i]); /* the program's free */
  }
  printf("\n");
  char *s = NULL;
  if (asprintf(&s, "%d-%s", 42, "asprintf") > 0) {
    printf("%s\n", s);
    free(s);
  }
  FILE *f = fopen("/proc/self/status", "r");
  char *line = NULL;
  size_t cap = 0;
  int lines = 0;
  while (f && getline(&line, &cap, f) > 0) /* realloc inside libc */
    lines++;
  free(line);
  if (f)
    fclose(f);
  printf("read /proc/self/status: %s\n", lines > 5 ? "yes" : "no");
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  while (d && readdir(d))
    n++;
  if (d)
    closedir(d);
  printf("listed /proc/self/fd: %s\n", n >= 3 ? "yes" : "no");
  char *r = realpath("/proc/self/cwd/.", NULL);
  printf("realpath: %s\n", r ? "yes" : "no");
  free(r);
  char *mem = malloc(10);
  mem = realloc(mem, 100000);
  free(mem);
  /* Under the asan test setup the sanitizer's runtime, in reloadd, takes
   * strdup, getline and the like for itself: only the frees are checked. */
  const char *setup = getenv("RELOAD_TEST_SETUP");
  if (!setup || strcmp(setup, "asan") != 0)
    printf("the program's allocator made the C library's blocks: %s\n",
           myalloc_blocks - before > 12 ? "yes" : "no");
  return 0;
}
