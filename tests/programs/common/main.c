/* Tentative definitions: COMMON in this object. */
#include <stdio.h>
#include <string.h>

#include "common.h"

int counter;
char big[16];          /* fill.c declares it with 64 bytes: the largest wins */
double dcommon;        /* alignment 8 */
long table[100];
int mixed;             /* data.c has the initialised definition */
char zeroed[4096];

int main(int argc, char **argv) {
  long total = 0;

  printf("before: counter=%d mixed=%d dcommon=%g\n", counter, mixed, dcommon);
  for (size_t i = 0; i < sizeof zeroed; i++)
    total += zeroed[i];
  printf("zeroed sum=%ld\n", total);

  counter = argc;
  fill();
  printf("after fill: counter=%d big=%s\n", counter, big);
  printf("same counter: %s\n",
         (void *)&counter == addr_of_counter_in_fill() ? "yes" : "no");
  printf("same big: %s\n", (void *)big == addr_of_big_in_fill() ? "yes" : "no");
  printf("table[0]=%ld table[99]=%ld sum=%ld\n", table[0], table[99],
         sum_in_fill());
  printf("dcommon=%.3f aligned=%d\n", dcommon,
         (int)(((unsigned long)&dcommon) % _Alignof(double) == 0));
  mixed += 10;
  printf("mixed=%d in data.c=%d\n", mixed, mixed_in_data());
  for (int i = 1; i < argc; i++)
    printf("arg %d: %s (%zu)\n", i, argv[i], strlen(argv[i]));
  return 0;
}
