/*
 * ar_driver.c - the fixed object that fuzz_archive links with each input
 * archive.  It refers to the entry points that the seed archives' members
 * define (tests/elf's seed_a.c, seed_b.c and seed_c.c, and the C files
 * under seeds/ here), so that members are pulled in, laid out and
 * relocated.
 */
int seed_a_entry(int x);
int seed_b_entry(int x);
int seed_c_value(void);

int fuzz_ar_driver(void);
int fuzz_ar_driver(void) {
  return seed_a_entry(1) + seed_b_entry(2) + seed_c_value();
}
