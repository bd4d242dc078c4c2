/*
 * fuzz_describe.c - arbitrary bytes as an object or archive given to
 * reload_describe() (`reloadd inspect`), which validates like a link and
 * then prints every section, symbol and relocation type: formatting paths
 * that a link never takes.
 *
 * The bytes go to a memfd, named through /proc/self/fd.  The text written
 * must not hold a NUL, and on failure `err` must hold a one-line message.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

static void on_write(void *ud, const char *text, size_t len) {
  size_t *total = ud;
  if (!text && len)
    fz_fail("describe: write(NULL, %zu)", len);
  if (len && memchr(text, '\0', len))
    fz_fail("describe: text holds a NUL byte");
  *total += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = memfd_create("fuzz-describe", MFD_CLOEXEC);
  if (fd < 0)
    fz_fail("memfd_create failed");
  for (size_t off = 0; off < size;) {
    ssize_t n = write(fd, data + off, size - off);
    if (n <= 0)
      fz_fail("write to the memfd failed");
    off += (size_t)n;
  }
  char path[64], err[512];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  /* Empty, with no terminator after it: a message must be written and
   * terminated by describe itself. */
  memset(err, 'x', sizeof err);
  err[0] = '\0';
  size_t total = 0;
  int r = reload_describe(path, on_write, &total, err, sizeof err);
  if (r > 0 || (r < 0 && strcmp(reload_strerror(r), "unknown error") == 0))
    fz_fail("describe returned %d: not 0 or a RELOAD_E* code", r);
  if (r < 0) {
    size_t n = strnlen(err, sizeof err);
    if (n == sizeof err)
      fz_fail("describe: err is not terminated");
    if (n == 0)
      fz_fail("describe returned %d with an empty message", r);
    if (err[n - 1] == '\n')
      fz_fail("describe: message ends in a newline: %s", err);
  } else if (total == 0) {
    fz_fail("describe succeeded and wrote nothing");
  }
  close(fd);
  return 0;
}
