/* lic_int.h: internals shared by the license module. Not exported. */
#ifndef SC_LIC_INT_H
#define SC_LIC_INT_H

#include <stddef.h>

/* p[0..n) made fit for a message into buf (cap bytes, NUL-terminated): printable ASCII as
 * is, every other byte (and quotes, backslashes) as \xNN, cut with "..." when too long. */
void sc__lic_show(char *buf, size_t cap, const char *p, size_t n);

#endif
