/*
 * unwind_test.c - backtrace() from inside loaded code walks through the
 * loaded frames and on into the host's.
 *
 *   unwind_test BT_V1.o BT_V2.o
 *
 * The host (built with -rdynamic, so that dladdr() names its functions)
 * calls bt_outer in the loaded object, which calls down to the host's
 * host_leaf, which calls backtrace().  The frames must be: host_leaf, then
 * each loaded function in call order (found by address among the version's
 * functions from reload_list_functions), then the host's dbg_call_outer,
 * and, further down, main.  The same after a reload to version 2 (one more
 * frame), and again after older versions were unmapped and their .eh_frame
 * deregistered.
 */
#include <dlfcn.h>
#include <execinfo.h>
#include <stdio.h>
#include <string.h>

#include "dbgtest.h"

int host_leaf(void **pcs, int max);
void host_throw(int x);
int dbg_call_outer(reload_ctx *ctx, void **pcs, int max);

__attribute__((noinline)) int host_leaf(void **pcs, int max) {
  int n = backtrace(pcs, max);
  __asm__ volatile("" ::: "memory");
  return n;
}

/* bt_pass's callee (unwind_cxx.cc throws from it); not called here. */
void host_throw(int x) { (void)x; }

__attribute__((noinline)) int dbg_call_outer(reload_ctx *ctx, void **pcs,
                                             int max) {
  int (*outer)(void **, int) =
      (int (*)(void **, int))dbg_fn(dbg_entry(ctx, "bt_outer"));
  int n = outer(pcs, max);
  __asm__ volatile("" ::: "memory");
  return n;
}

static const char *host_name(void *pc) {
  Dl_info di;
  if (!dladdr(pc, &di) || !di.dli_sname)
    return "?";
  return di.dli_sname;
}

static void show(void **pcs, int n) {
  char **s = backtrace_symbols(pcs, n);
  for (int i = 0; s && i < n; i++)
    fprintf(stderr, "  #%d %s\n", i, s[i]);
  free(s);
}

/* Walk from inside `version` of lib.o; `loaded` lists the loaded frames
 * expected between host_leaf and dbg_call_outer, innermost first. */
static void check(reload_ctx *ctx, unsigned version, const char *const *loaded,
                  int nloaded) {
  void *pcs[64];
  int n = dbg_call_outer(ctx, pcs, 64);
  dbg_func fs[32];
  int nf = DBG_OK(ctx, dbg_functions(ctx, "lib.o", version, fs, 32));
  if (n <= nloaded + 2) {
    show(pcs, n);
    FAIL("v%u: backtrace() stopped after %d frames, before reaching the "
         "host's frames below the loaded ones", version, n);
  }
  /* Under ASan, its interceptor of backtrace() is a frame of its own. */
  int leaf = 0;
  while (leaf < 2 && strcmp(host_name(pcs[leaf]), "host_leaf") != 0)
    leaf++;
  if (strcmp(host_name(pcs[leaf]), "host_leaf") != 0) {
    show(pcs, n);
    FAIL("frame 0 is %s, not host_leaf", host_name(pcs[0]));
  }
  n -= leaf;
  memmove(pcs, pcs + leaf, (size_t)n * sizeof *pcs);
  for (int i = 0; i < nloaded; i++) {
    /* A return address: the call is just before it. */
    const dbg_func *f = dbg_func_at(fs, nf, (uintptr_t)pcs[1 + i] - 1);
    if (!f || strcmp(f->name, loaded[i]) != 0) {
      show(pcs, n);
      FAIL("v%u: frame %d is %s, not %s of the loaded version", version,
           1 + i, f ? f->name : "outside it", loaded[i]);
    }
  }
  const char *after = host_name(pcs[1 + nloaded]);
  if (strcmp(after, "dbg_call_outer") != 0) {
    show(pcs, n);
    FAIL("v%u: frame %d is %s, not the host's dbg_call_outer", version,
         1 + nloaded, after);
  }
  bool main_seen = false;
  for (int i = 2 + nloaded; i < n && !main_seen; i++)
    main_seen = strcmp(host_name(pcs[i]), "main") == 0;
  if (!main_seen) {
    show(pcs, n);
    FAIL("v%u: the backtrace does not reach main", version);
  }
  printf("v%u: %d frames, %d loaded, down to main\n", version, n, nloaded);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: unwind_test BT_V1.o BT_V2.o\n");
    return 2;
  }
  dbg_tmpdir(argc, argv);
  dbg_copy(argv[1], "lib.o");
  reload_options opt = {.log = dbg_log, .keep_versions = 1, .retire_ms = 1};
  reload_ctx *ctx = reload_open(&opt);
  ASSERT_NOT_NULL(ctx);
  DBG_OK(ctx, reload_define(ctx, "host_leaf", (void *)(uintptr_t)host_leaf));
  DBG_OK(ctx, reload_define(ctx, "host_throw", (void *)(uintptr_t)host_throw));
  DBG_OK(ctx, reload_add_file(ctx, "lib.o"));
  DBG_OK(ctx, reload_link(ctx));

  static const char *const v1[] = {"bt_inner", "bt_outer"};
  static const char *const v2[] = {"bt_inner", "bt_middle", "bt_outer"};
  check(ctx, 1, v1, 2);
  dbg_copy(argv[2], "lib.o");
  ASSERT_EQ(DBG_OK(ctx, reload_update(ctx, "lib.o")), 2);
  check(ctx, 2, v2, 3);

  /* More versions, until the first two are unmapped: their frame info is
   * deregistered, and what is left still unwinds. */
  int v = 2;
  unsigned vers[16];
  for (int i = 0; i < 400; i++) {
    if (v < 5) {
      dbg_copy(v % 2 ? argv[2] : argv[1], "lib.o");
      v = DBG_OK(ctx, reload_update(ctx, "lib.o"));
    }
    dbg_nap(5);
    reload_retire(ctx);
    int nv = dbg_versions(ctx, "lib.o", vers, 16);
    bool old = false;
    for (int k = 0; k < nv; k++)
      old |= vers[k] <= 2;
    if (v == 5 && !old)
      break;
  }
  int nv = dbg_versions(ctx, "lib.o", vers, 16);
  for (int k = 0; k < nv; k++)
    if (vers[k] <= 2)
      FAIL("version %u is still mapped after 2 s; cannot test "
           "deregistration", vers[k]);
  ASSERT_EQ(v, 5);
  check(ctx, 5, v1, 2); /* v5 is bt_v1.o again */
  reload_close(ctx);
  printf("PASS\n");
  return 0;
}
