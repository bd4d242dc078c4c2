/* dispatch - callback tables, a bytecode VM with a dense switch, and
 * same-named static functions and variables in several objects. */
#ifndef DISPATCH_H
#define DISPATCH_H

typedef long (*op_fn)(long acc, long arg);

struct op {
  const char *name;
  op_fn fn;
  int takes_arg;
};

/* ops.c */
extern const struct op op_table[];
extern const unsigned op_count;
extern op_fn default_op;
extern const struct op *op_registry[];
long op_add(long acc, long arg);
long op_sub(long acc, long arg);
long op_mul(long acc, long arg);
long op_neg(long acc, long arg);
long op_triple(long acc, long arg);
long op_vm(long acc, long arg);
int ops_calls(void);

/* vm.c */
enum {
  VM_PUSH, VM_ADD, VM_SUB, VM_MUL, VM_DUP, VM_SWAP, VM_DROP, VM_NEG,
  VM_INC, VM_DEC, VM_SHL, VM_SHR, VM_MOD, VM_PRINT, VM_JNZ, VM_HALT,
  VM_ACC,
  VM_NOPS
};
long vm_run(const unsigned char *code, unsigned len, long input);
const char *vm_opname(unsigned op);
int vm_calls(void);

#endif
