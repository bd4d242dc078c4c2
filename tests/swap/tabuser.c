/* tabuser: an object that is never reloaded and reads table.o's table and
 * variables: through its GOT when built with -fPIC, directly (PC-relative)
 * when gcc builds it with -fPIE. */
extern const int gamma_tab[8];
extern int tab_hits;
extern long tab_total;

int tabuser_gamma(int i) { return gamma_tab[i & 7]; }
int tabuser_hits(void) { return tab_hits; }
long tabuser_total(void) { return tab_total; }
