/* report, version 1: a known pair with version 2, for the counts in
 * reload_last_report().  Against version 2:
 *   functions  changed 1 (version), unchanged 2 (sum_ab, bump_c),
 *              added 3 (new_one, new_two, new_three),
 *              removed 2 (gone_one, gone_two)
 *   variables  kept 3 (keep_a, keep_b, keep_c),
 *              reset 2 (resized_s: short to long, resized_a: 2 to 3 ints);
 *              brand_new is new and counts as neither.
 * Unchanged functions keep their bytes and relocations: the functions that
 * change size come last, and the one static they use is at the start of
 * its own section in both versions. */

static long keep_c __attribute__((section(".data.keep_c"))) = 3;
int keep_a = 1;
short resized_s = 5;
int keep_b[4];
int resized_a[2];

int sum_ab(void) { return keep_a + keep_b[1]; }

long bump_c(void) { return keep_c += 1; }

int version(void) { return 1; }

int gone_one(void) { return 11; }

int gone_two(void) { return 12; }
