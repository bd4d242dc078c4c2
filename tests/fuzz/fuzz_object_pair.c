/*
 * fuzz_object_pair.c - arbitrary bytes as two objects linked together, so
 * that symbols of one resolve against the other (duplicates, weak against
 * strong, COMMON, COMDAT groups, TLS across objects).
 *
 * Input: a 4-byte little-endian length N, then the first object (N bytes,
 * clamped to what is there), then the second object (the rest).
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4)
    return 0;
  uint32_t n = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
               (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
  data += 4;
  size -= 4;
  if (n > size)
    n = (uint32_t)size;
  reload_ctx *ctx = fz_open(size > 0 && (data[size - 1] & 1));
  int r = fz_check(ctx, reload_add_memory(ctx, "a.o", data, n), "add a.o");
  if (r) {
    fz_good_link(ctx);
    fz_close(ctx);
    return 0;
  }
  r = fz_check(ctx, reload_add_memory(ctx, "b.o", data + n, size - n),
               "add b.o");
  /* A refused b.o leaves a.o queued: then a.o is linked alone. */
  r = fz_check(ctx, reload_link(ctx), r ? "link a.o alone" : "link");
  if (r == 0)
    fz_after_link(ctx);
  else
    fz_good_link(ctx);
  fz_close(ctx);
  return 0;
}
