/* ar_m1.c - an archive member that defines seed_a_entry and needs
 * ar_m2.c's function, so that pulling it pulls a second member. */
int ar_m2_helper(int x);
__thread int ar_m1_calls;

int seed_a_entry(int x);
int seed_a_entry(int x) { return ar_m1_calls++ + ar_m2_helper(x); }
