/* export_plugin.c: a module opened later (libreloadplugin.so); value() and
 * count_global() are the program's, resolved through the symbols reload
 * shows the dynamic linker. */
int value(void);
int count_global(void);

int plugin_calls(void) { return value() * 1000 + count_global(); }
