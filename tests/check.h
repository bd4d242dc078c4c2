/*
 * check.h - assertion macros for reload's C tests, in the style of libuv's
 * test/task.h.
 *
 * Every macro evaluates each argument once.  On failure it prints the
 * expression, both values, and the file and line, flushes stdout and exits
 * with status 1, so a meson test reports the case as failed without a
 * core dump.  Tests run each in their own process, so exiting is safe.
 *
 *   ASSERT(expr)                  ASSERT_TRUE(expr) / ASSERT_FALSE(expr)
 *   ASSERT_EQ/NE/LT/LE/GT/GE(a,b) signed integers (intmax_t)
 *   ASSERT_UINT_EQ/NE/LT/LE/GT/GE unsigned integers (uintmax_t), shown in
 *                                 decimal and hex
 *   ASSERT_PTR_EQ/NE(a,b)         pointers
 *   ASSERT_NULL(p) / ASSERT_NOT_NULL(p)
 *   ASSERT_STR_EQ/NE(a,b)         NUL-terminated strings (NULL allowed)
 *   ASSERT_STR_CONTAINS(hay, needle)
 *   ASSERT_MEM_EQ(a, b, n)        byte ranges, first difference shown
 *   FAIL(fmt, ...)                unconditional failure with a message
 */
#ifndef RELOAD_TEST_CHECK_H
#define RELOAD_TEST_CHECK_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define CHECK__NORETURN __attribute__((noreturn))
#define CHECK__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CHECK__NORETURN
#define CHECK__PRINTF(f, a)
#endif

static inline CHECK__NORETURN void check__die(void) {
  fflush(stdout);
  fflush(stderr);
  exit(1);
}

static inline CHECK__NORETURN CHECK__PRINTF(3, 4) void check__fail(
    const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "%s:%d: assertion failed: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  check__die();
}

#define FAIL(...) check__fail(__FILE__, __LINE__, __VA_ARGS__)

#define ASSERT(expr)                                                           \
  do {                                                                         \
    if (!(expr))                                                               \
      check__fail(__FILE__, __LINE__, "`%s`", #expr);                          \
  } while (0)
#define ASSERT_TRUE(expr) ASSERT(expr)
#define ASSERT_FALSE(expr) ASSERT(!(expr))

#define CHECK__INT(a, op, b)                                                   \
  do {                                                                         \
    intmax_t check__a = (intmax_t)(a);                                         \
    intmax_t check__b = (intmax_t)(b);                                         \
    if (!(check__a op check__b))                                               \
      check__fail(__FILE__, __LINE__,                                          \
                  "`%s %s %s` (%" PRIdMAX " %s %" PRIdMAX ")", #a, #op, #b,    \
                  check__a, #op, check__b);                                    \
  } while (0)

#define ASSERT_EQ(a, b) CHECK__INT(a, ==, b)
#define ASSERT_NE(a, b) CHECK__INT(a, !=, b)
#define ASSERT_LT(a, b) CHECK__INT(a, <, b)
#define ASSERT_LE(a, b) CHECK__INT(a, <=, b)
#define ASSERT_GT(a, b) CHECK__INT(a, >, b)
#define ASSERT_GE(a, b) CHECK__INT(a, >=, b)

#define CHECK__UINT(a, op, b)                                                  \
  do {                                                                         \
    uintmax_t check__a = (uintmax_t)(a);                                       \
    uintmax_t check__b = (uintmax_t)(b);                                       \
    if (!(check__a op check__b))                                               \
      check__fail(__FILE__, __LINE__,                                          \
                  "`%s %s %s` (%" PRIuMAX " [0x%" PRIxMAX "] %s %" PRIuMAX    \
                  " [0x%" PRIxMAX "])",                                        \
                  #a, #op, #b, check__a, check__a, #op, check__b, check__b);   \
  } while (0)

#define ASSERT_UINT_EQ(a, b) CHECK__UINT(a, ==, b)
#define ASSERT_UINT_NE(a, b) CHECK__UINT(a, !=, b)
#define ASSERT_UINT_LT(a, b) CHECK__UINT(a, <, b)
#define ASSERT_UINT_LE(a, b) CHECK__UINT(a, <=, b)
#define ASSERT_UINT_GT(a, b) CHECK__UINT(a, >, b)
#define ASSERT_UINT_GE(a, b) CHECK__UINT(a, >=, b)

#define CHECK__PTR(a, op, b)                                                   \
  do {                                                                         \
    const void *check__a = (const void *)(a);                                  \
    const void *check__b = (const void *)(b);                                  \
    if (!(check__a op check__b))                                               \
      check__fail(__FILE__, __LINE__, "`%s %s %s` (%p %s %p)", #a, #op, #b,    \
                  check__a, #op, check__b);                                    \
  } while (0)

#define ASSERT_PTR_EQ(a, b) CHECK__PTR(a, ==, b)
#define ASSERT_PTR_NE(a, b) CHECK__PTR(a, !=, b)
#define ASSERT_NULL(a) CHECK__PTR(a, ==, NULL)
#define ASSERT_NOT_NULL(a) CHECK__PTR(a, !=, NULL)

static inline int check__streq(const char *a, const char *b) {
  if (a == NULL || b == NULL)
    return a == b;
  return strcmp(a, b) == 0;
}

#define CHECK__STR(a, want, b)                                                 \
  do {                                                                         \
    const char *check__a = (a);                                                \
    const char *check__b = (b);                                                \
    if (check__streq(check__a, check__b) != (want))                            \
      check__fail(__FILE__, __LINE__, "`%s %s %s` (\"%s\" %s \"%s\")", #a,     \
                  (want) ? "==" : "!=", #b, check__a ? check__a : "(null)",    \
                  (want) ? "==" : "!=", check__b ? check__b : "(null)");       \
  } while (0)

#define ASSERT_STR_EQ(a, b) CHECK__STR(a, 1, b)
#define ASSERT_STR_NE(a, b) CHECK__STR(a, 0, b)

#define ASSERT_STR_CONTAINS(hay, needle)                                       \
  do {                                                                         \
    const char *check__h = (hay);                                              \
    const char *check__n = (needle);                                           \
    if (check__h == NULL || check__n == NULL ||                                \
        strstr(check__h, check__n) == NULL)                                    \
      check__fail(__FILE__, __LINE__,                                          \
                  "`%s` contains `%s` (\"%s\" does not contain \"%s\")",       \
                  #hay, #needle, check__h ? check__h : "(null)",               \
                  check__n ? check__n : "(null)");                             \
  } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                 \
  do {                                                                         \
    const unsigned char *check__a = (const unsigned char *)(a);                \
    const unsigned char *check__b = (const unsigned char *)(b);                \
    size_t check__n = (size_t)(n), check__i;                                   \
    for (check__i = 0; check__i < check__n; check__i++)                        \
      if (check__a[check__i] != check__b[check__i])                            \
        check__fail(__FILE__, __LINE__,                                        \
                    "`%s == %s` over %zu bytes (byte %zu: 0x%02x != 0x%02x)",  \
                    #a, #b, check__n, check__i, check__a[check__i],            \
                    check__b[check__i]);                                       \
  } while (0)

#endif /* RELOAD_TEST_CHECK_H */
