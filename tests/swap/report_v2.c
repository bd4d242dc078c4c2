/* report, version 2: see report_v1.c for what changed. */

static long keep_c __attribute__((section(".data.keep_c"))) = 3;
int keep_a = 1;
long resized_s = 50;
int keep_b[4];
int resized_a[3] = {7, 8, 9};
int brand_new = 9;

int sum_ab(void) { return keep_a + keep_b[1]; }

long bump_c(void) { return keep_c += 1; }

int version(void) { return 2; }

int new_one(void) { return 21; }

int new_two(void) { return 22; }

int new_three(void) { return 23 + brand_new; }
