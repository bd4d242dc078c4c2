/*
 * swap_export - the loaded program as the dynamic linker sees it
 * (RELOAD_OPT_EXPORT), across reloads.
 *
 *   swap_export COUNTER_V1.o COUNTER_V2.o LIBDIR
 *
 * LIBDIR holds libreloadhook.so (defines and calls value()) and
 * libreloadplugin.so (calls the program's value() and count_global()).
 * The library's own call to value() reaches the program's definition, and
 * after a reload the new version; dlsym(RTLD_DEFAULT) finds the program's
 * functions, a plugin opened after the link resolves against them, and a
 * function that a reload adds is found once it exists.
 */
#include "swaptest.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*fn0)(void);

static fn0 find(const char *name) {
  void *p = dlsym(RTLD_DEFAULT, name);
  ASSERT_NOT_NULL(p);
  return (fn0)swt_to_fn(p);
}

int main(int argc, char **argv) {
  swt_args(argc, argv);
  ASSERT_EQ(argc, 4);
  char dir[] = "/tmp/reload-export-XXXXXX";
  ASSERT_NOT_NULL(mkdtemp(dir));
  ASSERT_EQ(chdir(dir), 0);
  size_t n;
  void *v1 = swt_slurp(argv[1], &n);
  swt_write("lib.o", v1, n);
  free(v1);

  reload_options o;
  memset(&o, 0, sizeof o);
  o.flags = RELOAD_OPT_EXPORT;
  reload_ctx *ctx = reload_open(&o);
  ASSERT_NOT_NULL(ctx);
  ASSERT_RELOAD_OK(ctx, reload_add_library_path(ctx, argv[3]));
  ASSERT_RELOAD_OK(ctx, reload_add_library(ctx, "reloadhook"));
  ASSERT_RELOAD_OK(ctx, reload_add_file(ctx, "lib.o"));
  ASSERT_RELOAD_OK(ctx, reload_link(ctx));
  ASSERT_RELOAD_OK(ctx, reload_run_init(ctx, 0, NULL, NULL));

  /* Found, and the program's definition first. */
  fn0 value = find("value");
  ASSERT_PTR_EQ(swt_from_fn((swt_fn)value), reload_entry(ctx, "value"));
  ASSERT_EQ(value(), 1);
  ASSERT_NULL(dlsym(RTLD_DEFAULT, "added_fn"));
  fn0 lib_calls_value = find("lib_calls_value");
  ASSERT_EQ(lib_calls_value(), 1);

  char path[4096];
  snprintf(path, sizeof path, "%s/libreloadplugin.so", argv[3]);
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h)
    FAIL("dlopen %s: %s", path, dlerror());
  fn0 plugin_calls = (fn0)swt_to_fn(dlsym(h, "plugin_calls"));
  ASSERT_NOT_NULL(swt_from_fn((swt_fn)plugin_calls));
  ASSERT_EQ(plugin_calls(), 1001);

  /* Version 2: the same entries lead to the new code, for the library
   * and the plugin too; added_fn now exists. */
  ASSERT_EQ(swt_reload(ctx, argv[2]), 2);
  ASSERT_EQ(value(), 2);
  ASSERT_EQ(lib_calls_value(), 2);
  ASSERT_EQ(plugin_calls(), 2101); /* total: 1, then 1 + 100 */
  fn0 added = find("added_fn");
  ASSERT_EQ(added(), 42);
  ASSERT_PTR_EQ(swt_from_fn((swt_fn)added), reload_entry(ctx, "added_fn"));
  dlclose(h);
  unlink("lib.o");
  ASSERT_EQ(chdir("/"), 0);
  rmdir(dir);
  printf("ok\n");
  return 0;
}
