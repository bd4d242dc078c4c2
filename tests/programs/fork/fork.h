#ifndef FORK_H
#define FORK_H
#include <pthread.h>

extern int shared_counter;      /* a global of main.c */
extern pthread_mutex_t registry_lock;
int worker_bump(int by);        /* a static counter in worker.c */
int worker_count(void);
void worker_register(const char *name);
int worker_registered(void);
#endif
