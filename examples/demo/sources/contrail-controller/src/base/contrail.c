#include <stdio.h>
#include "contrail.h"
#include "tinyini.h"

const char *contrail_version(void) { return CONTRAIL_VERSION; }

const char *contrail_build_id(void) { return CONTRAIL_BUILD_ID; }

void contrail_print_version(const char *program) { printf("%s %s\n", program, contrail_version()); }

const char *contrail_setting(const char *program, const char *key, const char *fallback, char *out, size_t size) {
  char path[256];
  snprintf(path, sizeof path, "/etc/contrail/%s.conf", program);
  if (tinyini_get(path, "DEFAULT", key, out, size) != 1) snprintf(out, size, "%s", fallback);
  return out;
}
