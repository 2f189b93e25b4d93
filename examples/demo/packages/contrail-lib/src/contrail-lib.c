#include <string.h>
#include "contrail.h"

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  contrail_print_version("contrail-lib");
  return 0;
}
