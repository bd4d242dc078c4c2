/* worker.c: statics and a registry that forked children change. */
#include <stdlib.h>
#include <string.h>

#include "fork.h"

static int count;
static const char *names[64];
static int nnames;

int worker_bump(int by) { return count += by; }
int worker_count(void) { return count; }

void worker_register(const char *name) {
  pthread_mutex_lock(&registry_lock);
  if (nnames < 64)
    names[nnames++] = name;
  pthread_mutex_unlock(&registry_lock);
}

int worker_registered(void) {
  pthread_mutex_lock(&registry_lock);
  int n = nnames;
  pthread_mutex_unlock(&registry_lock);
  return n;
}
