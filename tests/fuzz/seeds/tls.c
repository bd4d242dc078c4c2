/* tls.c - a seed: initialised and zeroed thread-locals, one exported. */
__thread int tls_counter = 5;
static __thread long tls_scratch[8];

int tls_bump(int i);
int tls_bump(int i) {
  tls_scratch[i & 7] += i;
  return tls_counter += (int)tls_scratch[i & 7];
}
