/* tls: runs workers one by one and together, then shows that the main
 * thread's copies were not touched. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "tls.h"

int main(int argc, char **argv) {
  int nthreads = argc > 1 ? atoi(argv[1]) : 3;
  pthread_t th[8];

  if (nthreads < 1 || nthreads > 8)
    nthreads = 3;
  tls_counter = 7;
  printf("main before: counter=%d name=%s private=%d\n", tls_counter, tls_name,
         bump_private(1));
  for (long i = 0; i < nthreads; i++)
    if (pthread_create(&th[i], NULL, worker, (void *)(i + 1))) {
      fprintf(stderr, "pthread_create failed\n");
      return 1;
    }
  for (int i = 0; i < nthreads; i++) {
    void *res;
    pthread_join(th[i], &res);
    printf("%s\n", (char *)res);
  }
  printf("main after: counter=%d name=%s zero[1]=%ld private=%d\n",
         tls_counter, tls_name, tls_zero[1], bump_private(2));
  /* The main thread runs the worker body too: its own copies change. */
  printf("%s\n", (char *)worker((void *)6));
  printf("main end: counter=%d name=%s\n", tls_counter, tls_name);
  return 0;
}
