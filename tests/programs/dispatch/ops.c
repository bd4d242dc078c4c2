/* The callback table: function pointers held in read-only and writable
 * data, some of them to functions in other objects. */
#include "dispatch.h"

/* vm.c and main.c have their own `calls` and `helper`; each must stay
 * private to its object. */
static int calls;

static long helper(long x) {
  calls++;
  return x * 3;
}

long op_add(long acc, long arg) {
  calls++;
  return acc + arg;
}

long op_sub(long acc, long arg) {
  calls++;
  return acc - arg;
}

long op_mul(long acc, long arg) {
  calls++;
  return acc * arg;
}

long op_neg(long acc, long arg) {
  (void)arg;
  calls++;
  return -acc;
}

long op_triple(long acc, long arg) {
  (void)arg;
  return helper(acc);
}

/* Runs a small loop on the VM: for n down to 1, acc += ((n*n % 7) << 2) >> 1,
 * printing each term; every opcode is used.  Adds the accumulator. */
long op_vm(long acc, long arg) {
  static const unsigned char prog[] = {
      /*  0 */ VM_DUP, VM_DUP, VM_MUL, VM_PUSH, 7, VM_MOD,
      /*  6 */ VM_PUSH, 2, VM_SHL, VM_PUSH, 1, VM_SHR,
      /* 12 */ VM_NEG, VM_NEG, VM_INC, VM_DEC, VM_PRINT, VM_ACC,
      /* 18 */ VM_DUP, VM_PUSH, 5, VM_ADD, VM_DROP,
      /* 23 */ VM_PUSH, 9, VM_PUSH, 4, VM_SUB, VM_SWAP, VM_SWAP, VM_DROP,
      /* 31 */ VM_DEC, VM_DUP, VM_JNZ, 0,
      /* 35 */ VM_DROP, VM_HALT,
  };
  calls++;
  if (arg < 1)
    arg = 1;
  if (arg > 50)
    arg = 50;
  return acc + vm_run(prog, sizeof prog, arg);
}

const struct op op_table[] = {
    {"add", op_add, 1},       {"sub", op_sub, 1},  {"mul", op_mul, 1},
    {"neg", op_neg, 0},       {"triple", op_triple, 0},
    {"vm", op_vm, 1},
};
const unsigned op_count = sizeof op_table / sizeof op_table[0];

/* Writable pointers, relocated at load and changed at run time. */
op_fn default_op = op_neg;
const struct op *op_registry[] = {&op_table[2], &op_table[0], &op_table[4],
                                  0};

int ops_calls(void) { return calls; }
