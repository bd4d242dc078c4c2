/*
 * ar_driver.c - refers to one function of each member of the generated
 * archive, so that `reloadd check ar_driver.o ARCHIVE` pulls every member.
 */
int seed_a_entry(int x);
int seed_b_entry(int x);
int seed_c_value(void);

int main(void);
int main(void) { return seed_a_entry(1) + seed_b_entry(2) + seed_c_value(); }
