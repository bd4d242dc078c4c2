/* The same tentative definitions, COMMON here too; `big` is larger. */
#include <string.h>

#include "common.h"

int counter;
char big[64];
double dcommon;
long table[100];
int mixed;

void fill(void) {
  counter *= 100;
  /* Writes past 16 bytes: the merged symbol must have 64. */
  memset(big, 0, sizeof big);
  for (int i = 0; i < 63; i++)
    big[i] = (char)('a' + i % 26);
  for (int i = 0; i < 100; i++)
    table[i] = (long)i * i;
  dcommon = 2.5;
  mixed *= 2;
}

void *addr_of_counter_in_fill(void) { return &counter; }
void *addr_of_big_in_fill(void) { return big; }

long sum_in_fill(void) {
  long s = 0;
  for (int i = 0; i < 100; i++)
    s += table[i];
  return s;
}
