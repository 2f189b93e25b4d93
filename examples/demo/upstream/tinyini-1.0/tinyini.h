/* tinyini: reads one value from an INI file. */
#ifndef TINYINI_H
#define TINYINI_H
#include <stddef.h>

/*
 * Copies the value of `key` in `[section]` of the file `path` into `out` (at most `size` bytes,
 * always terminated). Returns 1 when found, 0 when not, -1 when the file cannot be read.
 */
int tinyini_get(const char *path, const char *section, const char *key, char *out, size_t size);
#endif
