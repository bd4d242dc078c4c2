/*
 * mem.c - the library's own heap blocks, known as such.
 *
 * Before an old version is unmapped, the program's memory is scanned for
 * pointers into it, as a conservative garbage collector scans its roots
 * (reach.c).  The library's own bookkeeping is full of such pointers (a
 * version's function addresses, the values it linked into data, a dead
 * version's forwarding records) and lives in the same heap as the
 * program's: those words must not count.  So every block the library
 * allocates carries a small header on a list, and the scan skips the
 * blocks on it.  internal.h turns the library's malloc, calloc, realloc,
 * strdup, strndup and free into these.
 *
 * A freed block is cleared first, and realloc never leaves a copy behind:
 * stale pointers in freed memory would keep old versions for ever.
 *
 * Memory that holds the program's data (thread-local blocks, tls.c) is
 * allocated with the plain functions, so that the scan sees it.
 */
#define RELOAD__MEM_RAW
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct hdr {
  struct hdr *prev, *next;
  size_t size;
  uint64_t magic;
};

#define MAGIC 0x6d656d2d72656c64ull /* "dler-mem" */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct hdr head = {&head, &head, 0, 0};
static size_t nblocks;

static void *link_in(struct hdr *h, size_t n) {
  h->size = n;
  h->magic = MAGIC;
  pthread_mutex_lock(&lock);
  h->next = head.next;
  h->prev = &head;
  head.next->prev = h;
  head.next = h;
  nblocks++;
  pthread_mutex_unlock(&lock);
  return h + 1;
}

static void unlink_out(struct hdr *h) {
  pthread_mutex_lock(&lock);
  h->prev->next = h->next;
  h->next->prev = h->prev;
  nblocks--;
  pthread_mutex_unlock(&lock);
  h->magic = 0;
}

void *reload__mem_malloc(size_t n) {
  if (n > SIZE_MAX - sizeof(struct hdr))
    return NULL;
  struct hdr *h = malloc(sizeof *h + n);
  return h ? link_in(h, n) : NULL;
}

void *reload__mem_calloc(size_t n, size_t m) {
  if (m && n > (SIZE_MAX - sizeof(struct hdr)) / m)
    return NULL;
  struct hdr *h = calloc(1, sizeof *h + n * m);
  return h ? link_in(h, n * m) : NULL;
}

void reload__mem_free(void *p) {
  if (!p)
    return;
  struct hdr *h = (struct hdr *)p - 1;
  unlink_out(h);
  memset(p, 0, h->size);
  free(h);
}

void *reload__mem_realloc(void *p, size_t n) {
  if (!p)
    return reload__mem_malloc(n);
  struct hdr *h = (struct hdr *)p - 1;
  if (n <= h->size) {
    /* Shrinking in place: the tail is cleared, the block stays. */
    memset((char *)p + n, 0, h->size - n);
    h->size = n;
    return p;
  }
  void *q = reload__mem_malloc(n);
  if (!q)
    return NULL;
  memcpy(q, p, h->size);
  reload__mem_free(p);
  return q;
}

char *reload__mem_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = reload__mem_malloc(n);
  return d ? memcpy(d, s, n) : NULL;
}

char *reload__mem_strndup(const char *s, size_t max) {
  size_t n = strnlen(s, max);
  char *d = reload__mem_malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = 0;
  }
  return d;
}

static int by_start(const void *a, const void *b) {
  const uint64_t *x = a, *y = b;
  return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Every block, header included, as [start, end) sorted by start (plain
 * malloc: the array itself is not one of them, and is freed with free()).
 * 0 and NULL when out of memory. */
size_t reload__mem_blocks(uint64_t (**out)[2]) {
  pthread_mutex_lock(&lock);
  uint64_t(*v)[2] = malloc((nblocks ? nblocks : 1) * sizeof *v);
  size_t n = 0;
  for (struct hdr *h = head.next; v && h != &head; h = h->next) {
    v[n][0] = (uint64_t)(uintptr_t)h;
    v[n][1] = (uint64_t)(uintptr_t)(h + 1) + h->size;
    n++;
  }
  pthread_mutex_unlock(&lock);
  if (v)
    qsort(v, n, sizeof *v, by_start);
  *out = v;
  return v ? n : 0;
}

/* fork.c: held across fork(), so that the child's list is whole. */
void reload__mem_hold(void) { pthread_mutex_lock(&lock); }
void reload__mem_release(void) { pthread_mutex_unlock(&lock); }
