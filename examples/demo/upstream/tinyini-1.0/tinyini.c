#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "tinyini.h"

static char *trim(char *s) {
  char *end;
  while (isspace((unsigned char)*s)) s++;
  end = s + strlen(s);
  while (end > s && isspace((unsigned char)end[-1])) *--end = '\0';
  return s;
}

int tinyini_get(const char *path, const char *section, const char *key, char *out, size_t size) {
  char line[512], current[128] = "";
  int found = 0;
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  while (!found && fgets(line, sizeof line, f)) {
    char *s = trim(line), *eq;
    if (*s == '#' || *s == ';' || *s == '\0') continue;
    if (*s == '[') {
      char *close = strchr(s, ']');
      if (close) {
        *close = '\0';
        snprintf(current, sizeof current, "%s", trim(s + 1));
      }
      continue;
    }
    eq = strchr(s, '=');
    if (!eq || strcmp(current, section) != 0) continue;
    *eq = '\0';
    if (strcmp(trim(s), key) == 0) {
      snprintf(out, size, "%s", trim(eq + 1));
      found = 1;
    }
  }
  fclose(f);
  return found;
}
