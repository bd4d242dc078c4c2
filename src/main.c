/*
 * main.c - reloadd: dispatch to a subcommand.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "launcher.h"
#include "log.h"

void cli_usage(void) {
  fputs(
      "usage: reloadd [-v|-q] [--color=WHEN] [--keep-versions N] [--validate]\n"
      "               CONFIG.ini [-- ARG...]\n"
      "       reloadd run [--watch [--allow-shared-dirs]] [--guard]\n"
      "                   [--keep-versions N] [--argv0 NAME]\n"
      "                   [--no-perf-map | --keep-perf-map] [-l NAME]... "
      "[-L DIR]...\n"
      "                   [--entry SYM] FILE... [-- ARG...]\n"
      "       reloadd check [-l NAME]... [-L DIR]... [-v] FILE...\n"
      "       reloadd inspect FILE...\n"
      "       reloadd status CONFIG.ini [--json]\n"
      "       reloadd reload CONFIG.ini [FILE]\n"
      "       reloadd [COMMAND] --help | --version\n"
      "\n"
      "FILE is an ELF relocatable object (.o) or an ar archive (.a) for\n"
      "x86-64, built with -fPIC or -fPIE.  Archive members are pulled in\n"
      "as needed.  libc, libm and libpthread are always available.\n"
      "\n"
      "  CONFIG.ini  run the program the config describes, rebuild it when\n"
      "           its sources change and reload its objects when they change\n"
      "           (see config/example.ini); SIGHUP re-reads the config\n"
      "  run      link the files in memory and call main(argc, argv, envp)\n"
      "           (or --entry SYM); the exit status is the program's\n"
      "  --watch  reload any of the files that changes while it runs\n"
      "  --guard  call the entry under reload_guard(): a crash in reloaded\n"
      "           code rolls that reload back (in a config: [reload] guard)\n"
      "  --keep-versions N  replaced versions of each object kept mapped\n"
      "           (default 8; in a config: [reload] keep_versions); older\n"
      "           ones go once nothing runs them or points into them\n"
      "  --allow-shared-dirs  with --watch, load files from directories\n"
      "           other users may write to (they could run code as you)\n"
      "  --argv0 NAME  the program's argv[0] (default: the path of a\n"
      "           script that runs it again)\n"
      "  --no-perf-map  write no /tmp/perf-PID.map, which names the loaded\n"
      "           functions for perf while the program runs (in a config:\n"
      "           [reload] perf_map = false; for run and the daemon alike:\n"
      "           RELOADD_PERF_MAP=0 in the environment)\n"
      "  --keep-perf-map  leave the map after exit, for perf report; it is\n"
      "           removed at exit otherwise (in a config: [reload]\n"
      "           perf_map = keep)\n"
      "  check    link without running; list problems as FILE: message\n"
      "  inspect  print sections, symbols and relocation types\n"
      "  status   show what the daemon running CONFIG.ini has loaded: each\n"
      "           object's versions, the functions each reload changed,\n"
      "           stale-code hits and rollbacks\n"
      "  reload   make the daemon running CONFIG.ini reload FILE (or all)\n"
      "  --validate  check CONFIG.ini and print its settings\n"
      "  --color  colour log lines: auto (default), always or never\n"
      "  -l NAME  resolve symbols against libNAME.so\n"
      "  -L DIR   search DIR for -l libraries first\n"
      "  -v       say more (repeat for debug output)\n"
      "  --help   print this and exit, also after a command (run --help)\n",
      stdout);
}

/* --help or -h among the options of any command: before "--", after
 * which the arguments are the program's. */
static bool wants_help(int argc, char **argv) {
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      return true;
  return false;
}

int main(int argc, char **argv) {
  /* A hosted program that runs /proc/self/exe means itself, not reloadd. */
  launcher_rerun(argc, argv);
  /* Until the program runs, this thread is reloadd's (see reload.h). */
  reload_host_thread(1);
  if (argc < 2) {
    cli_usage();
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "help") == 0 || wants_help(argc, argv)) {
    cli_usage();
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("reloadd %s\n", RELOAD_VERSION_STRING);
    return 0;
  }
  /* Before anything is linked: what is at /tmp/perf-PID.map by then is
   * not ours (see log.h). */
  if (strcmp(cmd, "run") == 0) {
    log_perf_map_track();
    return cmd_run(argc - 2, argv + 2);
  }
  if (strcmp(cmd, "check") == 0)
    return cmd_check(argc - 2, argv + 2);
  if (strcmp(cmd, "inspect") == 0)
    return cmd_inspect(argc - 2, argv + 2);
  if (strcmp(cmd, "status") == 0)
    return cmd_status(argc - 2, argv + 2);
  if (strcmp(cmd, "reload") == 0)
    return cmd_reload(argc - 2, argv + 2);
  /* Anything else that is an option, an .ini or an existing file is the
   * daemon's: reloadd [OPTIONS] CONFIG.ini. */
  struct stat st;
  size_t n = strlen(cmd);
  if (cmd[0] == '-' || strchr(cmd, '/') || stat(cmd, &st) == 0 ||
      (n > 4 && strcmp(cmd + n - 4, ".ini") == 0)) {
    log_perf_map_track();
    return cmd_daemon(argc - 1, argv + 1);
  }
  cli_err("unknown command '%s'; see reloadd --help", cmd);
  return 2;
}
