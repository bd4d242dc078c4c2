/* The one initialised definition of `mixed`: it beats the COMMONs. */
#include "common.h"

int mixed = 21;

int mixed_in_data(void) { return mixed; }
