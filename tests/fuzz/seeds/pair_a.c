/* pair_a.c - a seed pair with pair_b.c: each uses the other's function and
 * data, so that linking them together resolves across objects. */
extern int pair_b_value;
int pair_b_twice(int x);

int pair_a_value = 11;

int main(void);
int main(void) { return pair_b_twice(pair_a_value) - pair_b_value; }
