/* libcontrail: what every Contrail daemon of the demo links against. */
#ifndef CONTRAIL_H
#define CONTRAIL_H
const char *contrail_version(void);
/* Prints "<program> <version>" as every demo daemon does for --version. */
void contrail_print_version(const char *program);
#endif
