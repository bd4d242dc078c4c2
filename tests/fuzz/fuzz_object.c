/*
 * fuzz_object.c - arbitrary bytes as one object (or archive: the core tells
 * them apart by magic), queued with reload_add_memory() and linked with
 * reload_link() in a fresh context.  A refusal must leave the context able
 * to link a good object; a close must leave nothing mapped or open.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  reload_ctx *ctx = fz_open(size > 0 && (data[size - 1] & 1));
  int r = fz_check(ctx, reload_add_memory(ctx, "fuzz.o", data, size), "add");
  if (r == 0)
    r = fz_check(ctx, reload_link(ctx), "link");
  if (r == 0)
    fz_after_link(ctx);
  else
    fz_good_link(ctx);
  fz_close(ctx);
  return 0;
}
