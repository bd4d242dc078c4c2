/* tls - __thread variables defined in one object and used from another,
 * initialised (.tdata) and zeroed (.tbss), in the main thread and in
 * threads started by the program.  Built -fPIC only: the general- and
 * local-dynamic models go through __tls_get_addr. */
#ifndef TLS_H
#define TLS_H

extern __thread int tls_counter;      /* .tdata, 42 */
extern __thread char tls_name[16];    /* .tdata, "initial" */
extern __thread long tls_zero[8];     /* .tbss */

int bump_private(int by);             /* a static __thread in vars.c */
void *worker(void *arg);              /* worker.c */

#endif
