/*
 * fuzz.h - what the fuzz targets share: a context opened the same way for
 * every run, and the checks of reload.h's contract that each run makes
 * besides "no crash".
 *
 * Each target (fuzz_*.c) defines LLVMFuzzerTestOneInput().  Built with
 * -Dfuzz=true it is linked with libFuzzer; in every build it is also linked
 * with replay.c, a main() that feeds it the corpus and regression files, so
 * the same entry points run in the default suites under any compiler.
 *
 * A broken contract calls fz_fail(), which prints what broke and aborts:
 * libFuzzer and the replay test both report that as a crash.
 */
#ifndef RELOAD_FUZZ_H
#define RELOAD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "reload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The arena every fuzz context reserves: a successful link maps it, and
 * the default (1 GiB) per run would only slow the fuzzer down. */
#define FZ_ARENA_SIZE (16u << 20)

/*
 * Open a context with the fuzz options; aborts if that fails.  With
 * `prelink`, good.o is linked first, so that the arena is mapped and holds
 * live code when the input is linked: a refusal must then leave that code
 * and its symbols exactly as they were.  Targets pass the low bit of the
 * input's last byte, so the fuzzer explores both.
 */
reload_ctx *fz_open(int prelink);

/*
 * Check the contract of a call that returned `r`: 0, or a negative code of
 * the map with a one-line message on the context.  Returns r.
 */
int fz_check(reload_ctx *ctx, int r, const char *what);

/*
 * After a refused add or link: "nothing queued is kept and the context is
 * as it was".  Links a known-good object in the same context, which must
 * succeed and work: good.o into a fresh context, or good_b.o (which uses a
 * symbol of good.o) after the pre-link.
 */
void fz_good_link(reload_ctx *ctx);

/* After a successful link: the counters and look-ups must be sane. */
void fz_after_link(reload_ctx *ctx);

/* Check that the pre-linked good.o still works, then reload_close(), then
 * check that no arena mapping and no descriptor of the context is left. */
void fz_close(reload_ctx *ctx);

/* Print a message naming the broken contract and abort. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The known-good objects (good.c, good_b.c), compiled at build time. */
extern const unsigned char fz_good_obj[];
extern const size_t fz_good_obj_len;
extern const unsigned char fz_good_b_obj[];
extern const size_t fz_good_b_obj_len;

#endif /* RELOAD_FUZZ_H */
