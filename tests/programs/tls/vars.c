/* Definitions of the thread-local variables. */
#include "tls.h"

__thread int tls_counter = 42;
__thread char tls_name[16] = "initial";
__thread long tls_zero[8];

static __thread int private_count = 1000;
static __thread int private_zero;

int bump_private(int by) {
  private_zero++;
  private_count += by;
  return private_count * 10 + private_zero;
}
