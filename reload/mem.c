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

/* glibc's qsort merges through a buffer it takes from malloc and frees as
 * it is, which would leave copies of what the library sorts (code
 * addresses, ranges) in freed memory for the scan to find.  So: a merge
 * sort through a buffer of ours (cleared when freed), or, without memory,
 * a heapsort in place. */
static void swap_bytes(unsigned char *a, unsigned char *b, size_t n) {
  while (n--) {
    unsigned char t = *a;
    *a++ = *b;
    *b++ = t;
  }
}

static void sift(unsigned char *v, size_t root, size_t n, size_t size,
                 int (*cmp)(const void *, const void *)) {
  for (;;) {
    size_t child = 2 * root + 1;
    if (child >= n)
      return;
    if (child + 1 < n && cmp(v + child * size, v + (child + 1) * size) < 0)
      child++;
    if (cmp(v + root * size, v + child * size) >= 0)
      return;
    swap_bytes(v + root * size, v + child * size, size);
    root = child;
  }
}

static void heapsort_in_place(unsigned char *v, size_t n, size_t size,
                              int (*cmp)(const void *, const void *)) {
  for (size_t i = n / 2; i-- > 0;)
    sift(v, i, n, size, cmp);
  for (size_t end = n - 1; end > 0; end--) {
    swap_bytes(v, v + end * size, size);
    sift(v, 0, end, size, cmp);
  }
}

void reload__sort(void *base, size_t n, size_t size,
                  int (*cmp)(const void *, const void *)) {
  unsigned char *v = base;
  if (n < 2 || !size)
    return;
  unsigned char *tmp = n <= SIZE_MAX / size ? reload__mem_malloc(n * size)
                                            : NULL;
  if (!tmp) {
    heapsort_in_place(v, n, size, cmp);
    return;
  }
  /* Bottom-up: runs of `w` elements merged pairwise into tmp, then back. */
  unsigned char *src = v, *dst = tmp;
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n;
      size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        if (cmp(src + j * size, src + i * size) < 0)
          memcpy(dst + k++ * size, src + j++ * size, size);
        else
          memcpy(dst + k++ * size, src + i++ * size, size);
      }
      if (i < mid)
        memcpy(dst + k * size, src + i * size, (mid - i) * size), k += mid - i;
      if (j < hi)
        memcpy(dst + k * size, src + j * size, (hi - j) * size);
    }
    unsigned char *t = src;
    src = dst;
    dst = t;
  }
  if (src != v)
    memcpy(v, src, n * size);
  reload__mem_free(tmp);
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
    reload__sort(v, n, sizeof *v, by_start);
  *out = v;
  return v ? n : 0;
}

/* fork.c: held across fork(), so that the child's list is whole. */
void reload__mem_hold(void) { pthread_mutex_lock(&lock); }
void reload__mem_release(void) { pthread_mutex_unlock(&lock); }
