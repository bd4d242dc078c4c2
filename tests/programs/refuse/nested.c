/* nested: gcc's nested function whose address is taken.  Calling it goes
 * through a trampoline that gcc writes on the stack, so the object needs
 * an executable stack, which reload never makes: it must be refused with
 * a message that names the object. */
int apply(int (*f)(int), int x) { return f(x); }

int outer(int k) {
  int add(int v) { return v + k; }
  return apply(add, 3);
}

int main(void) { return outer(4) == 7 ? 0 : 1; }
