/*
 * perfmap_test.c - /tmp/perf-<pid>.map names every function of every
 * mapped version, with its address and size, as perf's JIT map format
 * ("START SIZE name", hex) expects, each named "function (object vN)".
 *
 *   perfmap_test MODE NM PM_A.o PM_A_V2.o PM_B.o
 *
 * basic         In a child process with RELOAD_OPT_PERFMAP: after a link,
 *               after a reload and after the old version is unmapped, the
 *               map holds exactly one line per function of each mapped
 *               version (static functions and gcc's .cold parts included),
 *               at the address reload_list_functions() gives, where the
 *               bytes are the function's own (compared with the object
 *               file, relocated bytes aside), with the size `nm -S` gives.
 *               Entries of the unmapped version are gone.  After the
 *               child exits, the file is still there, as it was.
 * stale-file    A map left by an earlier process with the same pid does
 *               not survive into this one's.
 * two-contexts  Two contexts in one process: unmapping a version of one
 *               leaves the other's entries in the map.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dbgtest.h"

static const char *nm_prog;

/* ---- the map ------------------------------------------------------------ */

struct lines {
  char **v;
  size_t n;
};

static void lines_add(struct lines *l, const char *s) {
  l->v = realloc(l->v, (l->n + 1) * sizeof *l->v);
  ASSERT_NOT_NULL(l->v);
  l->v[l->n] = strdup(s);
  ASSERT_NOT_NULL(l->v[l->n]);
  l->n++;
}

static void lines_free(struct lines *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

static int by_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void map_path(pid_t pid, char *out, size_t len) {
  snprintf(out, len, "/tmp/perf-%d.map", (int)pid);
}

/* The map's lines, sorted; fails when there is no map. */
static void read_map(pid_t pid, struct lines *out) {
  char path[64];
  map_path(pid, path, sizeof path);
  if (access(path, F_OK) != 0)
    FAIL("%s does not exist", path);
  char *text = dbg_slurp(path, NULL);
  for (char *p = text, *nl; *p; p = nl + 1) {
    nl = strchr(p, '\n');
    if (!nl)
      FAIL("%s: the last line has no newline: \"%s\"", path, p);
    *nl = '\0';
    lines_add(out, p);
  }
  free(text);
  if (out->n)
    qsort(out->v, out->n, sizeof *out->v, by_str);
}

/* "VERSION OBJECT" of each version; the functions are listed afterwards,
 * since the core holds its lock while it calls back. */
static void expect_version(void *ud, const reload_version_info *v) {
  char line[512];
  snprintf(line, sizeof line, "%u %.300s", v->version, v->object);
  lines_add(ud, line);
}

/* What the map should hold for the versions `ctx` has mapped now. */
static void expected(reload_ctx *ctx, struct lines *out) {
  struct lines vers = {0};
  reload_list_versions(ctx, expect_version, &vers);
  for (size_t i = 0; i < vers.n; i++) {
    unsigned v = (unsigned)strtoul(vers.v[i], NULL, 10);
    const char *obj = strchr(vers.v[i], ' ') + 1;
    dbg_func fs[64];
    int n = DBG_OK(ctx, dbg_functions(ctx, obj, v, fs, 64));
    for (int k = 0; k < n; k++) {
      if (fs[k].change == 3) /* removed: no code in this version */
        continue;
      char line[600];
      snprintf(line, sizeof line, "%lx %zx %.127s (%.300s v%u)",
               (unsigned long)fs[k].code, fs[k].size, fs[k].name, obj, v);
      lines_add(out, line);
    }
  }
  lines_free(&vers);
}

static void check_map(pid_t pid, reload_ctx *const *ctxs, int nctx,
                      const char *when) {
  struct lines want = {0}, got = {0};
  for (int i = 0; i < nctx; i++)
    expected(ctxs[i], &want);
  qsort(want.v, want.n, sizeof *want.v, by_str);
  read_map(pid, &got);
  size_t i = 0, j = 0;
  int bad = 0;
  while (i < want.n || j < got.n) {
    int c = i == want.n ? 1 : j == got.n ? -1 : strcmp(want.v[i], got.v[j]);
    if (c < 0)
      fprintf(stderr, "  missing: %s\n", want.v[i++]), bad++;
    else if (c > 0)
      fprintf(stderr, "  extra:   %s\n", got.v[j++]), bad++;
    else
      i++, j++;
  }
  if (bad)
    FAIL("%s: the map differs from the mapped versions' functions in %d "
         "lines (above)", when, bad);
  printf("%s: %zu lines, as expected\n", when, got.n);
  lines_free(&want);
  lines_free(&got);
}

/* The map line of `name` in `object` version `v`: its address and size. */
static bool find_line(pid_t pid, const char *name, const char *object,
                      unsigned v, unsigned long *addr, unsigned long *size) {
  struct lines got = {0};
  read_map(pid, &got);
  char tail[300];
  snprintf(tail, sizeof tail, " %s (%s v%u)", name, object, v);
  bool found = false;
  for (size_t i = 0; i < got.n && !found; i++) {
    int off = 0;
    if (sscanf(got.v[i], "%lx %lx %n", addr, size, &off) == 2 && off > 0 &&
        strcmp(got.v[i] + off - 1, tail) == 0)
      found = true;
  }
  lines_free(&got);
  return found;
}

/* ---- the object file ------------------------------------------------------ */

/* The bytes at `addr` must be `name`'s in object file `path`, except where
 * a relocation (or a relaxation next to one) may have changed them.
 * Returns how many bytes were compared. */
static unsigned long check_bytes(const char *path, const char *name,
                        const unsigned char *addr, unsigned long size) {
  size_t len;
  unsigned char *img = dbg_slurp(path, &len);
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)img;
  const Elf64_Shdr *sh = (const Elf64_Shdr *)(const void *)(img + eh->e_shoff);
  const Elf64_Sym *sym = NULL;
  for (unsigned i = 0; i < eh->e_shnum && !sym; i++) {
    if (sh[i].sh_type != SHT_SYMTAB)
      continue;
    const Elf64_Sym *s = (const Elf64_Sym *)(const void *)(img + sh[i].sh_offset);
    const char *str = (const char *)img + sh[sh[i].sh_link].sh_offset;
    for (size_t k = 0; k < sh[i].sh_size / sizeof *s && !sym; k++)
      if (ELF64_ST_TYPE(s[k].st_info) == STT_FUNC &&
          strcmp(str + s[k].st_name, name) == 0)
        sym = &s[k];
  }
  if (!sym)
    FAIL("%s has no function %s", path, name);
  ASSERT_UINT_EQ(sym->st_size, size);
  const unsigned char *code = img + sh[sym->st_shndx].sh_offset + sym->st_value;
  unsigned char *skip = calloc(size + 1, 1);
  ASSERT_NOT_NULL(skip);
  for (unsigned i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_RELA || sh[i].sh_info != sym->st_shndx)
      continue;
    const Elf64_Rela *r = (const Elf64_Rela *)(const void *)(img + sh[i].sh_offset);
    for (size_t k = 0; k < sh[i].sh_size / sizeof *r; k++) {
      /* GOTPCRELX relaxation rewrites up to 3 bytes before the field. */
      long lo = (long)r[k].r_offset - 3 - (long)sym->st_value;
      long hi = (long)r[k].r_offset + 8 - (long)sym->st_value;
      for (long b = lo < 0 ? 0 : lo; b < hi && b < (long)size; b++)
        skip[b] = 1;
    }
  }
  unsigned long same = 0;
  for (unsigned long b = 0; b < size; b++) {
    if (skip[b])
      continue;
    if (addr[b] != code[b])
      FAIL("%s in %s: byte %lu at %p is %#x, the object's is %#x", name, path,
           b, (const void *)addr, addr[b], code[b]);
    same++;
  }
  free(skip);
  free(img);
  return same;
}

struct state_of {
  const char *object;
  unsigned version;
  int state;
};

static void state_of(void *ud, const reload_version_info *v) {
  struct state_of *q = ud;
  if (v->version == q->version && strcmp(v->object, q->object) == 0)
    q->state = v->state;
}

/* Every text symbol `nm -S` lists in `file` (loaded as `object` version
 * `v`) has its line, with nm's size, at an address holding its bytes.
 * The bytes of a retired version are not compared: a retired version's
 * pages are not executable, and nothing here needs them. */
static void check_nm(reload_ctx *ctx, pid_t pid, const char *file,
                     const char *object, unsigned v, const char *must_have) {
  struct state_of q = {object, v, -1};
  reload_list_versions(ctx, state_of, &q);
  ASSERT_NE(q.state, -1);
  bool readable = q.state != 2;
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "'%s' -S --defined-only '%s'", nm_prog, file);
  FILE *p = popen(cmd, "r");
  ASSERT_NOT_NULL(p);
  char line[512];
  int n = 0;
  bool seen = false;
  unsigned long compared = 0;
  while (fgets(line, sizeof line, p)) {
    unsigned long value, size;
    char type, name[256];
    if (sscanf(line, "%lx %lx %c %255s", &value, &size, &type, name) != 4 ||
        (type != 't' && type != 'T'))
      continue;
    unsigned long addr, msize;
    if (!find_line(pid, name, object, v, &addr, &msize))
      FAIL("the map has no line \"... %s (%s v%u)\" for nm's %s", name, object,
           v, line);
    if (msize != size)
      FAIL("%s (%s v%u): the map says size %#lx, nm -S says %#lx", name,
           object, v, msize, size);
    if (readable)
      compared += check_bytes(file, name,
                              (const unsigned char *)(uintptr_t)addr, size);
    seen |= strcmp(name, must_have) == 0;
    n++;
  }
  ASSERT_EQ(pclose(p), 0);
  if (!seen)
    FAIL("nm lists no %s in %s: the compiler did not split the cold path, "
         "so this test checks less than it should", must_have, file);
  /* Small functions may be all relocations; the object as a whole not. */
  if (readable)
    ASSERT_UINT_GT(compared, 0);
  printf("%s v%u: %d functions of nm -S, sizes right, %s\n", object, v, n,
         readable ? "bytes the same" : "retired (bytes not read)");
}

/* ---- the cases ------------------------------------------------------------ */

static reload_ctx *open_ctx(void) {
  reload_options opt = {.log = dbg_log, .flags = RELOAD_OPT_PERFMAP,
                        .keep_versions = 1, .retire_ms = 1};
  reload_ctx *ctx = reload_open(&opt);
  ASSERT_NOT_NULL(ctx);
  return ctx;
}

static bool mapped(reload_ctx *ctx, const char *object, unsigned version) {
  unsigned vers[32];
  int n = dbg_versions(ctx, object, vers, 32);
  for (int i = 0; i < n; i++)
    if (vers[i] == version)
      return true;
  return false;
}

/* Reload until `version` of `object` is unmapped. */
static void unmap(reload_ctx *ctx, const char *object, unsigned version,
                  const char *const *files) {
  int v = 0;
  for (int i = 0; i < 400 && mapped(ctx, object, version); i++) {
    if (i < 2) {
      dbg_copy(files[i], object);
      v = DBG_OK(ctx, reload_update(ctx, object));
    }
    dbg_nap(5);
    reload_retire(ctx);
  }
  if (mapped(ctx, object, version))
    FAIL("%s v%u is still mapped after 2 s (now at v%d)", object, version, v);
}

static int basic(const char *a, const char *a2, const char *b) {
  pid_t self = getpid();
  dbg_copy(a, "a.o");
  dbg_copy(b, "b.o");
  reload_ctx *ctx = open_ctx();
  DBG_OK(ctx, reload_add_file(ctx, "a.o"));
  DBG_OK(ctx, reload_add_file(ctx, "b.o"));
  DBG_OK(ctx, reload_link(ctx));
  check_map(self, &ctx, 1, "after the link");
  check_nm(ctx, self, a, "a.o", 1, "pm_work.cold");
  check_nm(ctx, self, b, "b.o", 1, "sq");

  dbg_copy(a2, "a.o");
  ASSERT_EQ(DBG_OK(ctx, reload_update(ctx, "a.o")), 2);
  ASSERT(mapped(ctx, "a.o", 1));
  check_map(self, &ctx, 1, "after a reload");
  check_nm(ctx, self, a2, "a.o", 2, "pm_work.cold");
  check_nm(ctx, self, a, "a.o", 1, "pm_work.cold");
  unsigned long addr, size;
  ASSERT(find_line(self, "pm_gone", "a.o", 1, &addr, &size));
  ASSERT_FALSE(find_line(self, "pm_gone", "a.o", 2, &addr, &size));
  ASSERT(find_line(self, "pm_extra", "a.o", 2, &addr, &size));

  const char *const more[] = {a, a2};
  unmap(ctx, "a.o", 1, more);
  check_map(self, &ctx, 1, "after v1 of a.o was unmapped");
  ASSERT_FALSE(find_line(self, "pm_work", "a.o", 1, &addr, &size));
  ASSERT(find_line(self, "sq", "b.o", 1, &addr, &size));

  /* What the parent must find after we are gone. */
  struct lines now = {0};
  read_map(self, &now);
  FILE *f = fopen("final.txt", "w");
  ASSERT_NOT_NULL(f);
  for (size_t i = 0; i < now.n; i++)
    fprintf(f, "%s\n", now.v[i]);
  ASSERT_EQ(fclose(f), 0);
  lines_free(&now);
  /* Exit as reloadd's programs do: with the context still open. */
  return 0;
}

static int stale_file(const char *a) {
  dbg_copy(a, "a.o");
  reload_ctx *ctx = open_ctx();
  DBG_OK(ctx, reload_add_file(ctx, "a.o"));
  DBG_OK(ctx, reload_link(ctx));
  check_map(getpid(), &ctx, 1, "after the link, over an earlier process' map");
  reload_close(ctx);
  return 0;
}

static int two_contexts(const char *a, const char *a2, const char *b) {
  pid_t self = getpid();
  dbg_copy(a, "a.o");
  dbg_copy(b, "b.o");
  reload_ctx *ctx[2] = {open_ctx(), open_ctx()};
  DBG_OK(ctx[0], reload_add_file(ctx[0], "a.o"));
  DBG_OK(ctx[0], reload_link(ctx[0]));
  DBG_OK(ctx[1], reload_add_file(ctx[1], "b.o"));
  DBG_OK(ctx[1], reload_link(ctx[1]));
  check_map(self, ctx, 2, "two contexts linked");
  const char *const more[] = {a2, a};
  unmap(ctx[0], "a.o", 1, more);
  check_map(self, ctx, 2, "after a version of the first context was unmapped");
  reload_close(ctx[0]);
  reload_close(ctx[1]);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: perfmap_test basic|stale-file|two-contexts NM "
                    "PM_A.o PM_A_V2.o PM_B.o\n");
    return 2;
  }
  dbg_tmpdir(argc, argv);
  const char *mode = argv[1];
  nm_prog = argv[2];
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  fflush(NULL);
  /* The map is named after the process: work in a child, so that the
   * parent can look at what is left after it exits. */
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(pipefd[1]);
    char go;
    ASSERT_EQ(read(pipefd[0], &go, 1), 1); /* the parent has set the scene */
    int r = 0;
    if (strcmp(mode, "basic") == 0)
      r = basic(argv[3], argv[4], argv[5]);
    else if (strcmp(mode, "stale-file") == 0)
      r = stale_file(argv[3]);
    else if (strcmp(mode, "two-contexts") == 0)
      r = two_contexts(argv[3], argv[4], argv[5]);
    else
      FAIL("unknown mode %s", mode);
    fflush(NULL);
    _exit(r); /* the temporary directory is the parent's to remove */
  }
  close(pipefd[0]);
  char path[64];
  map_path(pid, path, sizeof path);
  if (strcmp(mode, "stale-file") == 0) {
    /* An earlier process with this pid left a map behind. */
    FILE *f = fopen(path, "w");
    ASSERT_NOT_NULL(f);
    fprintf(f, "1000 10 left_by_an_earlier_process\n");
    ASSERT_EQ(fclose(f), 0);
  } else if (unlink(path) == 0) {
    /* One did, for real (maps stay after exit, and pids come round
     * again); that case is stale-file's, so start this one clean. */
    printf("removed %s, left by an earlier process\n", path);
  }
  ASSERT_EQ(write(pipefd[1], "g", 1), 1);
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  int failed = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
  if (!failed && strcmp(mode, "basic") == 0) {
    /* perf report reads the map after the program ended. */
    struct lines got = {0};
    read_map(pid, &got);
    char *want = dbg_slurp("final.txt", NULL);
    size_t off = 0;
    for (size_t i = 0; i < got.n; i++) {
      size_t n = strlen(got.v[i]);
      if (strncmp(want + off, got.v[i], n) != 0 || want[off + n] != '\n')
        FAIL("after exit, the map's line %zu is \"%s\", not as before exit",
             i + 1, got.v[i]);
      off += n + 1;
    }
    ASSERT_EQ(want[off], '\0');
    printf("after exit: %s is still there with its %zu lines\n", path, got.n);
    lines_free(&got);
    free(want);
  }
  if (unlink(path) != 0 && errno != ENOENT)
    fprintf(stderr, "cannot remove %s: %s\n", path, strerror(errno));
  if (failed) {
    fprintf(stderr, "the child failed (status %#x)\n", st);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
