/* libcontrail: what every Contrail program of the demo links against. */
#ifndef CONTRAIL_H
#define CONTRAIL_H
#include <stddef.h>

const char *contrail_version(void);
/* The controller's commit this library was built from (the sandbox's git metadata, read by scons). */
const char *contrail_build_id(void);
/* Prints "<program> <version>", as every demo program does for --version. */
void contrail_print_version(const char *program);
/*
 * The value of `key` in [DEFAULT] of /etc/contrail/<program>.conf, copied into `out`; `fallback`
 * when the file or the key is not there. Returns `out`.
 */
const char *contrail_setting(const char *program, const char *key, const char *fallback, char *out, size_t size);
#endif
