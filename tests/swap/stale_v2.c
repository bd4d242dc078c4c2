/* stale, version 2: stale_v1.c returning 2 where it returns 1. */
#include <unistd.h>

int spin(volatile int *entered, volatile int *release) {
  *entered = 1;
  while (!*release)
    __asm__ volatile("pause");
  return 2;
}

int nap(volatile int *entered, volatile int *release) {
  *entered = 1;
  while (!*release)
    usleep(1000);
  return 2;
}

int doze(volatile int *entered, volatile int *release) {
  *entered = 1;
  while (!*release)
    usleep(500000);
  return 2;
}

/* inner and relay on pages of their own, so that inner's is still retired
 * when relay() calls it.  The asm keeps the compiler from knowing what it returns. */
__attribute__((noinline, aligned(4096))) static int inner(void) {
  int r = 2;
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
  return 2;
}

__asm__("  .text\n"
        "  .p2align 4\n"
        "  .globl raw_target\n"
        "  .type raw_target, @function\n"
        "raw_target:\n"
        ".Lraw_target:\n"
        "  movl $2, %eax\n"
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
        "  movl $2, %eax\n"
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
        "  movl $2, %eax\n"
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
