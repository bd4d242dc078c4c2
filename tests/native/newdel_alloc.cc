// newdel_alloc.cc: a replacement for the global operator new and delete
// that keeps a header, as debugging allocators do.  Memory that reaches
// this delete without its header came from another operator new: abort.
#include <cstdio>
#include <cstdlib>
#include <new>

namespace {
const unsigned long kMagic = 0x5eed5eedUL;
struct header {
  unsigned long magic;
  unsigned long size;
};
}  // namespace

unsigned long newdel_news, newdel_deletes;

void *operator new(std::size_t n) {
  header *h = static_cast<header *>(std::malloc(sizeof(header) + n));
  if (!h)
    throw std::bad_alloc();
  h->magic = kMagic;
  h->size = n;
  newdel_news++;
  return h + 1;
}

void operator delete(void *p) noexcept {
  if (!p)
    return;
  header *h = static_cast<header *>(p) - 1;
  if (h->magic != kMagic) {
    std::fprintf(stderr, "operator delete: %p was not allocated by our new\n", p);
    std::abort();
  }
  h->magic = 0;
  newdel_deletes++;
  std::free(h);
}

void operator delete(void *p, std::size_t) noexcept { operator delete(p); }
