/*
 * good_b.c - the second known-good object: linked after a refusal into a
 * context that already holds good.c, it resolves a symbol against that
 * earlier batch.
 */
extern int reload_fuzz_good_bias;

int reload_fuzz_good2(int x);
int reload_fuzz_good2(int x) { return x * reload_fuzz_good_bias; }
