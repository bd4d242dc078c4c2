/*
 * report.c - a symbolised backtrace for crash reports, one log line per
 * frame:
 *
 *     #N function+offset (object vK) [file:line]
 *
 * Frames in loaded code are named from the version's own symbols (so a
 * static function of an old version still has its name); frames elsewhere
 * through dladdr().  File and line come from addr2line on the object file,
 * when binutils is there and the object was built with -g.  This runs after
 * the crash guard has left the signal handler, never inside it.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;

/* " [file:line]" for offset `off` of section `sec` of version `o`, or ""
 * when unknown.  addr2line reads the version's own bytes, through a memfd:
 * the file on disk may hold a newer build by now, or be an archive. */
static void where(const reload__obj *o, const char *sec, uint64_t off,
                  char *out, size_t outsz) {
  out[0] = '\0';
  int mfd = memfd_create("reload-crash-object", MFD_CLOEXEC);
  if (mfd < 0)
    return;
  size_t done = 0;
  while (done < o->size) {
    ssize_t w = write(mfd, o->data + done, o->size - done);
    if (w <= 0) {
      close(mfd);
      return;
    }
    done += (size_t)w;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)getpid(), mfd);
  int fd[2];
  if (pipe2(fd, O_CLOEXEC)) {
    close(mfd);
    return;
  }
  char offs[32];
  snprintf(offs, sizeof offs, "%#llx", (unsigned long long)off);
  char *argv[] = {"addr2line", "-e", path, "-j", (char *)sec, offs, NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int r = posix_spawnp(&pid, "addr2line", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fd[1]);
  if (r) {
    close(fd[0]);
    close(mfd);
    return;
  }
  char buf[512];
  ssize_t n = read(fd[0], buf, sizeof buf - 1);
  close(fd[0]);
  waitpid(pid, NULL, 0);
  close(mfd);
  if (n <= 0)
    return;
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  if (buf[0] == '?' || strstr(buf, ":?") || strstr(buf, ":0"))
    return;
  /* Keep the path short: the last two components. */
  const char *p = buf + strlen(buf);
  int slashes = 0;
  while (p > buf && !(p[-1] == '/' && ++slashes == 2))
    p--;
  snprintf(out, outsz, " [%.500s]", p);
}

/* Whether `pc` is the signal return trampoline (glibc's __restore_rt,
 * which has no dynamic symbol): mov $15,%rax; syscall.  Read only inside a
 * loaded module, so the bytes are there. */
static bool is_sigreturn(const void *pc) {
  static const uint8_t code[9] = {0x48, 0xc7, 0xc0, 0x0f, 0x00,
                                  0x00, 0x00, 0x0f, 0x05};
  Dl_info di;
  return dladdr(pc, &di) && di.dli_fbase && memcmp(pc, code, sizeof code) == 0;
}

/* The loaded object's section that holds run-view address `pc`. */
static uint32_t section_of(const reload__obj *o, uint64_t pc) {
  for (uint32_t i = 1; i < o->nsec; i++) {
    const reload__sec *s = &o->secs[i];
    if (s->cls == RELOAD__CLS_TEXT && !s->discard && pc >= s->addr &&
        pc < s->addr + o->sh[i].sh_size)
      return i;
  }
  return 0;
}

void reload__report_frames(reload_ctx *ctx, int level, void *const *pcs,
                           int n) {
  int k = 0, first = 0;
  bool started = false;
  /* A backtrace taken in a fault handler begins with the handling: our
   * handlers, libsigsegv's, the kernel's signal trampoline (and, under
   * ASan, its backtrace interceptor).  Begin after the trampoline. */
  for (int i = 0; i < n && i < 16; i++) {
    reload_ctx *owner = NULL;
    if (reload__version_at((uint64_t)(uintptr_t)pcs[i], &owner))
      break; /* loaded code: no handler frames (or no more) */
    if (is_sigreturn(pcs[i])) {
      /* The first one: a later one is a signal the program was handling. */
      first = i + 1;
      started = true;
      break;
    }
  }
  for (int i = first; i < n && k < 32; i++) {
    uint64_t pc = (uint64_t)(uintptr_t)pcs[i];
    reload_ctx *owner = NULL;
    reload__obj *o = reload__version_at(pc, &owner);
    if (!o) {
      Dl_info di = {0};
      const char *lib = "?", *sym = NULL;
      uint64_t off = 0;
      if (dladdr(pcs[i], &di)) {
        lib = di.dli_fname ? di.dli_fname : "?";
        sym = di.dli_sname;
        off = sym ? pc - (uint64_t)(uintptr_t)di.dli_saddr : 0;
      } else {
        /* No module there: a wild jump, or a pointer to freed code. */
        reload__log(ctx, level, NULL, "#%d %#llx (no code known there)", k++,
                    (unsigned long long)pc);
        started = true;
        continue;
      }
      /* Frames of the fault handling itself come first: leave them out. */
      if (!started && (strstr(lib, "libreload") || strstr(lib, "libsigsegv") ||
                       (sym && strcmp(sym, "__restore_rt") == 0) ||
                       (!sym && strstr(lib, "libc.so"))))
        continue;
      started = true;
      const char *base = strrchr(lib, '/');
      if (sym)
        reload__log(ctx, level, NULL, "#%d %s+%#llx (%s)", k++,
                    sym, (unsigned long long)off, base ? base + 1 : lib);
      else /* no symbol: say where in the module */
        reload__log(ctx, level, NULL, "#%d ?? (%s+%#llx)", k++,
                    base ? base + 1 : lib,
                    (unsigned long long)(pc - (uint64_t)(uintptr_t)di.dli_fbase));
      continue;
    }
    started = true;
    const reload__fn *f = reload__fn_containing(o, pc);
    const char *key = o->unit ? o->unit->key : o->name;
    /* Return addresses point after the call: look up the call itself. */
    uint64_t look = k ? pc - 1 : pc;
    char loc[600] = "";
    uint32_t sec = section_of(o, look);
    if (sec)
      where(o, o->secs[sec].name, look - o->secs[sec].addr, loc, sizeof loc);
    reload__log(ctx, level, NULL, "#%d %s+%#llx (%s v%u)%s", k++,
                f ? reload__sym_name(o, f->sym) : "??",
                f ? (unsigned long long)(pc - f->addr) : 0ull, key, o->version,
                loc);
  }
}
