#include <stdio.h>
#include "contrail.h"

const char *contrail_version(void) { return CONTRAIL_VERSION; }

void contrail_print_version(const char *program) { printf("%s %s\n", program, contrail_version()); }
