/* interp: a bytecode interpreter with a computed-goto dispatch table, as
 * Lua, CPython and Ruby build theirs.  The table is a const array of label
 * addresses (&&op_add), which the compiler puts in .data.rel.ro: each
 * version's code may only ever jump through its own.  Version 2 changes
 * the constants and the work of each op, so its code and its registers
 * differ.
 *
 * interp_run() runs `code` until *gate becomes nonzero (checked once per
 * pass), then returns the accumulator and stores the passes made. */
#ifndef VERSION
#define VERSION 1
#endif

enum { OP_ADD, OP_XOR, OP_MIX, OP_LOOP };

long interp_run(const unsigned char *code, const volatile int *gate,
                long *passes) {
  static const void *const table[] = {&&op_add, &&op_xor, &&op_mix,
                                      &&op_loop};
  unsigned long acc = 7, n = 0;
  const unsigned char *pc = code;
  goto *table[*pc++];
op_add:
  acc += 3 * VERSION + (n & 7);
  goto *table[*pc++];
op_xor:
#if VERSION == 1
  acc ^= acc >> 3;
#else
  acc ^= (acc >> 5) + (acc << 1) + n;
#endif
  goto *table[*pc++];
op_mix:
  acc = acc * (VERSION == 1 ? 31 : 17) + 1;
  goto *table[*pc++];
op_loop:
  n++;
  if (*gate == 0) {
    pc = code;
    goto *table[*pc++];
  }
  *passes = (long)n;
  return (long)acc;
}

int interp_version(void) { return VERSION; }
