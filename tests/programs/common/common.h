/* common - tentative definitions merged as COMMON symbols (built with
 * -fcommon).  Each file declares the variables on its own, as old C code
 * does; only data.c gives `mixed` an initialiser. */
#ifndef COMMON_H
#define COMMON_H

void fill(void);
void *addr_of_counter_in_fill(void);
void *addr_of_big_in_fill(void);
long sum_in_fill(void);
int mixed_in_data(void);

#endif
