/* stale: code that is still running, or still pointed at, when its
 * version is retired.  Built twice, with -DVERSION=1 and -DVERSION=2 (see
 * meson.build): every function returns VERSION, so the tests can tell
 * which version's code ran.
 *
 * spin() and nap() hold a thread inside this version until the host sets
 * *release: spin() in a tight loop (it faults on whatever instruction it
 * fetches next), nap() in usleep() (it faults when usleep returns into
 * it).  doze() naps 500 ms at a time, so for long stretches its only
 * trace in version 1 is a return address: it cannot fault until usleep()
 * returns.  raw_ptr() hands out the real code address of raw_target, not its
 * stable entry: taking a function's address in C would give the entry, so
 * both are written in assembly, where a PC-relative reference to an
 * assembler-local label (.L) is resolved by the assembler and carries no
 * relocation the loader could redirect.  raw_static_ptr() does the same for
 * raw_static, a static function: a stale call to it is not forwarded (a
 * static function need not keep its contract from version to version), so
 * it runs version 1's code.
 *
 * relay() spins as spin() does, then calls inner(), a static function on
 * another page: a call from version 1's own code, which must stay in
 * version 1 (returning 1) though inner's page is retired.
 *
 * carry() is assembly with no unwind table, on a page of its own; it calls
 * spin_inner(), which spins as spin() does.  The fault handler's
 * backtrace from spin_inner reaches carry's frame, where the unwinder,
 * finding no table, reads carry's code: retired code must stay readable.
 *
 * bounce(cb) calls cb() and returns VERSION; the return address it leaves is
 * only 3 bytes into it (push %rbx; call *%rdi), inside the 5 bytes a jump
 * planted at its entry would cover.  raw_bounce() hands out its real code
 * address, as raw_ptr() does for raw_target. */
#include <unistd.h>

#ifndef VERSION
#error "build with -DVERSION=1 or -DVERSION=2"
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

int spin(volatile int *entered, volatile int *release) {
  *entered = 1;
  while (!*release)
    __asm__ volatile("pause");
  return VERSION;
}

int nap(volatile int *entered, volatile int *release) {
  *entered = 1;
  while (!*release)
    usleep(1000);
  return VERSION;
}

int doze(volatile int *entered, volatile int *release) {
  *entered = 1;
  while (!*release)
    usleep(500000);
  return VERSION;
}

/* inner and relay on pages of their own, so that inner's is still retired
 * when relay() calls it.  The asm keeps the compiler from knowing what it returns. */
__attribute__((noinline, aligned(4096))) static int inner(void) {
  int r = VERSION;
  __asm__ volatile("" : "+r"(r));
  return r;
}

__attribute__((aligned(4096))) int relay(volatile int *entered,
                                         volatile int *release) {
  *entered = 1;
  while (!*release)
    __asm__ volatile("pause");
  int r = inner(); /* a call, not a tail jump: relay's frame stays */
  __asm__ volatile("" : "+r"(r));
  return r;
}

/* Called only from carry, below. */
__attribute__((used, noinline, aligned(4096))) static int
spin_inner(volatile int *entered, volatile int *release) {
  *entered = 1;
  while (!*release)
    __asm__ volatile("pause");
  return VERSION;
}

__asm__("  .text\n"
        "  .p2align 4\n"
        "  .globl raw_target\n"
        "  .type raw_target, @function\n"
        "raw_target:\n"
        ".Lraw_target:\n"
        "  movl $" STR(VERSION) ", %eax\n"
        "  ret\n"
        "  .size raw_target, .-raw_target\n"
        "  .p2align 4\n"
        "  .globl raw_ptr\n"
        "  .type raw_ptr, @function\n"
        "raw_ptr:\n"
        "  leaq .Lraw_target(%rip), %rax\n"
        "  ret\n"
        "  .size raw_ptr, .-raw_ptr\n"
        "  .p2align 4\n"
        "  .type raw_static, @function\n"
        "raw_static:\n"
        "  movl $" STR(VERSION) ", %eax\n"
        "  ret\n"
        "  .size raw_static, .-raw_static\n"
        "  .p2align 4\n"
        "  .globl raw_static_ptr\n"
        "  .type raw_static_ptr, @function\n"
        "raw_static_ptr:\n"
        "  leaq raw_static(%rip), %rax\n"
        "  ret\n"
        "  .size raw_static_ptr, .-raw_static_ptr\n"
        "  .p2align 4\n"
        "  .globl bounce\n"
        "  .type bounce, @function\n"
        "bounce:\n"
        ".Lbounce:\n"
        "  pushq %rbx\n"
        "  call *%rdi\n"
        "  popq %rbx\n"
        "  movl $" STR(VERSION) ", %eax\n"
        "  ret\n"
        "  .size bounce, .-bounce\n"
        "  .p2align 4\n"
        "  .globl raw_bounce\n"
        "  .type raw_bounce, @function\n"
        "raw_bounce:\n"
        "  leaq .Lbounce(%rip), %rax\n"
        "  ret\n"
        "  .size raw_bounce, .-raw_bounce\n"
        "  .p2align 12\n"
        "  .globl carry\n"
        "  .type carry, @function\n"
        "carry:\n"
        "  pushq %rbx\n"
        "  call spin_inner\n"
        "  popq %rbx\n"
        "  ret\n"
        "  .size carry, .-carry\n");
