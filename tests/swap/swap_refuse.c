/*
 * swap_refuse - refused reloads change nothing.
 *
 *   swap_refuse COUNTER_V1.o COUNTER_UNDEF.o COUNTER_V2.o
 *
 * A version with an undefined symbol, a truncated file, a file whose
 * section headers lie past its end and one whose relocation names a symbol
 * that does not exist are each refused with a message naming the file (and
 * the symbol); the old code keeps running with its state, nothing of the
 * refused version becomes visible, and the next good build swaps in.
 */
#include "swaptest.h"

#include <elf.h>

typedef int (*fn0)(void);
typedef int (*fn2)(int, int);

static fn0 value, count_static;
static fn2 call_table;
static int count;

/* Version 1 must still be the one that runs, with its state. */
static void still_v1(reload_ctx *ctx) {
  ASSERT_EQ(value(), 1);
  ASSERT_EQ(count_static(), ++count);
  ASSERT_EQ(call_table(0, 4), 14);
  ASSERT_EQ(((fn0)swt_entry(ctx, "removed_fn"))(), 7);
  ASSERT_NULL(reload_entry(ctx, "added_fn"));
  ASSERT_NULL(reload_sym(ctx, "added_fn"));
  reload_report rep;
  reload_last_report(ctx, &rep);
  ASSERT_UINT_EQ(rep.version, 0);
  swt_versions v;
  swt_list(ctx, &v);
  ASSERT_EQ(v.n, 1);
  ASSERT_EQ(v.state[1], 0);
}

static void refused(reload_ctx *ctx, int want, const char *what,
                    const char *needle) {
  int r = reload_update(ctx, "lib.o");
  fprintf(stderr, "%s: %d (%s): %s\n", what, r, reload_strerror(r),
          reload_errmsg(ctx));
  ASSERT_EQ(r, want);
  ASSERT_STR_CONTAINS(reload_errmsg(ctx), "lib.o");
  if (needle)
    ASSERT_STR_CONTAINS(reload_errmsg(ctx), needle);
}

int main(int argc, char **argv) {
  swt_args(argc, argv);
  ASSERT_EQ(argc, 4);
  reload_ctx *ctx = swt_open(NULL, argv[1], NULL);
  value = (fn0)swt_entry(ctx, "value");
  count_static = (fn0)swt_entry(ctx, "count_static");
  call_table = (fn2)swt_entry(ctx, "call_table");
  reload_stats s0 = swt_stats(ctx);
  still_v1(ctx);

  /* An undefined symbol. */
  swt_install(argv[2]);
  refused(ctx, RELOAD_EUNDEF, "undefined", "undefined_helper_xyz");
  ASSERT_NOT_NULL(swt_log_find(RELOAD_LOG_ERROR, "undefined_helper_xyz",
                               NULL, NULL));
  still_v1(ctx);

  size_t len;
  unsigned char *good = swt_slurp(argv[3], &len);
  unsigned char *bad = malloc(len);
  ASSERT_NOT_NULL(bad);

  /* Truncated, as a compiler still writing it would leave it. */
  swt_write("lib.o", good, len / 2);
  refused(ctx, RELOAD_EBADELF, "truncated", NULL);
  still_v1(ctx);
  swt_write("lib.o", good, 0);
  refused(ctx, RELOAD_EBADELF, "empty", NULL);
  still_v1(ctx);

  /* Section headers past the end of the file. */
  memcpy(bad, good, len);
  Elf64_Ehdr eh;
  memcpy(&eh, bad, sizeof eh);
  eh.e_shoff = (Elf64_Off)len + 4096;
  memcpy(bad, &eh, sizeof eh);
  swt_write("lib.o", bad, len);
  refused(ctx, RELOAD_EBADELF, "e_shoff past the end", NULL);
  still_v1(ctx);

  /* A relocation against symbol 0xfffff: headers are fine, the damage is
   * deep inside. */
  memcpy(bad, good, len);
  memcpy(&eh, good, sizeof eh);
  ASSERT_UINT_EQ(eh.e_shentsize, sizeof(Elf64_Shdr));
  int hit = 0;
  for (unsigned i = 0; i < eh.e_shnum && !hit; i++) {
    Elf64_Shdr sh;
    memcpy(&sh, good + eh.e_shoff + (size_t)i * sizeof sh, sizeof sh);
    if (sh.sh_type != SHT_RELA || sh.sh_size < sizeof(Elf64_Rela))
      continue;
    Elf64_Rela ra;
    memcpy(&ra, good + sh.sh_offset, sizeof ra);
    ra.r_info = ELF64_R_INFO(0xfffffu, ELF64_R_TYPE(ra.r_info));
    memcpy(bad + sh.sh_offset, &ra, sizeof ra);
    hit = 1;
  }
  ASSERT(hit);
  swt_write("lib.o", bad, len);
  refused(ctx, RELOAD_EBADELF, "bad relocation symbol", NULL);
  still_v1(ctx);

  reload_stats s = swt_stats(ctx);
  ASSERT_UINT_EQ(s.refused, 5);
  ASSERT_UINT_EQ(s.reloads, 0);
  ASSERT_UINT_EQ(s.entries, s0.entries);

  /* The next good build is swapped in as usual. */
  ASSERT_EQ(swt_reload(ctx, argv[3]), 2);
  ASSERT_EQ(value(), 2);
  ASSERT_EQ(count_static(), count + 100);
  ASSERT_EQ(call_table(0, 4), 24);
  ASSERT_EQ(((fn0)swt_entry(ctx, "added_fn"))(), 42);
  s = swt_stats(ctx);
  ASSERT_UINT_EQ(s.reloads, 1);
  ASSERT_UINT_EQ(s.refused, 5);

  free(good);
  free(bad);
  reload_close(ctx);
  return 0;
}
