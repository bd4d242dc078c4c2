/* Thread bodies: each must see fresh initial values of every variable. */
#include <stdio.h>
#include <string.h>

#include "tls.h"

static __thread int local_steps = 5;

void *worker(void *arg) {
  long id = (long)arg;
  static char lines[8][160];
  char *line = lines[id & 7];
  long zsum = 0;
  int start = tls_counter;
  char start_name[16];

  memcpy(start_name, tls_name, sizeof start_name);
  for (int i = 0; i < 8; i++)
    zsum += tls_zero[i];
  for (int i = 0; i < 1000; i++)
    tls_counter++;
  tls_zero[id & 7] = id * 11;
  snprintf(tls_name, sizeof tls_name, "worker-%ld", id);
  local_steps += (int)id;
  int priv = bump_private((int)id);
  snprintf(line, 160,
           "worker %ld: start=%d name=%s zsum=%ld -> counter=%d name=%s "
           "zero[%ld]=%ld steps=%d private=%d",
           id, start, start_name, zsum, tls_counter, tls_name, id & 7,
           tls_zero[id & 7], local_steps, priv);
  return line;
}
