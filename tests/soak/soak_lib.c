/* soak_lib.c - the object soak_faults.py reloads under reloadd, built as
 * several versions that differ only in what lib_value() returns
 * (-DLIB_VALUE=1, 2, 3, or 99 to make soak_host.c finish).  lib_tick()
 * steps a counter kept in a static of this object: it is the program's
 * state, and must carry over every reload and survive every refused one. */
#ifndef LIB_VALUE
#error "build with -DLIB_VALUE=N"
#endif

static int count;

int lib_tick(void) { return ++count; }

int lib_value(void) { return LIB_VALUE; }
