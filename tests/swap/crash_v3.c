/* crash, version 3: good again, and different from version 1. */

int risky(int x) { return x + 3; }

int steady(void) { return 5; }

int wild(int x) { return x + 3; }
