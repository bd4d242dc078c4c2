/* myalloc_heap.c: a program's own malloc, free, calloc and realloc, with
 * a header on every block, as debugging allocators have.  A block that
 * reaches this free() without its header came from another allocator:
 * abort, as such an allocator would. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAGIC 0x6d79616c6c6f63ull /* "myalloc" */

struct hdr {
  uint64_t magic;
  size_t size;
};

unsigned long myalloc_blocks, myalloc_frees;

void *malloc(size_t n) {
  size_t len = sizeof(struct hdr) + n;
  struct hdr *h = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (h == MAP_FAILED)
    return NULL;
  h->magic = MAGIC;
  h->size = n;
  __atomic_fetch_add(&myalloc_blocks, 1, __ATOMIC_RELAXED);
  return h + 1;
}

void free(void *p) {
  if (!p)
    return;
  struct hdr *h = (struct hdr *)p - 1;
  if (h->magic != MAGIC) {
    static const char msg[] = "myalloc: free() of a block it did not make\n";
    (void)!write(2, msg, sizeof msg - 1);
    abort();
  }
  h->magic = 0;
  __atomic_fetch_add(&myalloc_frees, 1, __ATOMIC_RELAXED);
  munmap(h, sizeof *h + h->size);
}

void *calloc(size_t n, size_t m) {
  if (m && n > SIZE_MAX / m)
    return NULL;
  return malloc(n * m); /* mmap memory is zero */
}

void *realloc(void *p, size_t n) {
  if (!p)
    return malloc(n);
  struct hdr *h = (struct hdr *)p - 1;
  if (h->magic != MAGIC) {
    static const char msg[] = "myalloc: realloc() of a block it did not make\n";
    (void)!write(2, msg, sizeof msg - 1);
    abort();
  }
  void *q = malloc(n);
  if (q) {
    memcpy(q, p, h->size < n ? h->size : n);
    free(p);
  }
  return q;
}
