/* Data only: pulled because beta.o refers to these symbols. */
const char lib_gamma_name[] = "gamma";
int lib_gamma_calls = 100;
