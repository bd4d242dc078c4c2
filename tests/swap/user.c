/* user: a second object that is never reloaded.  It calls into lib.o,
 * writes lib.o's global `total`, and keeps a function pointer that lib.o
 * handed out, as a program's main object would. */

extern int total;
int value(void);
int (*get_cb(int i))(int);

static int (*saved)(int);

int user_value(void) { return value(); }

int bump_total(void) { return total += 1; }

void user_save_cb(void) { saved = get_cb(0); }

int user_call_saved(int x) { return saved(x); }
