/*
 * One Contrail service of the demo; PROGRAM (set per program by the SConscript) names it.
 *   PROGRAM --version   prints its name and version
 *   PROGRAM             reads /etc/contrail/PROGRAM.conf, says so (and which controller commit it
 *                       was built from), and runs until SIGTERM or SIGINT, then exits 0: a
 *                       service, as supervisord or an entrypoint runs it.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "contrail.h"

int main(int argc, char **argv) {
  char level[64];
  sigset_t stop;
  int sig;

  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    contrail_print_version(PROGRAM);
    return 0;
  }
  if (argc > 1) {
    fprintf(stderr, "usage: %s [--version]\n", PROGRAM);
    return 2;
  }
  /* blocked before anything else, so a stop that comes early is not lost */
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, NULL);
  printf("%s %s: settings in /etc/contrail/%s.conf (log_level %s), built from controller %s; running\n", PROGRAM,
         contrail_version(), PROGRAM, contrail_setting(PROGRAM, "log_level", "SYS_NOTICE", level, sizeof level),
         contrail_build_id());
  fflush(stdout);
  sigwait(&stop, &sig);
  printf("%s: stopped by %s\n", PROGRAM, sig == SIGTERM ? "SIGTERM" : "SIGINT");
  return 0;
}
