/* contrail-lib: prints the version of libcontrail. */
#include "contrail.h"

int main(void) {
  contrail_print_version("contrail-lib");
  return 0;
}
