/*
 * jit_test.c - what the core hands gdb through its JIT interface, read
 * back from __jit_debug_descriptor the way gdb reads it.
 *
 *   jit_test V1.o V2.o
 *
 * - Each mapped version is one entry, and the list is well formed.
 * - An entry is the object file itself (ET_REL, with its DWARF), whose
 *   allocated sections carry their load addresses: for every function the
 *   core lists, the symbol's section address plus its value is the code's
 *   address.
 * - Unloaded versions are unregistered: through many reloads with
 *   keep_versions = 1 the entries are always exactly the versions still
 *   mapped, and at the end no more than two; after reload_close() there
 *   are none.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbgtest.h"

/* gdb/jit.h */
struct jit_code_entry {
  struct jit_code_entry *next_entry, *prev_entry;
  const char *symfile_addr;
  uint64_t symfile_size;
};
struct jit_descriptor {
  uint32_t version;
  uint32_t action_flag;
  struct jit_code_entry *relevant_entry, *first_entry;
};
extern struct jit_descriptor __jit_debug_descriptor;

static int count_entries(void) {
  int n = 0;
  const struct jit_code_entry *prev = NULL;
  ASSERT_UINT_EQ(__jit_debug_descriptor.version, 1);
  for (const struct jit_code_entry *e = __jit_debug_descriptor.first_entry; e;
       e = e->next_entry) {
    ASSERT_PTR_EQ(e->prev_entry, prev);
    ASSERT_NOT_NULL(e->symfile_addr);
    ASSERT_UINT_GT(e->symfile_size, sizeof(Elf64_Ehdr));
    prev = e;
    if (++n > 10000)
      FAIL("the JIT entry list does not end");
  }
  return n;
}

static const Elf64_Shdr *shdrs(const char *img, uint64_t size,
                               const Elf64_Ehdr **eh) {
  *eh = (const Elf64_Ehdr *)(const void *)img;
  ASSERT_MEM_EQ(img, ELFMAG, SELFMAG);
  ASSERT_UINT_EQ((*eh)->e_type, ET_REL);
  ASSERT_UINT_LE((*eh)->e_shoff + (uint64_t)(*eh)->e_shnum * sizeof(Elf64_Shdr),
                 size);
  return (const Elf64_Shdr *)(const void *)(img + (*eh)->e_shoff);
}

/* The run address the image gives function `name`, or 0 when the image
 * has no such function symbol. */
static uintptr_t image_addr(const struct jit_code_entry *e, const char *name) {
  const Elf64_Ehdr *eh;
  const Elf64_Shdr *sh = shdrs(e->symfile_addr, e->symfile_size, &eh);
  for (unsigned i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_SYMTAB)
      continue;
    const Elf64_Sym *sym =
        (const Elf64_Sym *)(const void *)(e->symfile_addr + sh[i].sh_offset);
    const char *str = e->symfile_addr + sh[sh[i].sh_link].sh_offset;
    for (uint64_t k = 0; k < sh[i].sh_size / sizeof *sym; k++)
      if (ELF64_ST_TYPE(sym[k].st_info) == STT_FUNC &&
          strcmp(str + sym[k].st_name, name) == 0 &&
          sym[k].st_shndx < eh->e_shnum)
        return (uintptr_t)(sh[sym[k].st_shndx].sh_addr + sym[k].st_value);
  }
  return 0;
}

static bool has_section(const struct jit_code_entry *e, const char *name) {
  const Elf64_Ehdr *eh;
  const Elf64_Shdr *sh = shdrs(e->symfile_addr, e->symfile_size, &eh);
  const char *names = e->symfile_addr + sh[eh->e_shstrndx].sh_offset;
  for (unsigned i = 0; i < eh->e_shnum; i++)
    if (strcmp(names + sh[i].sh_name, name) == 0)
      return true;
  return false;
}

/* Every entry is a mapped version of `object` and every mapped version has
 * exactly one entry: matched by the address of each of its functions. */
static void check_matches(reload_ctx *ctx, const char *object) {
  unsigned vers[64];
  int nv = dbg_versions(ctx, object, vers, 64);
  int ne = count_entries();
  if (ne != nv)
    FAIL("%d JIT entries registered, but %d versions of %s are mapped", ne,
         nv, object);
  bool used[64] = {false};
  for (const struct jit_code_entry *e = __jit_debug_descriptor.first_entry; e;
       e = e->next_entry) {
    ASSERT(has_section(e, ".debug_info"));
    ASSERT(has_section(e, ".debug_line"));
    int match = -1;
    for (int i = 0; i < nv && match < 0; i++) {
      /* Not on the stack: the core scans stacks conservatively before it
       * unmaps a version, and a stale copy of a code address would keep
       * that version mapped. */
      static dbg_func fs[16];
      int n = DBG_OK(ctx, dbg_functions(ctx, object, vers[i], fs, 16));
      ASSERT_GT(n, 0);
      bool all = true;
      for (int k = 0; k < n && all; k++)
        all = fs[k].code && image_addr(e, fs[k].name) == fs[k].code;
      if (all)
        match = i;
      memset(fs, 0, sizeof fs);
    }
    if (match < 0)
      FAIL("a JIT entry's function addresses match no mapped version");
    if (used[match])
      FAIL("version %u is registered twice", vers[match]);
    used[match] = true;
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: jit_test V1.o V2.o\n");
    return 2;
  }
  dbg_tmpdir(argc, argv);
  dbg_copy(argv[1], "lib.o");
  size_t l1, l2;
  void *b1 = dbg_slurp(argv[1], &l1), *b2 = dbg_slurp(argv[2], &l2);

  ASSERT_EQ(count_entries(), 0);
  reload_options opt = {.log = dbg_log, .keep_versions = 1, .retire_ms = 1};
  reload_ctx *ctx = reload_open(&opt);
  ASSERT_NOT_NULL(ctx);
  DBG_OK(ctx, reload_add_file(ctx, "lib.o"));
  DBG_OK(ctx, reload_link(ctx));
  ASSERT_EQ(count_entries(), 1);
  ASSERT_PTR_EQ(__jit_debug_descriptor.relevant_entry,
                __jit_debug_descriptor.first_entry);
  check_matches(ctx, "lib.o");
  int (*target)(int) = (int (*)(int))dbg_fn(dbg_entry(ctx, "dbg_target"));
  ASSERT_EQ(target(5), 11);

  int most = 0;
  for (int i = 0; i < 60; i++) {
    bool two = i % 2 == 0;
    int v = DBG_OK(ctx, reload_update_memory(ctx, "lib.o", two ? b2 : b1,
                                             two ? l2 : l1));
    ASSERT_EQ(v, i + 2);
    ASSERT_EQ(target(5), two ? 16 : 11);
    check_matches(ctx, "lib.o");
    int n = count_entries();
    if (getenv("DBG_VERBOSE"))
      fprintf(stderr, "reload %d: %d entries\n", i, n);
    if (n > most)
      most = n;
    dbg_nap(2);
    reload_retire(ctx);
    check_matches(ctx, "lib.o");
  }
  /* Let the last old versions retire and go. */
  for (int i = 0; i < 400 && count_entries() > 2; i++) {
    dbg_nap(5);
    reload_retire(ctx);
  }
  check_matches(ctx, "lib.o");
  int left = count_entries();
  printf("JIT entries: at most %d during 60 reloads, %d at the end\n", most,
         left);
  /* keep_versions = 1: the current version and one old one stay mapped.
   * (While reloads come faster than retirement, which waits for a grace
   * period and scans stacks at most ten times a second, more may be
   * mapped, and registered, for a while.) */
  /* Under a sanitizer or valgrind, their records of every allocation's
   * call stack hold return addresses into the versions whose code
   * allocated, and the scan for pointers into old versions (which cannot
   * tell that memory from the program's) rightly keeps them. */
  const char *setup = getenv("RELOAD_TEST_SETUP");
  if (!setup || !*setup)
    ASSERT_LE(left, 2);

  reload_close(ctx);
  ASSERT_EQ(count_entries(), 0);
  free(b1);
  free(b2);
  printf("PASS\n");
  return 0;
}
