/* seed_c.c - a small third archive member with a short name. */
static const char seed_c_msg[] = "forty-two";

const char *seed_c_name(void);
const char *seed_c_name(void) { return seed_c_msg; }

int seed_c_value(void);
int seed_c_value(void) { return seed_c_name()[0] == 'f' ? 42 : 0; }
