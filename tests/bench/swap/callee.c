/* Called across objects: through its stable entry. */
__attribute__((noinline)) int cross_step(int x) { return x * 3 + 1; }
