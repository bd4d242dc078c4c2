/* weak.c - a seed: a weak definition, a weak undefined reference and a
 * tentative definition (COMMON with -fcommon). */
__attribute__((weak)) int weak_hook(int x) { return x; }
extern int weak_missing(int) __attribute__((weak));
int weak_common_var;

int weak_call(int x);
int weak_call(int x) {
  weak_common_var++;
  return weak_missing ? weak_missing(x) : weak_hook(x);
}
