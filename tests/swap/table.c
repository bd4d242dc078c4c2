/* table: a const table that another object reads (a gamma table, say),
 * and variables that every version shares: a COMMON one (-fcommon) and a
 * plain one.  Version 2 changes the table. */
#ifndef VERSION
#define VERSION 1
#endif

const int gamma_tab[8] = {VERSION, 2 * VERSION, 3, 4, 5, 6, 7, 100 * VERSION};
int tab_hits; /* COMMON with -fcommon */
long tab_total = 5;

int tab_bump(void) {
  tab_total += VERSION;
  return ++tab_hits;
}

#if VERSION >= 2
/* New in version 2: its storage is first placed in version 2's own pages,
 * which every later version keeps using. */
int tab_new;
int tab_bump_new(void) { return ++tab_new; }
#endif
