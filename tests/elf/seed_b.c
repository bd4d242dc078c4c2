/*
 * seed_b.c - a second valid object for the malformed-input generator: a
 * jump table, string literals, a struct of function pointers and libc
 * calls with varargs.
 */
#include <stdio.h>
#include <stdlib.h>

struct seed_b_ops {
  const char *name;
  int (*fn)(int);
};

static int inc(int x) { return x + 1; }
static int dec(int x) { return x - 1; }
static int neg(int x) { return -x; }

const struct seed_b_ops seed_b_table[] = {
    {"inc", inc}, {"dec", dec}, {"neg", neg}};

static char seed_b_buf[64];

int seed_b_classify(int x);
int seed_b_classify(int x) {
  switch (x) {
  case 0: return 11;
  case 1: return 23;
  case 2: return 37;
  case 3: return 41;
  case 4: return 53;
  case 5: return 67;
  case 6: return 79;
  default: return -1;
  }
}

int seed_b_entry(int x);
int seed_b_entry(int x) {
  const struct seed_b_ops *op = &seed_b_table[abs(x) % 3];
  snprintf(seed_b_buf, sizeof seed_b_buf, "%s(%d)", op->name, x);
  return op->fn(x) + seed_b_classify(x) + (int)seed_b_buf[0];
}
