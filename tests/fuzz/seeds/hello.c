/* hello.c - a seed: libc calls, a string in .rodata, .data and .bss. */
#include <stdio.h>

int hello_count = 3;
static char hello_buf[64];

int main(void);
int main(void) {
  snprintf(hello_buf, sizeof hello_buf, "hello %d", hello_count);
  return puts(hello_buf) < 0;
}
