/*
 * stale_v1.c - version 1 of the object the stale-code report test loads:
 * spin() holds a thread in this version until *release is set, so that it
 * is still running here when the version is retired and faults on the
 * next instruction it fetches.  The marker in a comment is how the test
 * finds the lines the report must name; keep it.
 */
int spin(volatile int *entered, volatile int *release) {
  *entered = 1;
  while (!*release) /* SPIN LOOP */
    __asm__ volatile("pause");
  return 1;
}
