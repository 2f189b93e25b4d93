/* contrail-vrouter-agent: contrail vrouter agent, built against libcontrail. */
#include <stdio.h>
#include <string.h>
#include <contrail/contrail.h>

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    contrail_print_version("contrail-vrouter-agent");
    return 0;
  }
  printf("contrail-vrouter-agent %s: settings in /etc/contrail/contrail-vrouter-agent.conf\n", contrail_version());
  return 0;
}
