/* dispatch: each argument names an operation ("add=5", "neg", "vm=6")
 * applied to an accumulator through the callback table; unknown names go
 * to the writable default_op pointer.  Exits with the low bits of the
 * result via `return`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"

static int calls;

static long helper(long x) {
  calls++;
  return x + 1000;
}

static const struct op *find(const char *name, size_t len) {
  for (unsigned i = 0; i < op_count; i++)
    if (strlen(op_table[i].name) == len &&
        memcmp(op_table[i].name, name, len) == 0)
      return &op_table[i];
  return NULL;
}

int main(int argc, char **argv) {
  long acc = 1;

  printf("argc=%d ops=%u\n", argc, op_count);
  for (int i = 1; i < argc; i++) {
    const char *eq = strchr(argv[i], '=');
    size_t len = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
    long arg = eq ? strtol(eq + 1, NULL, 10) : 0;
    const struct op *op = find(argv[i], len);
    long before = acc;

    if (!op) {
      fprintf(stderr, "dispatch: unknown op '%s', using the default\n",
              argv[i]);
      acc = default_op(acc, arg);
      /* The default changes after first use: a store of a function
       * pointer into relocated writable data. */
      default_op = op_triple;
      printf("%-8s %6ld -> %ld (default)\n", argv[i], before, acc);
      continue;
    }
    if (op->takes_arg && !eq)
      fprintf(stderr, "dispatch: '%s' wants an argument, using 0\n", argv[i]);
    acc = op->fn(acc, arg);
    printf("%-8s %6ld -> %ld\n", op->name, before, acc);
  }

  for (int i = 0; op_registry[i]; i++)
    printf("registry[%d] %-6s (10, 3) = %ld\n", i, op_registry[i]->name,
           op_registry[i]->fn(10, 3));

  /* Function addresses taken in different objects must be equal. */
  printf("table add %s op_add\n", op_table[0].fn == op_add ? "==" : "!=");
  printf("table vm %s op_vm\n", op_table[5].fn == &op_vm ? "==" : "!=");
  printf("default %s op_triple\n", default_op == op_triple ? "==" : "!=");

  for (unsigned op = 0; op <= VM_NOPS; op++)
    printf("%s%s", op ? " " : "opcodes:", vm_opname(op));
  printf("\n");

  printf("helper(main)=%ld\n", helper(acc));
  printf("calls: main=%d ops=%d vm=%d\n", calls, ops_calls(), vm_calls());
  printf("result %ld\n", acc);
  return (int)(acc & 0x3f);
}
