/* tool.h: what sealctl and seal-verify share: reading files with a size cap, writing them
 * atomically, reading key passwords, printing errors. Not part of libsealcore (no I/O there). */
#ifndef SC_TOOL_H
#define SC_TOOL_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"

#define TOOL_MAX_INPUT (64u * 1024 * 1024)   /* seals, signatures, certificates, images */

/* Read the whole file (at most max bytes) into a new malloc'd buffer (NUL-terminated for
 * convenience; *len excludes it). "-" is standard input. @return 0 or SC_EIO / SC_ELIMIT. */
int tool_read_file(const char *path, size_t max, uint8_t **out, size_t *len, sc_err *err);

/* Write atomically: a temporary file in the same directory, fsync, rename. On any failure
 * nothing is left behind and the old file (if any) is untouched. mode e.g. 0644 or 0600.
 * "-" writes to standard output. @return 0 or SC_EIO. */
int tool_write_file(const char *path, const void *data, size_t len, int mode, sc_err *err);

/* The key password: the first line of pass_file, or (without one, on a terminal) asked for
 * without echo. *pass is a new buffer the caller wipes and frees with tool_free_secret().
 * @return 0, SC_EIO, SC_EINVAL (no password source). */
int tool_read_password(const char *pass_file, const char *what, char **pass, size_t *len,
                       sc_err *err);
void tool_free_secret(char *s, size_t len);

/* Load an encrypted key file with its password (see tool_read_password). */
struct sc_key;
int tool_load_key(const char *key_file, const char *pass_file, struct sc_key **key, sc_err *err);

/* Read a certificate file (PEM or DER) as DER into a new buffer. */
int tool_read_cert(const char *path, uint8_t **der, size_t *len, sc_err *err);

/* SM3 of a file of any size, read in blocks ("-" = standard input). @return 0 or SC_EIO. */
int tool_sm3_file(const char *path, uint8_t out[32], sc_err *err);

/* Print "prog: message" to stderr. */
void tool_error(const char *prog, const sc_err *err);
void tool_errorf(const char *prog, const char *fmt, ...) SC_PRINTF(2, 3);

#endif
