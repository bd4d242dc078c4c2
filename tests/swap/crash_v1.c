/* crash, version 1: good code.  Version 2 of risky() dereferences NULL;
 * version 3 is good again. */

int risky(int x) { return x + 1; }

int steady(void) { return 5; }

int wild(int x) { return x + 1; }
