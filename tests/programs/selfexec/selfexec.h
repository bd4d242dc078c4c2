#ifndef SELFEXEC_H
#define SELFEXEC_H
int child_main(int argc, char **argv);
extern int generation;
#endif
