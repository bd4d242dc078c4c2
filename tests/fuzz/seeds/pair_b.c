/* pair_b.c - the other half of pair_a.c. */
extern int pair_a_value;

int pair_b_value = 22;

int pair_b_twice(int x);
int pair_b_twice(int x) { return 2 * x + pair_a_value - 11; }
