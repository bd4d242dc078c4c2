/* stale_v2.c - version 2 of the object the stale-code report test loads:
 * spin() returns 2. */
int spin(volatile int *entered, volatile int *release) {
  *entered = 1;
  while (!*release)
    __asm__ volatile("pause");
  return 2;
}
