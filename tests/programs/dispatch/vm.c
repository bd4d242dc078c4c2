/* A stack VM.  The dense switch in vm_run() becomes a jump table in
 * .rodata (relocated against .text) at -O2, and vm_opname()'s switch a
 * table of string pointers. */
#include <stdio.h>

#include "dispatch.h"

/* Same names as in ops.c and main.c, private to this object. */
static int calls;

static long helper(long x) {
  calls++;
  return x < 0 ? -x : x;
}

const char *vm_opname(unsigned op) {
  switch (op) {
  case VM_PUSH: return "push";
  case VM_ADD: return "add";
  case VM_SUB: return "sub";
  case VM_MUL: return "mul";
  case VM_DUP: return "dup";
  case VM_SWAP: return "swap";
  case VM_DROP: return "drop";
  case VM_NEG: return "neg";
  case VM_INC: return "inc";
  case VM_DEC: return "dec";
  case VM_SHL: return "shl";
  case VM_SHR: return "shr";
  case VM_MOD: return "mod";
  case VM_PRINT: return "print";
  case VM_JNZ: return "jnz";
  case VM_HALT: return "halt";
  case VM_ACC: return "acc";
  default: return "?";
  }
}

long vm_run(const unsigned char *code, unsigned len, long input) {
  long stack[16];
  int sp = 0;
  long acc = 0, a, b;
  unsigned pc = 0, steps = 0;

  calls++;
  stack[sp++] = input;
  while (pc < len && steps++ < 10000) {
    unsigned op = code[pc++];
    if (sp < 0 || sp > 14) {
      printf("vm: stack fault at %u (%s)\n", pc - 1, vm_opname(op));
      return -1;
    }
    switch (op) {
    case VM_PUSH:
      stack[sp++] = code[pc++];
      break;
    case VM_ADD:
      b = stack[--sp];
      a = stack[--sp];
      stack[sp++] = a + b;
      break;
    case VM_SUB:
      b = stack[--sp];
      a = stack[--sp];
      stack[sp++] = a - b;
      break;
    case VM_MUL:
      b = stack[--sp];
      a = stack[--sp];
      stack[sp++] = a * b;
      break;
    case VM_DUP:
      a = stack[sp - 1];
      stack[sp++] = a;
      break;
    case VM_SWAP:
      a = stack[sp - 1];
      stack[sp - 1] = stack[sp - 2];
      stack[sp - 2] = a;
      break;
    case VM_DROP:
      sp--;
      break;
    case VM_NEG:
      stack[sp - 1] = -stack[sp - 1];
      break;
    case VM_INC:
      stack[sp - 1]++;
      break;
    case VM_DEC:
      stack[sp - 1]--;
      break;
    case VM_SHL:
      b = stack[--sp];
      a = stack[--sp];
      stack[sp++] = a << (b & 31);
      break;
    case VM_SHR:
      b = stack[--sp];
      a = stack[--sp];
      stack[sp++] = a >> (b & 31);
      break;
    case VM_MOD:
      b = stack[--sp];
      a = stack[--sp];
      stack[sp++] = b ? a % b : 0;
      break;
    case VM_PRINT:
      printf("  vm %-5s pc=%-2u sp=%d top=%ld\n", vm_opname(op), pc - 1, sp,
             stack[sp - 1]);
      break;
    case VM_JNZ:
      a = stack[--sp];
      if (a)
        pc = code[pc];
      else
        pc++;
      break;
    case VM_HALT:
      return acc;
    case VM_ACC:
      acc += helper(stack[--sp]);
      break;
    default:
      printf("vm: bad opcode %u at %u\n", op, pc - 1);
      return -1;
    }
  }
  return acc;
}

int vm_calls(void) { return calls; }
