/*
 * fuzz_archive.c - arbitrary bytes as an ar archive, linked with a fixed
 * object (ar_driver.c, built into the target) that leaves the seed members'
 * entry points undefined, so that members named by the symbol index are
 * pulled in, parsed, laid out and relocated.
 *
 * Input that does not start with an archive magic gets "!<arch>\n" put in
 * front, so that every input reaches the archive reader.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

extern const unsigned char fz_driver_obj[];
extern const size_t fz_driver_obj_len;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char magic[8] = "!<arch>\n";
  uint8_t *own = NULL;
  if (size < 8 || (memcmp(data, magic, 8) != 0 &&
                   memcmp(data, "!<thin>\n", 8) != 0)) {
    own = malloc(size + 8);
    if (!own)
      return 0;
    memcpy(own, magic, 8);
    if (size)
      memcpy(own + 8, data, size);
    data = own;
    size += 8;
  }
  reload_ctx *ctx = fz_open(size > 0 && (data[size - 1] & 1));
  /* The archive first: a refused archive then leaves nothing queued. */
  int r = fz_check(ctx, reload_add_memory(ctx, "fuzz.a", data, size), "add");
  if (r == 0)
    r = fz_check(ctx, reload_add_memory(ctx, "driver.o", fz_driver_obj,
                                        fz_driver_obj_len),
                 "add driver.o");
  if (r == 0)
    r = fz_check(ctx, reload_link(ctx), "link");
  if (r == 0)
    fz_after_link(ctx);
  else
    fz_good_link(ctx);
  fz_close(ctx);
  free(own);
  return 0;
}
