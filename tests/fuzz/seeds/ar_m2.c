/* ar_m2.c - an archive member that defines ar_m2_helper, seed_b_entry and
 * seed_c_value; ar_m1.c pulls it in too. */
#include <string.h>

static const char ar_m2_text[] = "archive member two";

int ar_m2_helper(int x);
int ar_m2_helper(int x) { return x + (int)strlen(ar_m2_text); }

int seed_b_entry(int x);
int seed_b_entry(int x) { return ar_m2_helper(x) * 2; }

int seed_c_value(void);
int seed_c_value(void) { return 42; }
