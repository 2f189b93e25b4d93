/* contrail-control: contrail control node: routing and bgp, built against libcontrail. */
#include <stdio.h>
#include <string.h>
#include <contrail/contrail.h>

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    contrail_print_version("contrail-control");
    return 0;
  }
  printf("contrail-control %s: settings in /etc/contrail/contrail-control.conf\n", contrail_version());
  return 0;
}
