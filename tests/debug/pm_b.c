/*
 * pm_b.c - a second object for the perf map test, with a static function
 * of the same name as pm_a.c's.
 */
static int sq(int x) { return x * x * x; }

int pm_cube(int x) { return sq(x); }

int (*pm_b_sq)(int) = sq;
