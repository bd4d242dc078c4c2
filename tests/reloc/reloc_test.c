/*
 * reloc_test.c - one case per x86-64 relocation type, run as
 *
 *     reloc_test CASE OBJECT...
 *
 * Each case links the objects (assembled from the .s files beside this one)
 * through the public API, with host symbols placed by reload_define(), and
 * then checks the bytes the relocations wrote or calls the linked code.
 * Expected values are computed here from reload_sym() addresses and the
 * constants in the .s files, never from anything reload reports about
 * itself.  The negative cases check the error code and the message.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "reload.h"

typedef uint64_t (*fn0)(void);
typedef uint64_t (*fn1)(uint64_t);

/* ---- host symbols ---------------------------------------------------- */

static uint64_t host_obj[8] = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8};
static int host_calls;
/* A page mapped at 16 TiB or so: tens of TiB from both the executable and
 * the shared libraries, so from the arena too, wherever reload puts it. */
static uint8_t *host_far;

static uint8_t *map_far(void) {
  for (uint64_t at = UINT64_C(0x100000000000); at < UINT64_C(0x400000000000);
       at += UINT64_C(0x10000000000)) {
    void *m = mmap((void *)(uintptr_t)at, 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (m != MAP_FAILED && m == (void *)(uintptr_t)at)
      return m;
    if (m != MAP_FAILED)
      munmap(m, 4096);
  }
  void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT(m != MAP_FAILED);
  return m;
}

static uint64_t host_add7(uint64_t x) {
  host_calls++;
  return x + 7;
}

/* ISO C has no cast between function and object pointers; copy the bits. */
static void *fn_addr(fn1 f) {
  void *p;
  memcpy(&p, &f, sizeof p);
  return p;
}

/* ---- context and messages ------------------------------------------- */

#define MAXLOG 32
static char logs[MAXLOG][512];
static int nlogs;

static void on_log(void *ud, int level, const char *file, const char *msg) {
  (void)ud;
  if (level != RELOAD_LOG_ERROR)
    return;
  if (nlogs < MAXLOG)
    snprintf(logs[nlogs], sizeof logs[0], "%s|%s", file ? file : "", msg);
  nlogs++;
}

static reload_ctx *open_ctx(unsigned flags) {
  reload_options opt;
  memset(&opt, 0, sizeof opt);
  opt.flags = flags;
  opt.log = on_log;
  reload_ctx *ctx = reload_open(&opt);
  ASSERT_NOT_NULL(ctx);
  return ctx;
}

static void define(reload_ctx *ctx, const char *name, void *addr) {
  int rc = reload_define(ctx, name, addr);
  if (rc != 0)
    FAIL("reload_define(%s): %d %s", name, rc, reload_errmsg(ctx));
}

/* Queue every object named on the command line. */
static void add_all(reload_ctx *ctx, int nobj, char **obj) {
  for (int i = 0; i < nobj; i++) {
    int rc = reload_add_file(ctx, obj[i]);
    if (rc != 0)
      FAIL("reload_add_file(%s): %d %s", obj[i], rc, reload_errmsg(ctx));
  }
}

static void link_ok(reload_ctx *ctx) {
  int rc = reload_link(ctx);
  if (rc != 0) {
    for (int i = 0; i < nlogs && i < MAXLOG; i++)
      fprintf(stderr, "log: %s\n", logs[i]);
    FAIL("reload_link: %d (%s) %s", rc, reload_strerror(rc),
         reload_errmsg(ctx));
  }
}

/* The standard set of host symbols the positive cases refer to. */
static reload_ctx *setup(int nobj, char **obj, unsigned flags) {
  reload_ctx *ctx = open_ctx(flags);
  define(ctx, "host_obj", host_obj);
  define(ctx, "host_add7", fn_addr(host_add7));
  host_far = map_far();
  define(ctx, "host_far", host_far);
  add_all(ctx, nobj, obj);
  return ctx;
}

static void *sym_at(reload_ctx *ctx, const char *name, const char *file,
                    int line) {
  void *p = reload_sym(ctx, name);
  if (p == NULL)
    check__fail(file, line, "reload_sym(\"%s\") is NULL: %s", name,
                reload_errmsg(ctx));
  return p;
}
#define SYM(name) sym_at(ctx, (name), __FILE__, __LINE__)
#define U(p) ((uint64_t)(uintptr_t)(p))

static fn0 fn0_at(void *p) {
  fn0 f;
  memcpy(&f, &p, sizeof f);
  return f;
}
static fn1 fn1_at(void *p) {
  fn1 f;
  memcpy(&f, &p, sizeof f);
  return f;
}
#define CALL0(name) (fn0_at(SYM(name))())
#define CALL1(name, x) (fn1_at(SYM(name))(x))

static uint64_t rd64(const void *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}
static uint32_t rd32(const void *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}
static uint16_t rd16(const void *p) {
  uint16_t v;
  memcpy(&v, p, sizeof v);
  return v;
}
static uint8_t rd8(const void *p) { return *(const uint8_t *)p; }

static const uint64_t td_init[8] = {
    0x1111111111111111, 0x2222222222222222, 0x3333333333333333,
    0x4444444444444444, 0x5555555555555555, 0x6666666666666666,
    0x7777777777777777, 0x8888888888888888};

/* target_data (targets.s) must have been copied intact. */
static void check_targets(reload_ctx *ctx) {
  ASSERT_MEM_EQ(SYM("target_data"), td_init, sizeof td_init);
  ASSERT_UINT_EQ(CALL1("target_fn", 5), 16);
}

/* ---- positive cases -------------------------------------------------- */

static int t_none(reload_ctx *ctx) {
  ASSERT_UINT_EQ(rd64(SYM("none_slot")), 0x0123456789abcdefu);
  return 0;
}

static int t_64(reload_ctx *ctx) {
  uint64_t td = U(SYM("target_data"));
  ASSERT_UINT_EQ(rd64(SYM("r64_global")), td + 5);
  ASSERT_UINT_EQ(rd64(SYM("r64_local")), U(SYM("r64_lbl")) + 3);
  ASSERT_UINT_EQ(rd64(SYM("r64_host")), U(host_obj) + 0x10);
  ASSERT_UINT_EQ(rd64(SYM("r64_neg")), td - 8);
  ASSERT_UINT_EQ(rd64(SYM("r64_fn")), U(SYM("target_fn")));
  ASSERT_UINT_EQ(rd64(SYM("r64_weak")), 0);
  ASSERT_UINT_EQ(rd64(SYM("r64_far")), U(host_far) + 8);
  ASSERT_UINT_EQ(rd64(SYM("r64_ro")), U(SYM("r64_lbl")) + 0x20);
  /* The pointer stored in data leads to the function. */
  ASSERT_UINT_EQ(fn1_at((void *)(uintptr_t)rd64(SYM("r64_fn")))(2), 7);
  return 0;
}

static int t_pc32(reload_ctx *ctx) {
  int64_t td = (int64_t)U(SYM("target_data"));
  int64_t s0 = (int64_t)U(SYM("pc32_slot"));
  int64_t s12 = (int64_t)U(SYM("pc32_slot12"));
  int64_t sfn = (int64_t)U(SYM("pc32_slot_fn"));
  ASSERT_EQ((int32_t)rd32(SYM("pc32_slot")), td - s0);
  ASSERT_EQ((int32_t)rd32(SYM("pc32_slot12")), td + 12 - s12);
  ASSERT_EQ((int32_t)rd32(SYM("pc32_slot_fn")),
            (int64_t)U(SYM("target_fn")) - sfn);
  ASSERT_UINT_EQ(CALL0("pc32_lea"), (uint64_t)td);
  ASSERT_UINT_EQ(CALL0("pc32_load"), (uint32_t)td_init[1]);
  ASSERT_UINT_EQ(CALL0("pc32_getvar"), 0); /* .bss starts zeroed */
  CALL1("pc32_store", 0xcafe);
  ASSERT_UINT_EQ(CALL0("pc32_getvar"), 0xcafe);
  return 0;
}

static int t_plt32(reload_ctx *ctx) {
  host_calls = 0;
  ASSERT_UINT_EQ(CALL1("plt32_call_host", 35), 42);
  ASSERT_EQ(host_calls, 1);
  ASSERT_UINT_EQ(CALL1("plt32_call_arena", 5), 16);
  ASSERT_UINT_EQ(CALL1("plt32_tail_host", 100), 107);
  ASSERT_EQ(host_calls, 2);
  ASSERT_UINT_EQ(CALL1("plt32_call_libc", (uint64_t)-9), 9);
  return 0;
}

static int t_32(reload_ctx *ctx) {
  uint64_t td = U(SYM("target_data"));
  /* R_X86_64_32 to an arena symbol only works with a low arena. */
  ASSERT_UINT_LT(td + 64, UINT64_C(1) << 32);
  ASSERT_UINT_EQ(rd32(SYM("r32_slot")), td + 4);
  ASSERT_UINT_EQ(rd32(SYM("r32_host")), 0x12345010u);
  ASSERT_UINT_EQ(CALL0("r32_movl"), td);
  return 0;
}

static int t_32s(reload_ctx *ctx) {
  uint64_t td = U(SYM("target_data"));
  ASSERT_UINT_LT(td + 64, UINT64_C(1) << 31);
  ASSERT_UINT_EQ(CALL0("r32s_movq"), td);
  ASSERT_UINT_EQ(CALL1("r32s_index", 2), td_init[2]);
  ASSERT_UINT_EQ(CALL1("r32s_index", 7), td_init[7]);
  ASSERT_UINT_EQ(CALL0("r32s_neg"), (uint64_t)-4096);
  return 0;
}

static int t_pc64(reload_ctx *ctx) {
  uint64_t td = U(SYM("target_data"));
  uint64_t s = U(SYM("pc64_slot")), h = U(SYM("pc64_host"));
  ASSERT_UINT_EQ(rd64(SYM("pc64_slot")), td + 3 - s);
  ASSERT_UINT_EQ(rd64(SYM("pc64_host")), U(host_obj) - h);
  ASSERT_UINT_EQ(rd64(SYM("pc64_far")), U(host_far) - U(SYM("pc64_far")));
  return 0;
}

static int t_gotpcrel(reload_ctx *ctx) {
  uint64_t td = U(SYM("target_data"));
  ASSERT_UINT_EQ(CALL0("gotpcrel_arena"), td);
  ASSERT_UINT_EQ(CALL0("gotpcrel_host"), U(host_obj));
  ASSERT_UINT_EQ(CALL0("gotpcrel_local"), U(SYM("gotpcrel_local_alias")));
  ASSERT_UINT_EQ(CALL0("gotpcrel_far"), U(host_far));
  host_calls = 0;
  ASSERT_UINT_EQ(CALL1("gotpcrel_call", 1), 8);
  ASSERT_EQ(host_calls, 1);
  /* In data: the field holds GOT entry - P, and the entry holds &target. */
  const uint8_t *slot = SYM("gotpcrel_slot");
  const uint8_t *entry = slot + (int32_t)rd32(slot);
  ASSERT_UINT_EQ(rd64(entry), td);
  return 0;
}

static int t_gotpcrelx(reload_ctx *ctx) {
  host_calls = 0;
  ASSERT_UINT_EQ(CALL1("gotpcrelx_call_host", 10), 17);
  ASSERT_UINT_EQ(CALL1("gotpcrelx_jmp_host", 20), 27);
  ASSERT_EQ(host_calls, 2);
  ASSERT_UINT_EQ(CALL1("gotpcrelx_call_arena", 4), 13);
  ASSERT_UINT_EQ(CALL1("gotpcrelx_jmp_arena", 6), 19);
  ASSERT_UINT_EQ(CALL1("gotpcrelx_call_libc", (uint64_t)-12), 12);
  return 0;
}

static int t_rex_gotpcrelx(reload_ctx *ctx) {
  uint64_t td = U(SYM("target_data"));
  uint64_t h = U(host_obj);
  ASSERT_UINT_EQ(CALL0("rex_mov_arena"), td);
  ASSERT_UINT_EQ(CALL0("rex_mov_host"), h);
  ASSERT_UINT_EQ(CALL1("rex_add", 5), td + 5);
  ASSERT_UINT_EQ(CALL1("rex_sub_host", 1000), 1000 - h);
  ASSERT_UINT_EQ(CALL1("rex_and", 0xfff0), td & 0xfff0);
  ASSERT_UINT_EQ(CALL1("rex_or", UINT64_C(1) << 63), td | UINT64_C(1) << 63);
  ASSERT_UINT_EQ(CALL1("rex_xor", 0x5555), td ^ 0x5555);
  ASSERT_UINT_EQ(CALL1("rex_cmp", td), 1);
  ASSERT_UINT_EQ(CALL1("rex_cmp", td + 1), 0);
  ASSERT_UINT_EQ(CALL1("rex_test", 0), 0);
  ASSERT_UINT_EQ(CALL1("rex_test", ~UINT64_C(0)), 1);
  ASSERT_UINT_EQ(CALL1("rex_test", td & -td), 1); /* lowest set bit */
  ASSERT_UINT_EQ(CALL1("rex_adc", 10), td + 11);
  ASSERT_UINT_EQ(CALL0("rex_mov_far"), U(host_far));
  ASSERT_UINT_EQ(CALL1("rex_add_far", 3), U(host_far) + 3);
  return 0;
}

static int t_got_large(reload_ctx *ctx, const char *which) {
  uint64_t td = U(SYM("target_data"));
  uint64_t got64 = CALL0("got_base64"), got32 = CALL0("got_base32");
  /* One object, one _GLOBAL_OFFSET_TABLE_. */
  ASSERT_UINT_EQ(got64, got32);
  ASSERT_UINT_NE(got64, 0);
  if (!strcmp(which, "gotoff64")) {
    ASSERT_UINT_EQ(CALL0("gotoff64_global"), td);
    ASSERT_UINT_EQ(CALL0("gotoff64_local"), U(SYM("gotoff64_local_alias")));
    ASSERT_UINT_EQ(rd64(SYM("gotoff64_local_alias")), 5);
    ASSERT_UINT_EQ(CALL0("gotoff64_host"), U(host_obj));
    ASSERT_UINT_EQ(CALL0("gotoff64_far"), U(host_far));
    ASSERT_UINT_EQ(CALL0("gotoff64_addend"), td + 16);
  } else if (!strcmp(which, "gotpc32")) {
    ASSERT_UINT_EQ(CALL0("gotoff64_host"), U(host_obj));
    ASSERT_UINT_EQ(CALL0("got64_host"), U(host_obj));
  } else if (!strcmp(which, "gotpc64")) {
    ASSERT_UINT_EQ(CALL0("gotoff64_global"), td);
    ASSERT_UINT_EQ(CALL0("got64_load"), td);
  } else if (!strcmp(which, "got64")) {
    ASSERT_UINT_EQ(CALL0("got64_load"), td);
    ASSERT_UINT_EQ(CALL0("got64_host"), U(host_obj));
    ASSERT_UINT_EQ(CALL0("got64_far"), U(host_far));
  } else if (!strcmp(which, "pltoff64")) {
    host_calls = 0;
    ASSERT_UINT_EQ(CALL1("pltoff64_host", 1), 8);
    ASSERT_EQ(host_calls, 1);
    ASSERT_UINT_EQ(CALL1("pltoff64_arena", 3), 10);
    ASSERT_UINT_EQ(CALL1("pltoff64_libc", (uint64_t)-4), 4);
  } else {
    FAIL("unknown GOT case %s", which);
  }
  return 0;
}

static int t_size(reload_ctx *ctx, bool is64) {
  /* The sizes are the .size directives of r_size_def.s. */
  if (is64) {
    ASSERT_UINT_EQ(rd64(SYM("size64_slot")), 0x12345);
    ASSERT_UINT_EQ(rd64(SYM("size64_addend")), UINT64_C(0x100000000) + 40);
  } else {
    ASSERT_UINT_EQ(rd32(SYM("size32_slot")), 40);
    ASSERT_UINT_EQ(rd32(SYM("size32_addend")), 37);
  }
  return 0;
}

static int t_small(reload_ctx *ctx, const char *which) {
  if (!strcmp(which, "8")) {
    ASSERT_UINT_EQ(rd8(SYM("r8_slot")), 0x41);
    ASSERT_UINT_EQ(rd8(SYM("r8_max")), 0xff);
  } else if (!strcmp(which, "16")) {
    ASSERT_UINT_EQ(rd16(SYM("r16_slot")), 0x1236);
    ASSERT_UINT_EQ(rd16(SYM("r16_zero")), 0);
  } else {
    int64_t lo = (int64_t)U(SYM("pc_lo")), hi = (int64_t)U(SYM("pc_hi"));
    if (!strcmp(which, "pc8")) {
      int64_t b = (int64_t)U(SYM("pc8_back")), f = (int64_t)U(SYM("pc8_fwd"));
      ASSERT_EQ((int8_t)rd8(SYM("pc8_back")), lo - b);
      ASSERT_EQ((int8_t)rd8(SYM("pc8_fwd")), hi + 3 - f);
      ASSERT_LT(lo - b, 0);
      ASSERT_EQ((int8_t)rd8(SYM("pc8_max")), 127);
      ASSERT_EQ((int8_t)rd8(SYM("pc8_min")), -128);
    } else {
      int64_t b = (int64_t)U(SYM("pc16_back"));
      int64_t f = (int64_t)U(SYM("pc16_fwd"));
      ASSERT_EQ((int16_t)rd16(SYM("pc16_back")), lo - 100 - b);
      ASSERT_EQ((int16_t)rd16(SYM("pc16_fwd")), hi + 1000 - f);
      ASSERT_EQ((int16_t)rd16(SYM("pc16_max")), 32767);
      ASSERT_EQ((int16_t)rd16(SYM("pc16_min")), -32768);
    }
  }
  return 0;
}

/* ---- TLS --------------------------------------------------------------- */

typedef struct tls_view {
  uint64_t a, b, b64, bgd, base, z, zld;
  uint64_t a_val, b_val, z0, z1;
} tls_view;

static reload_ctx *tls_ctx;

static void tls_look(tls_view *v) {
  reload_ctx *ctx = tls_ctx;
  v->a = CALL0("tls_gd_a");
  v->bgd = CALL0("tls_gd_b");
  v->z = CALL0("tls_gd_z");
  v->base = CALL0("tls_ld_base");
  v->b = CALL0("tls_ld_b");
  v->b64 = CALL0("tls_ld64_b");
  v->zld = CALL0("tls_ld_z");
  v->a_val = rd64((void *)(uintptr_t)v->a);
  v->b_val = rd64((void *)(uintptr_t)v->b);
  v->z0 = rd64((void *)(uintptr_t)v->z);
  v->z1 = rd64((void *)(uintptr_t)(v->z + 8));
}

static void *tls_thread(void *arg) {
  tls_look(arg);
  return NULL;
}

/* The views one thread gets must agree with each other and with the
 * initial image of .tdata/.tbss. */
static void tls_consistent(reload_ctx *ctx, const tls_view *v) {
  ASSERT_UINT_NE(v->a, 0);
  ASSERT_UINT_EQ(v->a_val, 0x1122334455667788u);
  ASSERT_UINT_EQ(v->b_val, 42);
  ASSERT_UINT_EQ(v->z0, 0);
  ASSERT_UINT_EQ(v->z1, 0);
  /* tls_b follows tls_a in .tdata. */
  ASSERT_UINT_EQ(v->bgd, v->a + 8);
  ASSERT_UINT_EQ(v->b, v->bgd);   /* TLSLD + DTPOFF32 == TLSGD */
  ASSERT_UINT_EQ(v->b64, v->bgd); /* TLSLD + DTPOFF64 == TLSGD */
  ASSERT_UINT_EQ(v->zld, v->z);
  /* DTPOFF64 in data: offsets from the module's block. */
  ASSERT_UINT_EQ(v->base + rd64(SYM("tls_dtpoff_b")), v->b);
  ASSERT_UINT_EQ(v->base + rd64(SYM("tls_dtpoff_z")), v->z);
}

static int t_tls(reload_ctx *ctx) {
  tls_view m, t;
  pthread_t th;
  tls_ctx = ctx;
  tls_look(&m);
  tls_consistent(ctx, &m);
  /* Writes in this thread stay in this thread. */
  *(volatile uint64_t *)(uintptr_t)m.a = 5;
  *(volatile uint64_t *)(uintptr_t)m.z = 6;
  memset(&t, 0, sizeof t);
  ASSERT_EQ(pthread_create(&th, NULL, tls_thread, &t), 0);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  tls_consistent(ctx, &t);
  ASSERT_UINT_NE(t.a, m.a);
  ASSERT_UINT_NE(t.base, m.base);
  ASSERT_UINT_EQ(rd64((void *)(uintptr_t)m.a), 5);
  ASSERT_UINT_EQ(CALL0("tls_gd_a"), m.a);
  return 0;
}

/* ---- negative cases ---------------------------------------------------- */

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* Queue the objects and link; one of the steps must fail with `code`,
 * name `what` and the object in a one-line message, log it, and leave
 * nothing of the objects behind.  Errors may be found when an object is
 * queued (reload_add_file reads and checks it) or at the link. */
static void expect_fail(reload_ctx *ctx, int nobj, char **obj, int code,
                        const char *bad, const char *what,
                        const char *leftover) {
  int rc = 0;
  const char *step = "reload_link";
  nlogs = 0;
  for (int i = 0; i < nobj && rc == 0; i++) {
    rc = reload_add_file(ctx, obj[i]);
    step = "reload_add_file";
  }
  if (rc == 0) {
    rc = reload_link(ctx);
    step = "reload_link";
  }
  const char *msg = reload_errmsg(ctx);
  printf("%s -> %d (%s): %s\n", step, rc, reload_strerror(rc), msg);
  for (int i = 0; i < nlogs && i < MAXLOG; i++)
    printf("log: %s\n", logs[i]);
  ASSERT_EQ(rc, code);
  ASSERT_NULL(strchr(msg, '\n'));
  ASSERT_STR_CONTAINS(msg, base_name(bad));
  if (what)
    ASSERT_STR_CONTAINS(msg, what);
  if (!strcmp(step, "reload_link"))
    ASSERT_GE(nlogs, 1);
  if (leftover)
    ASSERT_NULL(reload_sym(ctx, leftover));
}

static int n_range(int nobj, char **obj, int which) {
  reload_ctx *ctx = open_ctx(0);
  static const char *names[] = {"big_host8", "huge_host32", "big_host16"};
  define(ctx, "big_host8", (void *)(uintptr_t)0x1234);
  define(ctx, "huge_host32", (void *)(uintptr_t)UINT64_C(0x123456789));
  define(ctx, "big_host16", (void *)(uintptr_t)0x12345);
  expect_fail(ctx, nobj, obj, RELOAD_ERANGE, obj[0], names[which - 1],
              "neg_slot");
  reload_close(ctx);
  return 0;
}

static int n_far_pc32(int nobj, char **obj) {
  ASSERT_EQ(nobj, 2);
  reload_ctx *ctx = open_ctx(0);
  add_all(ctx, 1, obj); /* probe.o */
  link_ok(ctx);
  void *probe = SYM("probe_fn");
  ASSERT_UINT_EQ(fn0_at(probe)(), 1234);
  /* Real memory 8 GiB or more away from the arena (which is at most
   * 1 GiB by default), holding a known value, so that if the link goes
   * through anyway the failure says what the code really reads. */
  uint64_t p = U(probe);
  uint32_t *far = NULL;
  for (uint64_t gib = 8; gib < 64 && !far; gib += 4) {
    uint64_t d = gib << 30;
    uint64_t try[2] = {p + d, p - d};
    for (int k = 0; k < 2 && !far; k++) {
      if (try[k] >= (UINT64_C(1) << 47) || try[k] < (UINT64_C(1) << 32))
        continue;
      void *m = mmap((void *)(uintptr_t)(try[k] & ~UINT64_C(0xfff)), 4096,
                     PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
                     0);
      if (m != MAP_FAILED && m == (void *)(uintptr_t)(try[k] & ~UINT64_C(0xfff)))
        far = m;
      else if (m != MAP_FAILED)
        munmap(m, 4096);
    }
  }
  ASSERT_NOT_NULL(far);
  far[0] = 0x5eed0000;
  far[2] = 0x5eed0008;
  uint64_t addr = U(far);
  define(ctx, "far_host", far);
  nlogs = 0;
  int rc = reload_add_file(ctx, obj[1]);
  if (rc == 0)
    rc = reload_link(ctx);
  if (rc == 0) {
    /* Linked anyway: say what the code now does instead. */
    void *slot = reload_sym(ctx, "far_pc32_slot");
    if (slot)
      FAIL("PC32 in data to a host symbol %#" PRIx64 " bytes away linked; "
           "the field holds %d",
           addr - U(slot), (int32_t)rd32(slot));
    uint64_t got = fn0_at(SYM("far_pc32_fn"))();
    FAIL("PC32 from code to a host symbol %" PRIu64 " GiB away linked "
         "instead of failing with RELOAD_ERANGE: far_pc32_fn() returns "
         "%#" PRIx64 "; far_host is data (not a function a stub could stand "
         "for) at %p holding 0x5eed0000 (0x5eed0008 at +8)",
         (addr > p ? addr - p : p - addr) >> 30, got, (void *)far);
  }
  const char *msg = reload_errmsg(ctx);
  printf("-> %d (%s): %s\n", rc, reload_strerror(rc), msg);
  ASSERT_EQ(rc, RELOAD_ERANGE);
  ASSERT_STR_CONTAINS(msg, base_name(obj[1]));
  ASSERT_STR_CONTAINS(msg, "far_host");
  ASSERT_STR_CONTAINS(msg, "-fPIC");
  ASSERT_NULL(reload_sym(ctx, "far_pc32_fn"));
  /* What was linked before is still there and still works. */
  ASSERT_PTR_EQ(reload_sym(ctx, "probe_fn"), probe);
  ASSERT_UINT_EQ(fn0_at(probe)(), 1234);
  reload_close(ctx);
  return 0;
}

static int n_unsup(int nobj, char **obj) {
  reload_ctx *ctx = open_ctx(0);
  expect_fail(ctx, nobj, obj, RELOAD_EUNSUP, obj[0], NULL, "unsup_slot");
  reload_close(ctx);
  return 0;
}

static int n_undef(int nobj, char **obj) {
  reload_ctx *ctx = open_ctx(0);
  expect_fail(ctx, nobj, obj, RELOAD_EUNDEF, obj[0], NULL, "undef_caller");
  const char *msg = reload_errmsg(ctx);
  if (!strstr(msg, "reload_test_missing_fn") &&
      !strstr(msg, "reload_test_missing_obj"))
    FAIL("message names neither undefined symbol: %s", msg);
  /* Both problems are logged, one call each. */
  bool fn = false, ob = false;
  for (int i = 0; i < nlogs && i < MAXLOG; i++) {
    fn |= strstr(logs[i], "reload_test_missing_fn") != NULL;
    ob |= strstr(logs[i], "reload_test_missing_obj") != NULL;
  }
  ASSERT_TRUE(fn);
  ASSERT_TRUE(ob);
  reload_close(ctx);
  return 0;
}

/* ---- dispatch ---------------------------------------------------------- */

static int positive(const char *c, int nobj, char **obj) {
  unsigned flags = !strcmp(c, "32-lowflag") ? RELOAD_OPT_LOW32 : 0;
  reload_ctx *ctx = setup(nobj, obj, flags);
  define(ctx, "host_small", (void *)(uintptr_t)0x12345000);
  define(ctx, "host_neg", (void *)(uintptr_t)(uint64_t)-4096);
  define(ctx, "host_small8", (void *)(uintptr_t)0x40);
  define(ctx, "host_small16", (void *)(uintptr_t)0x1234);
  link_ok(ctx);
  check_targets(ctx);
  int rc;
  if (!strcmp(c, "none"))
    rc = t_none(ctx);
  else if (!strcmp(c, "64"))
    rc = t_64(ctx);
  else if (!strcmp(c, "pc32"))
    rc = t_pc32(ctx);
  else if (!strcmp(c, "plt32"))
    rc = t_plt32(ctx);
  else if (!strcmp(c, "32") || !strcmp(c, "32-lowflag"))
    rc = t_32(ctx);
  else if (!strcmp(c, "32s"))
    rc = t_32s(ctx);
  else if (!strcmp(c, "pc64"))
    rc = t_pc64(ctx);
  else if (!strcmp(c, "gotpcrel"))
    rc = t_gotpcrel(ctx);
  else if (!strcmp(c, "gotpcrelx"))
    rc = t_gotpcrelx(ctx);
  else if (!strcmp(c, "rex_gotpcrelx"))
    rc = t_rex_gotpcrelx(ctx);
  else if (!strcmp(c, "gotoff64") || !strcmp(c, "gotpc32") ||
           !strcmp(c, "gotpc64") || !strcmp(c, "got64") ||
           !strcmp(c, "pltoff64"))
    rc = t_got_large(ctx, c);
  else if (!strcmp(c, "size32") || !strcmp(c, "size64"))
    rc = t_size(ctx, !strcmp(c, "size64"));
  else if (!strcmp(c, "8") || !strcmp(c, "16") || !strcmp(c, "pc8") ||
           !strcmp(c, "pc16"))
    rc = t_small(ctx, c);
  else if (!strcmp(c, "tls"))
    rc = t_tls(ctx);
  else
    FAIL("unknown case %s", c);
  reload_close(ctx);
  return rc;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 3) {
    fprintf(stderr, "usage: %s CASE OBJECT...\n", argv[0]);
    return 2;
  }
  const char *c = argv[1];
  int nobj = argc - 2;
  char **obj = argv + 2;
  if (!strcmp(c, "neg-r8"))
    return n_range(nobj, obj, 1);
  if (!strcmp(c, "neg-r32"))
    return n_range(nobj, obj, 2);
  if (!strcmp(c, "neg-r16"))
    return n_range(nobj, obj, 3);
  if (!strcmp(c, "neg-far-pc32"))
    return n_far_pc32(nobj, obj);
  if (!strcmp(c, "neg-unsup"))
    return n_unsup(nobj, obj);
  if (!strcmp(c, "neg-undef"))
    return n_undef(nobj, obj);
  return positive(c, nobj, obj);
}
