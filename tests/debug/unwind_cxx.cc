/*
 * unwind_cxx.cc - a C++ exception thrown by the host passes through the
 * frames of a loaded C object (built with -fexceptions) and is caught by
 * the host, with the host's destructors run on the way.
 *
 *   unwind_cxx BT_V1.o BT_V2.o
 *
 * bt_through -> bt_pass -> host_throw, which throws for x >= 0.  After a
 * reload to version 2 the same holds, and the non-throwing path returns
 * version 2's value.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "reload.h"

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: assertion failed: %s: ", __FILE__,         \
                   __LINE__, #cond);                                           \
      std::fprintf(stderr, __VA_ARGS__);                                       \
      std::fputc('\n', stderr);                                                \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

extern "C" void host_throw(int x);
extern "C" void host_throw(int x) {
  if (x >= 0)
    throw std::runtime_error("thrown with " + std::to_string(x));
}

/* bt_outer's callee; not called here, but the object needs it. */
extern "C" int host_leaf(void **pcs, int max);
extern "C" int host_leaf(void **, int) { return 0; }

/* ISO C++ has no cast between function and object pointers; copy bits. */
template <class F> static void *addr(F f) {
  void *p;
  static_assert(sizeof p == sizeof f, "function pointers are pointers");
  std::memcpy(&p, &f, sizeof p);
  return p;
}

static int destroyed;
struct Sentry {
  ~Sentry() { destroyed++; }
};

static int call_through(reload_ctx *ctx, int x) {
  Sentry s;
  void *p = reload_entry(ctx, "bt_through");
  CHECK(p != nullptr, "no entry bt_through");
  int (*fn)(int);
  std::memcpy(&fn, &p, sizeof fn);
  return fn(x);
}

static void check_version(reload_ctx *ctx, int version, int factor) {
  int before = destroyed;
  std::string what;
  try {
    call_through(ctx, 7);
    CHECK(false, "v%d: no exception came out of bt_through", version);
  } catch (const std::runtime_error &e) {
    what = e.what();
  }
  CHECK(what == "thrown with 7", "v%d: caught \"%s\"", version, what.c_str());
  CHECK(destroyed == before + 1, "v%d: the host's destructor ran %d times",
        version, destroyed - before);
  int r = call_through(ctx, -3);
  CHECK(r == (-3 + 1) * factor, "v%d: bt_through(-3) = %d", version, r);
  std::printf("v%d: caught \"%s\" through the loaded frames\n", version,
              what.c_str());
}

static std::vector<char> slurp(const char *path) {
  std::ifstream f(path, std::ios::binary);
  CHECK(f.good(), "cannot read %s", path);
  return std::vector<char>(std::istreambuf_iterator<char>(f), {});
}

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: unwind_cxx BT_V1.o BT_V2.o\n");
    return 2;
  }
  reload_ctx *ctx = reload_open(nullptr);
  CHECK(ctx != nullptr, "reload_open");
  CHECK(reload_define(ctx, "host_leaf", addr(&host_leaf)) == 0, "%s",
        reload_errmsg(ctx));
  CHECK(reload_define(ctx, "host_throw", addr(&host_throw)) == 0, "%s",
        reload_errmsg(ctx));
  CHECK(reload_add_file(ctx, argv[1]) == 0, "%s", reload_errmsg(ctx));
  CHECK(reload_link(ctx) == 0, "%s", reload_errmsg(ctx));
  check_version(ctx, 1, 2);
  std::vector<char> v2 = slurp(argv[2]);
  int v = reload_update_memory(ctx, argv[1], v2.data(), v2.size());
  CHECK(v == 2, "reload: %d %s", v, reload_errmsg(ctx));
  check_version(ctx, 2, 3);
  reload_close(ctx);
  std::printf("PASS\n");
  return 0;
}
