/* cmd_license.h: what cmd_license.c and cmd_license_batch.c share (lic_*): request paths with
 * a licence identifier, saving a licence's file. */
#ifndef SEALCTL_CMD_LICENSE_H
#define SEALCTL_CMD_LICENSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "remote.h"

#define LIC_PATH_MAX 1024                    /* a path with an escaped identifier (<= 255) */
#define LIC_FILE_MAX (256u * 1024 * 1024)    /* one licence OFD (the server's limit) */

/** prefix + id percent-encoded + suffix into buf (n bytes). @return 0, or -1 (too long, out
 *  of memory) */
int lic_path(char *buf, size_t n, const char *prefix, const char *id, const char *suffix);
/** A string member of o, "" when absent. Borrowed from o. */
const char *lic_str(const json_t *o, const char *k);
/** d as a base64 JSON string (new reference), NULL when out of memory. */
json_t *lic_b64_json(const uint8_t *d, size_t n);
/** GET the licence's OFD and write it to out atomically (tool_write_file).
 *  @return 0, or a code as remote_json's / SC_EIO with err */
int lic_save_file(remote *r, const char *id, const char *out, sc_err *err);

#endif
